import { afterEach, describe, expect, it, vi } from 'vitest';
import { PassThrough } from 'node:stream';
import {
  decodeEnvPassword,
  encodeEnvPassword,
  passwordEnvName,
  passwordForDecrypt,
  passwordForEncrypt,
  passwordStrongEnough,
  PIPED_PASSWORD_TIMEOUT_MS,
  promptHidden,
  type PromptIO,
} from '../../../shared/wallet/password.js';

const FILE = '/home/alice/.bittensor/wallets/default/coldkey';
const ENV = 'BT_PW__HOME_ALICE__BITTENSOR_WALLETS_DEFAULT_COLDKEY';

/** A fake terminal: typed text goes in, what the prompt writes comes out. */
function fakeTty(tty = true): PromptIO & { typed(text: string): void; written(): string; writtenWhenEchoWentOff: string[] } {
  const input = new PassThrough() as unknown as NodeJS.ReadStream & PassThrough;
  const output = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let out = '';
  const writtenWhenEchoWentOff: string[] = [];
  output.on('data', (c: Buffer) => (out += c.toString()));
  const setRawMode = (raw: boolean) => {
    if (raw) writtenWhenEchoWentOff.push(out);
    return input;
  };
  Object.assign(input, { isTTY: tty, isRaw: false, setRawMode: tty ? setRawMode : undefined });
  return { input, output, typed: (text) => input.write(text), written: () => out, writtenWhenEchoWentOff };
}

/** Standard input piped from a script: `text` then, unless `open`, the end of the pipe. */
function fakePipe(text: string, { open = false } = {}): PromptIO & { written(): string } {
  const io = fakeTty(false);
  io.typed(text);
  if (!open) (io.input as unknown as PassThrough).end();
  return io;
}

afterEach(() => {
  delete process.env[ENV];
  vi.useRealTimers();
});

describe('BT_PW_ environment variable', () => {
  it("names the variable after the keyfile path, as btwallet does", () => {
    expect(passwordEnvName(FILE)).toBe(ENV);
  });

  it("encodes as btwallet: base64(password XOR name) — the research note's example", () => {
    expect(encodeEnvPassword('testing123!', ENV)).toBe('NjEsJD4xOHl9fmQ=');
    expect(decodeEnvPassword('NjEsJD4xOHl9fmQ=', ENV)).toBe('testing123!');
    expect(decodeEnvPassword(encodeEnvPassword('pässwörd ✓ long enough to wrap the name '.repeat(3), ENV), ENV)).toBe(
      'pässwörd ✓ long enough to wrap the name '.repeat(3),
    );
  });
});

describe('where a password comes from', () => {
  it('an explicit password wins over the variable', async () => {
    process.env[ENV] = encodeEnvPassword('from-env', ENV);
    expect(await passwordForDecrypt(FILE, 'explicit', fakeTty())).toEqual({ password: 'explicit', source: 'argument' });
    expect(await passwordForDecrypt(FILE, undefined, fakeTty())).toEqual({ password: 'from-env', source: 'environment' });
  });

  it('without a password, a terminal or anything piped it fails and names the variable to set', async () => {
    await expect(passwordForDecrypt(FILE, undefined, fakePipe(''))).rejects.toMatchObject({
      code: 'E_NO_PASSWORD',
      hint: expect.stringContaining(ENV),
    });
    await expect(passwordForEncrypt(FILE, undefined, fakePipe(''))).rejects.toMatchObject({
      code: 'E_NO_PASSWORD',
      hint: expect.stringContaining('--no-use-password'),
    });
  });

  it('with no terminal, reads it from piped standard input, one line per password asked, as btcli does', async () => {
    const pipe = fakePipe('  first-pw \r\nsecond-pw');
    expect(await passwordForDecrypt(FILE, undefined, pipe)).toEqual({ password: 'first-pw', source: 'stdin' });
    // The last line may lack its newline.
    expect(await passwordForDecrypt(FILE, undefined, pipe)).toEqual({ password: 'second-pw', source: 'stdin' });
    await expect(passwordForDecrypt(FILE, undefined, pipe)).rejects.toMatchObject({ code: 'E_NO_PASSWORD' });
    expect(pipe.written()).toContain(`reading the password for ${FILE} from standard input`);
    expect(pipe.written()).not.toContain('first-pw');
    // The variable still comes first.
    process.env[ENV] = encodeEnvPassword('from-env', ENV);
    expect(await passwordForDecrypt(FILE, undefined, fakePipe('piped\n'))).toEqual({ password: 'from-env', source: 'environment' });
  });

  it('a new piped password: the line, confirmed by a second one when it follows; never a weak one', async () => {
    expect(await passwordForEncrypt(FILE, undefined, fakePipe('Str0ng-pass\nStr0ng-pass\n'))).toBe('Str0ng-pass');
    expect(await passwordForEncrypt(FILE, undefined, fakePipe('Str0ng-pass\n'))).toBe('Str0ng-pass');
    await expect(passwordForEncrypt(FILE, undefined, fakePipe('Str0ng-pass\nStr0ng-typo\n'))).rejects.toThrow(/Passwords do not match/);
    await expect(passwordForEncrypt(FILE, undefined, fakePipe('abc\nabc\n'))).rejects.toMatchObject({ code: 'E_WEAK_PASSWORD' });
  });

  it('refuses a piped line too long to be a password, and stops waiting on a silent pipe', async () => {
    await expect(passwordForDecrypt(FILE, undefined, fakePipe('x'.repeat(5000), { open: true }))).rejects.toThrow(/longer than 1024 characters/);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const answer = passwordForDecrypt(FILE, undefined, fakePipe('', { open: true }));
    const settled = expect(answer).rejects.toMatchObject({ code: 'E_NO_PASSWORD' });
    await vi.advanceTimersByTimeAsync(PIPED_PASSWORD_TIMEOUT_MS + 1);
    await settled;
  });

  it('prompts without echoing what is typed, and trims it', async () => {
    const tty = fakeTty();
    const answer = passwordForDecrypt(FILE, undefined, tty);
    tty.typed('  s3cret-pw\x7fW \r');
    expect(await answer).toEqual({ password: 's3cret-pW', source: 'prompt' });
    expect(tty.written()).toContain('Enter your password');
    expect(tty.written()).not.toContain('s3cret');
    // Echo is off before the question shows, so a fast typist (or a script) is never echoed.
    expect(tty.writtenWhenEchoWentOff).toEqual(['']);
  });

  it('a new password must be strong enough and typed twice the same', async () => {
    const tty = fakeTty();
    const answer = passwordForEncrypt(FILE, undefined, tty);
    for (const line of ['abc\r', 'Str0ng-pass\r', 'Str0ng-typo\r', 'Str0ng-pass\r', 'Str0ng-pass\r']) {
      tty.typed(line);
      await new Promise((r) => setImmediate(r));
    }
    expect(await answer).toBe('Str0ng-pass');
    expect(tty.written()).toContain('Password not strong enough');
    expect(tty.written()).toContain('Passwords do not match.');
  });

  it('Ctrl-C cancels the prompt', async () => {
    const tty = fakeTty();
    const answer = promptHidden('pw: ', tty);
    tty.typed('ab\x03');
    await expect(answer).rejects.toMatchObject({ code: 'E_INTERRUPTED' });
  });
});

describe('passwordStrongEnough', () => {
  it.each([
    ['abc12', false],
    ['aaaaaaaaaaaa', false],
    ['abcdef', false],
    ['abc123', true],
    ['correcthorsebattery', true],
  ])('%s → %s', (pw, ok) => expect(passwordStrongEnough(pw)).toBe(ok));
});
