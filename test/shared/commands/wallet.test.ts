/**
 * `flopnet wallet ...` through the real CLI (node bin/flopnet.mjs) in a temp --wallet.path.
 * Keys here are unencrypted or come from URIs: the encrypted path is tested in
 * test/shared/wallet/nacl.test.ts, where Argon2i's cost is paid once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { rewriteJsonBackupArgs } from '../../../shared/commands/wallet.js';

const ROOT = resolve(import.meta.dirname, '../../..');
// `subkey inspect` of the Substrate dev phrase (Substrate documentation).
const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
const DEV_ADDRESS = '5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function flopnet(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile('node', ['bin/flopnet.mjs', 'wallet', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let path: string;
const file = (...parts: string[]): string => join(path, ...parts);
const keyfile = (...parts: string[]): Record<string, string> => JSON.parse(readFileSync(file(...parts), 'utf8'));
/** Every secret value stored in a keyfile: none may appear in output or logs. */
const secretsOf = (...parts: string[]): string[] => {
  const k = keyfile(...parts);
  return [k.privateKey, k.secretPhrase, k.secretSeed].filter((v): v is string => Boolean(v));
};

beforeAll(() => {
  path = mkdtempSync(join(tmpdir(), 'flopnet-cli-wallet-'));
});
afterAll(() => rmSync(path, { recursive: true, force: true }));

