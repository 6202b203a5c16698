/**
 * $NACL keyfiles against an independent libsodium call built from the documented format
 * ("$NACL" ‖ nonce24 ‖ secretbox; Argon2i13, opslimit 8, memlimit 512 MiB, fixed salt).
 *
 * Argon2i at these limits costs seconds and 512 MiB, so this file does exactly three derivations:
 * the test's own key for PASSWORD, flopnet's key for PASSWORD (cached for every later use in this
 * process), and flopnet's key for a wrong password.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { walletCommand } from '../../../shared/commands/wallet.js';
import { createHotkey, createWallet, encodeEnvPassword, loadColdkey, loadHotkeyAsync, passwordEnvName } from '../../../shared/wallet/index.js';

const PASSWORD = 'flopnet-Test-pw1';
// From the research note (btwallet's NACL_SALT), not from flopnet's source.
const SALT = Uint8Array.from(Buffer.from('137183dff15a09bc9c90b5518739e9b1', 'hex'));
const BTWALLET_PRIVATE =
  '0x1f1995bdf3a17b60626a26cfe6f564b337d46056b7a1281b64c649d592ccda0a9cffd34d9fb01cae1fba61aeed184c817442a2186d5172416729a4b54dd4b84e';
const BTWALLET_PUBLIC = '0xe4359ad3e2716c539a1d663ebd0a51bdc5c98a12e663bb4c4402db47828c9446';

let path: string;
let key: Uint8Array;
const hex = (u8: Uint8Array): string => '0x' + Buffer.from(u8).toString('hex');

function sealIndependently(plaintext: string): Buffer {
  const nonce = sodium.randombytes_buf(24);
  return Buffer.concat([Buffer.from('$NACL'), nonce, sodium.crypto_secretbox_easy(Buffer.from(plaintext), nonce, key)]);
}
function openIndependently(file: Uint8Array): string {
  expect(Buffer.from(file.subarray(0, 5)).toString()).toBe('$NACL');
  return Buffer.from(sodium.crypto_secretbox_open_easy(file.subarray(29), file.subarray(5, 29), key)).toString();
}

beforeAll(async () => {
  path = mkdtempSync(join(tmpdir(), 'flopnet-nacl-'));
  await sodium.ready;
  key = sodium.crypto_pwhash(32, PASSWORD, SALT, 8, 536870912, sodium.crypto_pwhash_ALG_ARGON2I13);
});
afterAll(() => rmSync(path, { recursive: true, force: true }));

describe('$NACL keyfiles', () => {
  it('flopnet decrypts a coldkey sealed by an independent libsodium call (password argument, then BT_PW_)', async () => {
    mkdirSync(join(path, 'ext'));
    const file = join(path, 'ext/coldkey');
    // A Python-era null-filled keyfile holding only btwallet's canonical test private key.
    writeFileSync(file, sealIndependently(`{"accountId": null, "publicKey": null, "privateKey": "${BTWALLET_PRIVATE}", "secretPhrase": null, "secretSeed": null, "ss58Address": null}`));
    const pair = await loadColdkey({ name: 'ext', path, password: PASSWORD });
    expect(hex(pair.publicKey)).toBe(BTWALLET_PUBLIC);

    const env = passwordEnvName(file);
    vi.stubEnv(env, encodeEnvPassword(PASSWORD, env));
    try {
      expect((await loadColdkey({ name: 'ext', path })).address).toBe(pair.address);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('an independent libsodium call opens the coldkey flopnet encrypted', async () => {
    const made = await createWallet({ name: 'ours', path, hotkey: 'default', password: PASSWORD });
    const sealed = readFileSync(join(path, 'ours/coldkey'));
    const plaintext = openIndependently(sealed);
    expect(sealed.length).toBe(Buffer.byteLength(plaintext) + 45);
    expect(JSON.parse(plaintext)).toMatchObject({ secretPhrase: made.mnemonic, ss58Address: made.coldkey });
    expect(statSync(join(path, 'ours/coldkey')).mode & 0o777).toBe(0o600);
    // The hotkey stays plaintext by default, as in btcli.
    expect(JSON.parse(readFileSync(join(path, 'ours/hotkeys/default'), 'utf8')).ss58Address).toBe(made.hotkey);
  });

  it('a wrong password fails with E_WRONG_PASSWORD naming the file', async () => {
    await expect(loadColdkey({ name: 'ours', path, password: 'not-the-password' })).rejects.toMatchObject({
      code: 'E_WRONG_PASSWORD',
      message: expect.stringContaining(join(path, 'ours/coldkey')),
    });
  });

  it('a damaged or truncated $NACL file is refused', async () => {
    const file = join(path, 'ours/coldkey');
    const sealed = readFileSync(file);
    sealed[sealed.length - 1]! ^= 1;
    writeFileSync(file, sealed);
    await expect(loadColdkey({ name: 'ours', path, password: PASSWORD })).rejects.toMatchObject({ code: 'E_WRONG_PASSWORD' });
    writeFileSync(file, sealed.subarray(0, 30));
    await expect(loadColdkey({ name: 'ours', path, password: PASSWORD })).rejects.toMatchObject({
      code: 'E_KEYFILE_CORRUPT',
      message: expect.stringContaining(file),
    });
  });

  it('an encrypted hotkey opens with loadHotkeyAsync', async () => {
    const made = await createHotkey({ name: 'ours', path, hotkey: 'locked', uri: '//Bob', password: PASSWORD });
    openIndependently(readFileSync(join(path, 'ours/hotkeys/locked')));
    expect((await loadHotkeyAsync({ name: 'ours', hotkey: 'locked', path, password: PASSWORD })).address).toBe(made.hotkey);
  });

  it('`flopnet wallet create` encrypts the coldkey by default, taking the password from BT_PW_', async () => {
    const file = join(path, 'cli/coldkey');
    const env = passwordEnvName(file);
    vi.stubEnv(env, encodeEnvPassword(PASSWORD, env));
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    // The command installs SIGINT/SIGTERM handlers for the CLI process; this worker must not keep them.
    const handlers = (): Set<unknown> => new Set([...process.listeners('SIGINT'), ...process.listeners('SIGTERM')]);
    const before = handlers();
    try {
      await walletCommand.parseAsync(['create', '--wallet.path', path, '--wallet.name', 'cli', '--json'], { from: 'user' });
    } finally {
      write.mockRestore();
      quiet.mockRestore();
      vi.unstubAllEnvs();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        for (const h of process.listeners(sig)) if (!before.has(h)) process.off(sig, h);
      }
    }
    expect(process.exitCode ?? 0).toBe(0);
    const result = JSON.parse(out.join(''));
    const plaintext = JSON.parse(openIndependently(readFileSync(file)));
    expect(result.data.coldkey_ss58).toBe(plaintext.ss58Address);
    expect(out.join('')).not.toContain(plaintext.secretPhrase);
  });
});
