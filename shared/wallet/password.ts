/**
 * Where a keyfile password comes from, in btwallet's order: an explicit argument, then the
 * `BT_PW_<path>` environment variable, then a prompt on the terminal without echo.
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
  return new FlopnetError(`No password for ${keyfilePath} and no terminal to ask for one`, {
    code: 'E_NO_PASSWORD',
    hint:
      purpose === 'decrypt'
        ? `set ${env} (base64 of the password XOR the variable name, as btwallet reads it) or run in a terminal`
        : `pass --no-use-password to store it unencrypted, set ${env}, or run in a terminal`,
  });
}

const isInteractive = (io: PromptIO): boolean => Boolean(io.input.isTTY && typeof io.input.setRawMode === 'function');

/** The password to decrypt a keyfile: explicit > BT_PW_ variable > prompt. */
export async function passwordForDecrypt(
  keyfilePath: string,
  explicit?: string,
  io: PromptIO = defaultIO(),
): Promise<{ password: string; source: 'argument' | 'environment' | 'prompt' }> {
  if (explicit !== undefined) return { password: explicit, source: 'argument' };
  const fromEnv = passwordFromEnv(keyfilePath);
  if (fromEnv !== undefined) return { password: fromEnv, source: 'environment' };
  if (!isInteractive(io)) throw noTty(keyfilePath, 'decrypt');
  return { password: await promptHidden(`Enter your password for ${keyfilePath}: `, io), source: 'prompt' };
}

/** The password to encrypt a new keyfile: explicit > BT_PW_ variable > prompt with strength check and retype. */
export async function passwordForEncrypt(keyfilePath: string, explicit?: string, io: PromptIO = defaultIO()): Promise<string> {
  if (explicit !== undefined) return explicit;
  const fromEnv = passwordFromEnv(keyfilePath);
  if (fromEnv !== undefined) return fromEnv;
  if (!isInteractive(io)) throw noTty(keyfilePath, 'encrypt');
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