describe('flopnet wallet create → show', () => {
  it('round-trips through the CLI: show --json prints the names and addresses create wrote', async () => {
    const created = await flopnet('create', '--wallet.path', path, '--wallet.name', 'miner', '--wallet.hotkey', 'hk', '--no-use-password');
    expect(created.code).toBe(0);
    const cold = keyfile('miner', 'coldkey');
    const hot = keyfile('miner', 'hotkeys', 'hk');
    // The mnemonic is shown once, on stdout, in text mode.
    expect(created.stdout).toContain(`The mnemonic to the new coldkey is: ${cold.secretPhrase}`);
    expect(created.stdout).toContain('IMPORTANT: Store this mnemonic');

    const shown = await flopnet('show', '--wallet.path', path, '--wallet.name', 'miner', '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual({
      name: 'miner',
      path,
      coldkey_ss58: cold.ss58Address,
      hotkeys: [{ name: 'hk', ss58: hot.ss58Address }],
    });
    for (const secret of [...secretsOf('miner', 'coldkey'), ...secretsOf('miner', 'hotkeys', 'hk')]) {
      expect(shown.stdout + shown.stderr).not.toContain(secret);
    }
    for (const f of ['coldkey', 'coldkeypub.txt', 'hotkeys/hk', 'hotkeys/hkpub.txt']) {
      expect((statSync(file('miner', f)).mode & 0o777).toString(8)).toBe('600');
    }
  });

  it('with --json: btcli\'s result shape, no secret in the document or in the logs', async () => {
    const run = await flopnet('create', '--wallet.path', path, '--wallet.name', 'js', '--no-use-password', '--json', '--logging.debug', '--logging.json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    const cold = keyfile('js', 'coldkey');
    expect(result).toEqual({
      success: true,
      error: '',
      data: { name: 'js', path, hotkey: 'default', hotkey_ss58: keyfile('js', 'hotkeys', 'default').ss58Address, coldkey_ss58: cold.ss58Address },
    });
    const secrets = [...secretsOf('js', 'coldkey'), ...secretsOf('js', 'hotkeys', 'default')];
    for (const secret of secrets) expect(run.stdout).not.toContain(secret);
    // stderr carries log lines (JSON) and, for a person, the mnemonic warning block; no log line holds a secret.
    const logLines = run.stderr.split('\n').filter((l) => l.startsWith('{'));
    for (const line of logLines) for (const secret of secrets) expect(line).not.toContain(secret);
    expect(run.stderr).toContain(`The mnemonic to the new coldkey is: ${cold.secretPhrase}`);
  });

  it('never overwrites a keyfile without --overwrite', async () => {
    const before = readFileSync(file('miner', 'coldkey'), 'utf8');
    const refused = await flopnet('create', '--wallet.path', path, '--wallet.name', 'miner', '--wallet.hotkey', 'hk', '--no-use-password');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(file('miner', 'coldkey'));
    expect(refused.stderr).toContain('--overwrite');
    expect(readFileSync(file('miner', 'coldkey'), 'utf8')).toBe(before);

    const replaced = await flopnet('new-coldkey', '--wallet.path', path, '--wallet.name', 'miner', '--uri', 'alice', '--overwrite');
    expect(replaced.code).toBe(0);
    expect(keyfile('miner', 'coldkeypub.txt').ss58Address).toBe('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
  });

  it("list --json uses btcli's shape", async () => {
    const run = await flopnet('list', '--wallet.path', path, '--json-output');
    expect(run.code).toBe(0);
    const { wallets } = JSON.parse(run.stdout);
    expect(wallets.map((w: { name: string }) => w.name)).toEqual(['js', 'miner']);
    expect(wallets[1]).toEqual({
      name: 'miner',
      ss58_address: keyfile('miner', 'coldkeypub.txt').ss58Address,
      hotkeys: [{ name: 'hk', ss58_address: keyfile('miner', 'hotkeys', 'hkpub.txt').ss58Address }],
    });
  });
});

describe('flopnet wallet regen-*', () => {
  it('restores a coldkey from a mnemonic typed as btcli accepts it (unquoted, numbered)', async () => {
    const numbered = DEV_PHRASE.split(' ').map((w, i) => `${i + 1}-${w}`);
    const run = await flopnet('regen-coldkey', '--wallet.path', path, '--wallet.name', 'dev', '--no-use-password', '--mnemonic', ...numbered);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✅ Regenerated coldkey successfully!');
    expect(keyfile('dev', 'coldkey')).toMatchObject({ secretPhrase: DEV_PHRASE, ss58Address: DEV_ADDRESS });
    expect(run.stdout).not.toContain(DEV_PHRASE);
  });

  it("reads btcli's `--json FILE --json-password PW` as a polkadot-js backup; a bare --json still means JSON output", async () => {
    await cryptoWaitReady();
    const pair = new Keyring({ type: 'sr25519' }).addFromUri('//Charlie');
    const backup = file('charlie.json');
    writeFileSync(backup, JSON.stringify(pair.toJson('backup-pw')));

    const asBtcli = await flopnet('regen-coldkey', '--wallet.path', path, '--wallet.name', 'ch', '--json', backup, '--json-password', 'backup-pw', '--no-use-password');
    expect(asBtcli.code).toBe(0);
    expect(asBtcli.stdout).toContain('✅ Regenerated coldkey successfully!');
    expect(keyfile('ch', 'coldkeypub.txt').ss58Address).toBe(pair.address);
    expect(Object.keys(keyfile('ch', 'coldkey')).sort()).toEqual(['accountId', 'privateKey', 'publicKey', 'ss58Address']);

    const withOutput = await flopnet('regen-hotkey', '--wallet.path', path, '--wallet.name', 'ch', '-j', backup, '--json-password', 'backup-pw', '--json');
    expect(withOutput.code).toBe(0);
    expect(JSON.parse(withOutput.stdout).data).toMatchObject({ hotkey: 'default', hotkey_ss58: pair.address, coldkey_ss58: pair.address });
  });
});

describe('flopnet wallet errors', () => {
  it('a missing wallet: one line naming the directory, non-zero exit; with --json also an error document', async () => {
    const run = await flopnet('show', '--wallet.path', path, '--wallet.name', 'ghost', '--json');
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(file('ghost'));
    expect(JSON.parse(run.stdout).error.code).toBe('E_WALLET_NOT_FOUND');
  });

  it('an unknown flag or a bad --n-words is a usage error (exit 2) naming it', async () => {
    const [unknown, words] = await Promise.all([
      flopnet('show', '--wallet.path', path, '--no-such-flag'),
      flopnet('create', '--wallet.path', path, '--wallet.name', 'bad', '--n-words', '13', '--no-use-password'),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--no-such-flag');
    expect(words.code).toBe(2);
    expect(words.stderr).toContain('--n-words');
    expect(words.stderr).toContain('12, 15, 18, 21 or 24');
  });
});

describe('rewriteJsonBackupArgs', () => {
  it.each([
    [['--json', 'b.json', '--json-password', 'x'], ['--json-backup', 'b.json', '--json-password', 'x']],
    [['--json=b.json'], ['--json-backup', 'b.json']],
    [['--json'], ['--json']],
    [['--json', '--wallet.name', 'w'], ['--json', '--wallet.name', 'w']],
    [['--', '--json', 'x'], ['--', '--json', 'x']],
  ])('%j → %j', (input, expected) => expect(rewriteJsonBackupArgs(input)).toEqual(expected));
});
