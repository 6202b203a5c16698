/**
 * `flopnet wallet ...` through the real CLI (node bin/flopnet.mjs) in a temp --wallet.path, on keys
 * it made and on keyfiles btcli, btwallet and Python bittensor wrote (test/fixtures/wallets). Each
 * encrypted key costs an Argon2i derivation (seconds, 512 MiB) per process: only the tests of
 * encrypted keys pay it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto';
import { rewriteJsonBackupArgs } from '../../../shared/commands/wallet.js';
import { decryptKeyfile } from '../../../shared/wallet/nacl.js';
import { encodeEnvPassword, passwordEnvName } from '../../../shared/wallet/password.js';
import { keypairFromKeyfile } from '../../../shared/wallet/keypair.js';

const ROOT = resolve(import.meta.dirname, '../../..');
// `subkey inspect` of the Substrate dev phrase (Substrate documentation).
const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
const DEV_ADDRESS = '5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
/** `flopnet wallet ARGS` with `input` piped on its standard input (then closed, as a script's pipe is). */
function flopnetWith({ input = '', env = {} }: { input?: string; env?: NodeJS.ProcessEnv }, ...args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = execFile('node', ['bin/flopnet.mjs', 'wallet', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}
const flopnet = (...args: string[]): Promise<Run> => flopnetWith({}, ...args);

const FIXTURES = join(ROOT, 'test/fixtures/wallets');
const fixture = (...parts: string[]): string => readFileSync(join(FIXTURES, ...parts), 'utf8');
const fixtureJson = (...parts: string[]): Record<string, string> => JSON.parse(fixture(...parts));
/** Copies a fixture wallet into the temp wallet path under `name`. */
const copyWallet = (from: string, name: string): void => cpSync(join(FIXTURES, from), file(name), { recursive: true });
/** `theirs` with its keys in `ours`' order: btwallet writes them in HashMap order, which changes run to run. */
const inOrderOf = (ours: string, theirs: string): string => {
  const t = JSON.parse(theirs) as Record<string, unknown>;
  return JSON.stringify(Object.fromEntries(Object.keys(JSON.parse(ours)).map((k) => [k, t[k]])));
};
const TENSORA_PASSWORD = 'pass_me_the_keys';

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

describe('wallets the real tools wrote', () => {
  it('lists and shows btwallet compact files, Python null-filled ones, a pre-JSON coldkeypub and hotkeys without pub files', async () => {
    copyWallet('computehorde/miner', 'horde');
    copyWallet('tensora/miners', 'tensora');
    mkdirSync(file('old'));
    cpSync(join(FIXTURES, 'bittensor/coldkeypub.txt'), file('old', 'coldkeypub.txt'));
    const listed = await flopnet('list', '--wallet.path', path, '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const wallets = JSON.parse(listed.stdout).wallets as Array<{ name: string }>;
    expect(wallets.find((w) => w.name === 'horde')).toEqual({
      name: 'horde',
      ss58_address: fixtureJson('computehorde/miner/coldkeypub.txt').ss58Address,
      hotkeys: [{ name: 'default', ss58_address: fixtureJson('computehorde/miner/hotkeys/default').ss58Address }],
    });
    expect(wallets.find((w) => w.name === 'tensora')).toEqual({
      name: 'tensora',
      ss58_address: '5ChoH4oJEKVqFcFd16yhzxmQTYQA3zxEUrggxxmYAor7tTni',
      hotkeys: [{ name: 'miner_1', ss58_address: fixtureJson('tensora/miners/hotkeys/miner_1').ss58Address }],
    });
    expect(wallets.find((w) => w.name === 'old')).toMatchObject({ ss58_address: encodeAddress(fixture('bittensor/coldkeypub.txt'), 42) });

    // --wallet.hotkey (and btcli's -H / --name spellings) narrow `show` to one hotkey.
    const one = await flopnet('show', '--wallet.path', path, '--name', 'tensora', '-H', 'miner_1', '--json');
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).hotkeys).toEqual([{ name: 'miner_1', ss58: fixtureJson('tensora/miners/hotkeys/miner_1').ss58Address }]);
    const missing = await flopnet('show', '--wallet.path', path, '--wallet.name', 'tensora', '--wallet.hotkey', 'nope', '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error.code).toBe('E_KEYFILE_NOT_FOUND');
  });

  it('regen-coldkey and regen-hotkey write the files btwallet wrote from the same mnemonics, byte for byte but for its key order', async () => {
    const cold = fixture('computehorde/miner/coldkey');
    const hot = fixture('computehorde/miner/hotkeys/default');
    const regenCold = await flopnet('regen-coldkey', '--wallet.path', path, '--wallet.name', 'again', '--mnemonic', JSON.parse(cold).secretPhrase, '--no-use-password', '--json');
    expect(regenCold.code, regenCold.stderr).toBe(0);
    // btcli's result document, --wallet.hotkey defaulting as in btcli.
    expect(JSON.parse(regenCold.stdout).data).toMatchObject({ name: 'again', hotkey: 'default', coldkey_ss58: JSON.parse(cold).ss58Address });
    const regenHot = await flopnet('regen-hotkey', '--wallet.path', path, '--wallet.name', 'again', '--wallet.hotkey', 'default', '--mnemonic', JSON.parse(hot).secretPhrase);
    expect(regenHot.code, regenHot.stderr).toBe(0);

    for (const [ours, theirs] of [
      [readFileSync(file('again', 'coldkey'), 'utf8'), cold],
      [readFileSync(file('again', 'hotkeys', 'default'), 'utf8'), hot],
      [readFileSync(file('again', 'coldkeypub.txt'), 'utf8'), fixture('computehorde/miner/coldkeypub.txt')],
    ] as const) {
      expect(ours).toHaveLength(theirs.length);
      expect(ours).toBe(inOrderOf(ours, theirs));
    }
    // btwallet's coldkeypub.txt happens to be in our order: identical bytes.
    expect(readFileSync(file('again', 'coldkeypub.txt'), 'utf8')).toBe(fixture('computehorde/miner/coldkeypub.txt'));
    const { accountId, publicKey, ss58Address } = JSON.parse(hot);
    expect(readFileSync(file('again', 'hotkeys', 'defaultpub.txt'), 'utf8')).toBe(JSON.stringify({ accountId, publicKey, ss58Address }));
  });

  it("regen-coldkey restores btwallet's own test backup (polkadot-js JSON) to the address btwallet's test expects", async () => {
    const r = await flopnet('regen-coldkey', '--wallet.path', path, '--wallet.name', 'backup', '--json', join(FIXTURES, 'btwallet/backup.json'), '--json-password', 'Password123', '--no-use-password');
    expect(r.code, r.stderr).toBe(0);
    const coldkey = keyfile('backup', 'coldkey');
    expect(coldkey.ss58Address).toBe('5CuByUQBWZci5AtXonuHHhcbRL3yxM5xDdJsTNaYN3vPDY6f');
    expect(Object.keys(coldkey).sort()).toEqual(['accountId', 'privateKey', 'publicKey', 'ss58Address']);
    // The stored privateKey is btwallet's canonical form: read back as such, it is the same key.
    expect(keypairFromKeyfile({ privateKey: coldkey.privateKey! }, 'coldkey').ss58Address).toBe(coldkey.ss58Address);
  });
});

describe('encrypted keys: the password from a pipe or BT_PW_', () => {
  it('shows a $NACL coldkey without its pub file when the password is piped, and writes the pub file back', async () => {
    copyWallet('tensora/miners', 'locked');
    rmSync(file('locked', 'coldkeypub.txt'));
    const pub = JSON.parse(fixture('tensora/miners/coldkeypub.txt'));

    const refused = await flopnet('show', '--wallet.path', path, '--wallet.name', 'locked', '--json');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'E_NO_PASSWORD', hint: expect.stringContaining('pipe it on standard input') });
    expect(existsSync(file('locked', 'coldkeypub.txt'))).toBe(false);

    const shown = await flopnetWith({ input: `${TENSORA_PASSWORD}\n` }, 'show', '--wallet.path', path, '--wallet.name', 'locked', '--json');
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).coldkey_ss58).toBe(pub.ss58Address);
    expect(shown.stderr).toContain(`wrote the missing pub file ${file('locked', 'coldkeypub.txt')}`);
    expect(shown.stdout + shown.stderr).not.toContain(TENSORA_PASSWORD);
    expect(readFileSync(file('locked', 'coldkeypub.txt'), 'utf8')).toBe(JSON.stringify({ accountId: pub.accountId, publicKey: pub.publicKey, ss58Address: pub.ss58Address }));
    expect(statSync(file('locked', 'coldkeypub.txt')).mode & 0o777).toBe(0o600);

    // From now on the pub file answers: no password asked.
    const again = await flopnet('show', '--wallet.path', path, '--wallet.name', 'locked', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).coldkey_ss58).toBe(pub.ss58Address);
  });

  it('shows it with the password in BT_PW_<path>, as btwallet reads it', async () => {
    copyWallet('tensora/miners', 'envpw');
    rmSync(file('envpw', 'coldkeypub.txt'));
    const name = passwordEnvName(file('envpw', 'coldkey'));
    const r = await flopnetWith({ env: { [name]: encodeEnvPassword(TENSORA_PASSWORD, name) } }, 'show', '--wallet.path', path, '--wallet.name', 'envpw', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).coldkey_ss58).toBe('5ChoH4oJEKVqFcFd16yhzxmQTYQA3zxEUrggxxmYAor7tTni');
  });

  it('regen-coldkey encrypts with a password piped twice (as btcli asks: password, then retype), without a terminal', async () => {
    const cold = fixture('computehorde/miner/coldkey');
    const r = await flopnetWith(
      { input: `${TENSORA_PASSWORD}\n${TENSORA_PASSWORD}\n` },
      'regen-coldkey', '--wallet.path', path, '--wallet.name', 'sealed', '--mnemonic', JSON.parse(cold).secretPhrase,
    );
    expect(r.code, r.stderr).toBe(0);
    const sealed = readFileSync(file('sealed', 'coldkey'));
    expect(sealed.subarray(0, 5).toString()).toBe('$NACL');
    const opened = Buffer.from(await decryptKeyfile(sealed, TENSORA_PASSWORD, 'coldkey')).toString('utf8');
    expect(JSON.parse(opened)).toEqual(JSON.parse(cold));
    expect(opened).toBe(inOrderOf(opened, cold));
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
