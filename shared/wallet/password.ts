/**
 * Where a keyfile password comes from, in btwallet's order: an explicit argument, then the
 * `BT_PW_<path>` environment variable, then a prompt on the terminal without echo — or, with no
 * terminal, a line read from a piped standard input, as btcli (rpassword) reads it
 * (`printf '%s\n' "$PW" | flopnet wallet show ...`).
 *
 * Nothing here logs or returns a password anywhere but to the caller.
 */
import { FlopnetError } from '../errors.js';

/** `BT_PW_` + the absolute keyfile path with `/` and `.` as `_`, uppercased (btwallet's rule). */
export function passwordEnvName(keyfilePath: string): string {
  return 'BT_PW_' + keyfilePath.replace(/[/.]/g, '_').toUpperCase();
}

function xorWithName(bytes: Uint8Array, name: string): Buffer {
  const key = Buffer.from(name, 'utf8');
  return Buffer.from(bytes.map((b, i) => b ^ key[i % key.length]!));
}

/** The value btwallet expects in the variable: base64(password XOR name). It obscures, it does not protect. */
export function encodeEnvPassword(password: string, envName: string): string {
  return xorWithName(Buffer.from(password, 'utf8'), envName).toString('base64');
}

export function decodeEnvPassword(value: string, envName: string): string {
  return xorWithName(Buffer.from(value, 'base64'), envName).toString('utf8');
}

export function passwordFromEnv(keyfilePath: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = passwordEnvName(keyfilePath);
  const value = env[name];
  return value ? decodeEnvPassword(value, name) : undefined;
}

/**
 * An approximation of btwallet's rule (≥ 6 characters and a `passwords`-crate score ≥ 20): we ask for
 * 6+ characters and enough variety that the password is not one repeated or sequential run.
 */
export function passwordStrongEnough(password: string): boolean {
  if (password.length < 6) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((r) => r.test(password)).length;
  const distinct = new Set(password).size;
  return distinct >= 4 && (classes >= 2 || password.length >= 10);
}

export interface PromptIO {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

const defaultIO = (): PromptIO => ({ input: process.stdin, output: process.stderr });

/** Reads one line from a TTY with echo off. Ctrl-C aborts; the text is trimmed, as btwallet does. */
export function promptHidden(question: string, io: PromptIO = defaultIO()): Promise<string> {
  const { input, output } = io;
  return new Promise((resolve, reject) => {
    // Echo goes off before the question appears, so nothing typed after it can be echoed.
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    output.write(question);
    let text = '';
    const done = (error?: Error): void => {
      input.setRawMode(wasRaw);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (error) reject(error);
      else resolve(text.trim());
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new FlopnetError('password entry cancelled', { code: 'E_INTERRUPTED', exitCode: 130 }));
        if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
        else if (ch >= ' ') text += ch;
      }
    };
    input.on('data', onData);
  });
}

function noTty(keyfilePath: string, purpose: 'decrypt' | 'encrypt'): FlopnetError {
  const env = passwordEnvName(keyfilePath);
  return new FlopnetError(`No password for ${keyfilePath}: no terminal to ask, and nothing on standard input`, {
    code: 'E_NO_PASSWORD',
    hint:
      purpose === 'decrypt'
        ? `pipe it on standard input, set ${env} (base64 of the password XOR the variable name, as btwallet reads it), or run in a terminal`
        : `pass --no-use-password to store it unencrypted, pipe the password on standard input, set ${env}, or run in a terminal`,
  });
}

const isInteractive = (io: PromptIO): boolean => Boolean(io.input.isTTY && typeof io.input.setRawMode === 'function');

/** A password is one line; a longer one is not a password but the wrong thing piped in. */
export const MAX_PIPED_LINE = 1024;
/** How long a pipe may stay silent before we stop waiting for a password on it. */
export const PIPED_PASSWORD_TIMEOUT_MS = 60_000;

/**
 * Lines of a piped standard input, read only while a line is wanted (the stream is paused between
 * reads, so an open pipe never keeps the process alive), each bounded by MAX_PIPED_LINE.
 */
