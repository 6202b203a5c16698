/**
 * The demo's child processes: each flopnet program runs as its own `node bin/flopnet.mjs ...` process.
 * Their stderr logs are kept (the last lines are shown when one dies) and optionally echoed with a
 * name prefix; stop() sends SIGTERM, then SIGKILL after a grace period, so nothing outlives the demo.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { FlopnetError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';

const CLI = fileURLToPath(new URL('../../bin/flopnet.mjs', import.meta.url));
const TAIL_LINES = 30;

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the first JSON document on stdout (programs print their start-up document). */
  firstJson<T>(timeoutMs: number): Promise<T>;
  /** The last log lines, for error messages. */
  tail(): string[];
  /** Calls `listener` with every stderr line from now on. */
  onLine(listener: (line: string) => void): void;
  exited: boolean;
}

export class Children {
  private readonly children: Child[] = [];

  constructor(
    private readonly log: Logger,
    private readonly echo: boolean,
  ) {}

  start(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Child {
    const proc = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const lines: string[] = [];
    const listeners: ((line: string) => void)[] = [];
    const jsonWaiters: ((value: unknown) => void)[] = [];
    let firstJson: unknown;
    let stdout = '';
    createInterface({ input: proc.stderr! }).on('line', (line) => {
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      if (this.echo) process.stderr.write(`${name.padEnd(12)} | ${line}\n`);
      for (const listener of listeners) listener(line);
    });
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (firstJson !== undefined) return;
      // Documents are pretty-printed over several lines: parse what has arrived so far.
      stdout += line + '\n';
      try {
        firstJson = JSON.parse(stdout);
      } catch {
        return;
      }
      for (const w of jsonWaiters.splice(0)) w(firstJson);
    });
    const child: Child = {
      name,
      process: proc,
      exited: false,
      tail: () => [...lines],
      onLine: (listener) => void listeners.push(listener),
      firstJson: <T>(timeoutMs: number) =>
        new Promise<T>((resolve, reject) => {
          if (firstJson !== undefined) return resolve(firstJson as T);
          const timer = setTimeout(
            () => reject(this.failure(child, `did not report ready within ${timeoutMs / 1000} s`)),
            timeoutMs,
          );
          jsonWaiters.push((v) => {
            clearTimeout(timer);
            resolve(v as T);
          });
          proc.once('exit', () => {
            clearTimeout(timer);
            reject(this.failure(child, `exited with status ${proc.exitCode ?? proc.signalCode} before it was ready`));
          });
        }),
    };
    proc.once('exit', (code, signal) => {
      child.exited = true;
      this.log.debug(`${name} exited`, { code, signal });
    });
    this.children.push(child);
    this.log.debug(`started ${name}`, { pid: proc.pid, args: args.join(' ') });
    return child;
  }

  /** A child that died while the demo still needed it. */
  crashed(): Child | undefined {
    return this.children.find((c) => c.exited && c.process.exitCode !== 0);
  }

  failure(child: Child, what: string): FlopnetError {
    return new FlopnetError(`${child.name} ${what}`, {
      code: 'E_DEMO_CHILD',
      hint: 'its last log lines are below; rerun with --logging.debug to see every process log',
      details: child.tail(),
    });
  }

  /** Stops children in reverse start order: validators and miners before the chain they use. */
  async stopAll(graceMs = 5_000): Promise<void> {
    for (const child of [...this.children].reverse()) {
      if (child.exited) continue;
      child.process.kill('SIGTERM');
      const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
      await once(child.process, 'exit').catch(() => undefined);
      clearTimeout(timer);
    }
  }
}
