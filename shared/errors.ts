/**
 * Errors that teach: every failure a user can meet says what went wrong, why, and what to do next.
 *
 * `code` is stable and machine-readable (scripts match on it; `--json` output carries it);
 * `hint` is the next step for a person; `details` are extra lines shown under the message.
 */
export interface FlopnetErrorOptions {
  code: string;
  hint?: string;
  details?: readonly string[];
  cause?: unknown;
  /** Process exit status when this error ends a CLI command. */
  exitCode?: number;
}

export class FlopnetError extends Error {
  override name = 'FlopnetError';
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: readonly string[];
  readonly exitCode: number;

  constructor(message: string, options: FlopnetErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.hint = options.hint;
    this.details = options.details ?? [];
    this.exitCode = options.exitCode ?? 1;
  }

  /** One line for a terminal: the message, then the hint. */
  toLine(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }

  toJSON(): { code: string; message: string; hint?: string; details?: readonly string[] } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details.length ? { details: this.details } : {}),
    };
  }
}

/** A user's input (flag, config value, file) is wrong. Exit status 2, as for usage errors. */
export class UsageError extends FlopnetError {
  override name = 'UsageError';
  constructor(message: string, options: Omit<FlopnetErrorOptions, 'code' | 'exitCode'> & { code?: string } = {}) {
    super(message, { exitCode: 2, ...options, code: options.code ?? 'E_USAGE' });
  }
}

/** Walks the `cause` chain, outermost first. */
export function* causes(error: unknown): Generator<unknown> {
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current;
    current = current instanceof Error ? current.cause : undefined;
  }
}

/** A short description of any thrown value, for logs and the last line of a failed command. */
export function describeError(error: unknown): string {
  if (error instanceof FlopnetError) return error.toLine();
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
