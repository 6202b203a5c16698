import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import {
  decodeEnvPassword,
  encodeEnvPassword,
  passwordEnvName,
  passwordForDecrypt,
  passwordForEncrypt,
  passwordStrongEnough,
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

afterEach(() => {
  delete process.env[ENV];
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

  it('without a password or a terminal it fails and names the variable to set', async () => {
    await expect(passwordForDecrypt(FILE, undefined, fakeTty(false))).rejects.toMatchObject({
      code: 'E_NO_PASSWORD',
      hint: expect.stringContaining(ENV),
    });
    await expect(passwordForEncrypt(FILE, undefined, fakeTty(false))).rejects.toMatchObject({
      code: 'E_NO_PASSWORD',
      hint: expect.stringContaining('--no-use-password'),
    });
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