class PipedLines {
  private buffer = '';
  private ended = false;
  private failed: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly input: NodeJS.ReadableStream) {
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake?.();
    });
    input.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    input.on('error', (error: Error) => {
      this.failed = error;
      this.wake?.();
    });
    input.pause();
  }

  /** The next line without its end of line (a last line may lack one), or undefined at the end or after `timeoutMs`. */
  async next(timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const newline = this.buffer.indexOf('\n');
        if (newline > MAX_PIPED_LINE || (newline < 0 && this.buffer.length > MAX_PIPED_LINE)) {
          throw new FlopnetError(`The line on standard input is longer than ${MAX_PIPED_LINE} characters: not a password`, {
            code: 'E_NO_PASSWORD',
            hint: 'pipe the password alone, one line per password asked',
          });
        }
        if (newline >= 0) {
          const line = this.buffer.slice(0, newline);
          this.buffer = this.buffer.slice(newline + 1);
          return line.replace(/\r$/, '');
        }
        if (this.failed) throw this.failed;
        if (this.ended || Date.now() >= deadline) {
          const last = this.buffer;
          this.buffer = '';
          return last || undefined;
        }
        this.input.resume();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadline - Date.now());
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    } finally {
      this.input.pause();
    }
  }
}

const pipes = new WeakMap<NodeJS.ReadableStream, PipedLines>();
function pipedLine(io: PromptIO, timeoutMs: number): Promise<string | undefined> {
  let lines = pipes.get(io.input);
  if (!lines) pipes.set(io.input, (lines = new PipedLines(io.input)));
  return lines.next(timeoutMs);
}

/** A password from the pipe, trimmed as btwallet trims it; undefined when the pipe has none. */
async function pipedPassword(keyfilePath: string, io: PromptIO): Promise<string | undefined> {
  io.output.write(`reading the password for ${keyfilePath} from standard input\n`);
  const line = await pipedLine(io, PIPED_PASSWORD_TIMEOUT_MS);
  return line === undefined ? undefined : line.trim();
}

/** The password to decrypt a keyfile: explicit > BT_PW_ variable > prompt. */
export async function passwordForDecrypt(
  keyfilePath: string,
  explicit?: string,
  io: PromptIO = defaultIO(),
): Promise<{ password: string; source: 'argument' | 'environment' | 'prompt' | 'stdin' }> {
  if (explicit !== undefined) return { password: explicit, source: 'argument' };
  const fromEnv = passwordFromEnv(keyfilePath);
  if (fromEnv !== undefined) return { password: fromEnv, source: 'environment' };
  if (isInteractive(io)) return { password: await promptHidden(`Enter your password for ${keyfilePath}: `, io), source: 'prompt' };
  const piped = io.input.isTTY ? undefined : await pipedPassword(keyfilePath, io);
  if (piped === undefined) throw noTty(keyfilePath, 'decrypt');
  return { password: piped, source: 'stdin' };
}

const weakPassword = (): FlopnetError =>
  new FlopnetError('Password not strong enough', {
    code: 'E_WEAK_PASSWORD',
    hint: 'use at least 6 characters mixing letters, digits or symbols',
  });

/**
 * A new password from the pipe: its first line, and, as btcli asks to retype it, a second line
 * that must match when one follows at once (a lone line is taken as is).
 */
async function pipedNewPassword(keyfilePath: string, io: PromptIO): Promise<string> {
  const password = await pipedPassword(keyfilePath, io);
  if (password === undefined) throw noTty(keyfilePath, 'encrypt');
  if (!passwordStrongEnough(password)) throw weakPassword();
  const retyped = await pipedLine(io, 2_000);
  if (retyped !== undefined && retyped.trim() !== password) {
    throw new FlopnetError('Passwords do not match: the second line on standard input differs from the first', {
      code: 'E_NO_PASSWORD',
      hint: 'pipe the password once, or twice the same on two lines',
    });
  }
  return password;
}

/** The password to encrypt a new keyfile: explicit > BT_PW_ variable > prompt with strength check and retype (or the pipe). */
export async function passwordForEncrypt(keyfilePath: string, explicit?: string, io: PromptIO = defaultIO()): Promise<string> {
  if (explicit !== undefined) return explicit;
  const fromEnv = passwordFromEnv(keyfilePath);
  if (fromEnv !== undefined) return fromEnv;
  if (!isInteractive(io)) {
    if (io.input.isTTY) throw noTty(keyfilePath, 'encrypt');
    return pipedNewPassword(keyfilePath, io);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const password = await promptHidden('Enter your password: ', io);
    if (!passwordStrongEnough(password)) {
      io.output.write('Password not strong enough. Try increasing the length of the password or the password complexity.\n');
      continue;
    }
    if ((await promptHidden('Retype your password: ', io)) !== password) {
      io.output.write('Passwords do not match.\n');
      continue;
    }
    return password;
  }
  throw new FlopnetError('No acceptable password after 3 attempts', {
    code: 'E_NO_PASSWORD',
    hint: 'use at least 6 characters mixing letters, digits or symbols, and type it the same way twice',
  });
}
