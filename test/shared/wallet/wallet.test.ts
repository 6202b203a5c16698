import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stringToU8a } from '@polkadot/util';
import { decodeAddress, encodeAddress, sr25519Verify } from '@polkadot/util-crypto';
import {
  createColdkey,
  createHotkey,
  createWallet,
  listWallets,
  loadColdkey,
  loadHotkey,
  readColdkeyPub,
  readHotkeyPub,
  showWallet,
} from '../../../shared/wallet/index.js';

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const ALICE_PUB = '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d';
// btwallet's test pair: canonical private key and its public key.
const BTWALLET_PRIVATE =
  '0x1f1995bdf3a17b60626a26cfe6f564b337d46056b7a1281b64c649d592ccda0a9cffd34d9fb01cae1fba61aeed184c817442a2186d5172416729a4b54dd4b84e';
const BTWALLET_PUBLIC = '0xe4359ad3e2716c539a1d663ebd0a51bdc5c98a12e663bb4c4402db47828c9446';
const BTWALLET_SS58 = encodeAddress(BTWALLET_PUBLIC, 42);

let path: string;
beforeEach(() => {
  path = mkdtempSync(join(tmpdir(), 'flopnet-wallet-'));
});
afterEach(() => rmSync(path, { recursive: true, force: true }));

const mode = (p: string): number => statSync(p).mode & 0o777;
const json = (p: string): Record<string, unknown> => JSON.parse(readFileSync(p, 'utf8'));

describe('createWallet', () => {
  it('writes the btcli layout: coldkey, coldkeypub.txt, hotkeys/<name> and <name>pub.txt, all mode 0600', async () => {
    const made = await createWallet({ name: 'w', path, hotkey: 'h', coldkeyUri: '//Alice', hotkeyUri: 'bob' });
    expect(made).toEqual({ coldkey: ALICE, hotkey: BOB });
    const files = ['w/coldkey', 'w/coldkeypub.txt', 'w/hotkeys/h', 'w/hotkeys/hpub.txt'].map((f) => join(path, f));
    for (const f of files) expect(mode(f).toString(8)).toBe('600');
    expect(readFileSync(files[0]!, 'utf8')).not.toMatch(/\s/);
    expect(json(files[1]!)).toEqual({ accountId: ALICE_PUB, publicKey: ALICE_PUB, ss58Address: ALICE });
    expect(Object.keys(json(files[0]!)).sort()).toEqual(['accountId', 'privateKey', 'publicKey', 'ss58Address']);
  });

  it('random keys without a password: plaintext, six fields, mnemonic returned once', async () => {
    const made = await createWallet({ name: 'w', path, hotkey: 'default', password: null, nWords: 24 });
    expect(made.mnemonic?.split(' ')).toHaveLength(24);
    const coldkey = json(join(path, 'w/coldkey'));
    expect(coldkey.secretPhrase).toBe(made.mnemonic);
    expect(coldkey.ss58Address).toBe(made.coldkey);
    expect(Object.keys(coldkey)).toHaveLength(6);
    expect((await loadColdkey({ name: 'w', path })).address).toBe(made.coldkey);
  });

  it('never overwrites a keyfile without overwrite, and leaves every file as it was', async () => {
    await createWallet({ name: 'w', path, hotkey: 'default', coldkeyUri: '//Alice', hotkeyUri: '//Bob' });
    const before = readdirSync(join(path, 'w')).map((f) => f);
    const coldBefore = readFileSync(join(path, 'w/coldkey'), 'utf8');
    await expect(createWallet({ name: 'w', path, hotkey: 'other', password: null })).rejects.toMatchObject({
      code: 'E_KEYFILE_EXISTS',
      message: expect.stringContaining(join(path, 'w/coldkey')),
      hint: expect.stringContaining('--overwrite'),
    });
    expect(readdirSync(join(path, 'w'))).toEqual(before);
    expect(readdirSync(join(path, 'w/hotkeys'))).toEqual(['default', 'defaultpub.txt']);
    expect(readFileSync(join(path, 'w/coldkey'), 'utf8')).toBe(coldBefore);
    await expect(createHotkey({ name: 'w', path, hotkey: 'default', uri: '//Charlie' })).rejects.toMatchObject({ code: 'E_KEYFILE_EXISTS' });

    const replaced = await createWallet({ name: 'w', path, hotkey: 'default', coldkeyUri: '//Bob', hotkeyUri: '//Alice', overwrite: true });
    expect(replaced).toEqual({ coldkey: BOB, hotkey: ALICE });
    expect(mode(join(path, 'w/coldkey')).toString(8)).toBe('600');
  });
});

describe('reading wallets btcli wrote', () => {
  /** A wallet as Python bittensor wrote it: null-filled JSON, no hotkey pub file. */
  function pythonWallet(): void {
    mkdirSync(join(path, 'py/hotkeys'), { recursive: true });
    const pub = BTWALLET_PUBLIC;
    const addr = BTWALLET_SS58;
    writeFileSync(
      join(path, 'py/hotkeys/default'),
      `{"accountId": "${pub}", "publicKey": "${pub}", "privateKey": "${BTWALLET_PRIVATE}", "secretPhrase": null, "secretSeed": null, "ss58Address": "${addr}"}`,
    );
    writeFileSync(join(path, 'py/coldkeypub.txt'), `{"accountId": "${ALICE_PUB}", "publicKey": "${ALICE_PUB}", "secretPhrase": null, "secretSeed": null, "ss58Address": "${ALICE}"}`);
  }

  it('loads a null-filled Python hotkey that has no pub file, and signs with it', () => {
    pythonWallet();
    const pair = loadHotkey({ name: 'py', hotkey: 'default', path });
    expect('0x' + Buffer.from(pair.publicKey).toString('hex')).toBe(BTWALLET_PUBLIC);
    expect(readHotkeyPub({ name: 'py', hotkey: 'default', path })).toBe(pair.address);
    const msg = stringToU8a('weights');
    expect(sr25519Verify(msg, pair.sign(msg), decodeAddress(pair.address))).toBe(true);
    expect(readColdkeyPub({ name: 'py', path })).toBe(ALICE);
  });

  it('lists wallets as btcli does: pub-only hotkeys, encrypted hotkeys and missing coldkeypub', async () => {
    pythonWallet();
    await createWallet({ name: 'a', path, hotkey: 'h1', coldkeyUri: '//Alice', hotkeyUri: '//Bob' });
    writeFileSync(join(path, 'a/hotkeys/onlypubpub.txt'), `{"accountId":"${ALICE_PUB}","publicKey":"${ALICE_PUB}","ss58Address":"${ALICE}"}`);
    writeFileSync(join(path, 'a/hotkeys/locked'), Buffer.concat([Buffer.from('$NACL'), Buffer.alloc(80)]));
    writeFileSync(join(path, 'a/hotkeys/broken'), '{"ss58Address": "5Gr');
    mkdirSync(join(path, 'empty'));
    expect(listWallets(path)).toEqual([
      {
        name: 'a',
        ss58_address: ALICE,
        hotkeys: [
          { name: 'broken', ss58_address: null, pubOnly: false, encrypted: false },
          { name: 'h1', ss58_address: BOB, pubOnly: false, encrypted: false },
          { name: 'locked', ss58_address: null, pubOnly: false, encrypted: true },
          { name: 'onlypub', ss58_address: ALICE, pubOnly: true, encrypted: false },
        ],
      },
      { name: 'empty', ss58_address: null, hotkeys: [] },
      { name: 'py', ss58_address: ALICE, hotkeys: [{ name: 'default', ss58_address: BTWALLET_SS58, pubOnly: false, encrypted: false }] },
    ]);
    expect(listWallets(join(path, 'nowhere'))).toEqual([]);
  });

  it('shows a wallet from its pub files without touching the coldkey', async () => {
    await createWallet({ name: 'a', path, hotkey: 'h1', coldkeyUri: '//Alice', hotkeyUri: '//Bob' });
    writeFileSync(join(path, 'a/coldkey'), '$NACL not even valid');
    expect(await showWallet({ name: 'a', path })).toEqual({ name: 'a', path, coldkey_ss58: ALICE, hotkeys: [{ name: 'h1', ss58: BOB }] });
  });
});

describe('createColdkey from a seed', () => {
  it('restores the key from secretSeed and records it without a mnemonic, as btwallet does', async () => {
    // `subkey inspect` of the Substrate dev phrase: its mini secret and address.
    const seed = '0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e';
    const made = await createColdkey({ name: 's', path, seed, password: null });
    expect(made).toEqual({ coldkey: '5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV' });
    const keyfile = json(join(path, 's/coldkey'));
    expect(keyfile.secretSeed).toBe(seed);
    expect(keyfile).not.toHaveProperty('secretPhrase');
  });
});

describe('errors name the file and the next step', () => {
  it('missing wallet, missing hotkey, missing coldkeypub', async () => {
    await expect(showWallet({ name: 'nope', path })).rejects.toMatchObject({ code: 'E_WALLET_NOT_FOUND', hint: expect.stringContaining('flopnet wallet create') });
    expect(() => loadHotkey({ name: 'nope', hotkey: 'default', path })).toThrow(expect.objectContaining({ code: 'E_WALLET_NOT_FOUND' }));
    await createWallet({ name: 'a', path, coldkeyUri: '//Alice' });
    expect(() => loadHotkey({ name: 'a', hotkey: 'missing', path })).toThrow(
      expect.objectContaining({ code: 'E_KEYFILE_NOT_FOUND', message: expect.stringContaining(join(path, 'a/hotkeys/missing')), hint: expect.stringContaining('new-hotkey') }),
    );
    rmSync(join(path, 'a/coldkeypub.txt'));
    expect(() => readColdkeyPub({ name: 'a', path })).toThrow(expect.objectContaining({ code: 'E_KEYFILE_NOT_FOUND' }));
  });

  it('a corrupt or truncated hotkey file', async () => {
    await createWallet({ name: 'a', path, hotkey: 'h', coldkeyUri: '//Alice', hotkeyUri: '//Bob' });
    const file = join(path, 'a/hotkeys/h');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 40));
    expect(() => loadHotkey({ name: 'a', hotkey: 'h', path })).toThrow(expect.objectContaining({ code: 'E_KEYFILE_CORRUPT', message: expect.stringContaining(file) }));
  });

  it('an encrypted hotkey is refused by the synchronous loader with a pointer to the async one', async () => {
    await createWallet({ name: 'a', path, coldkeyUri: '//Alice' });
    mkdirSync(join(path, 'a/hotkeys'));
    writeFileSync(join(path, 'a/hotkeys/h'), Buffer.concat([Buffer.from('$NACL'), Buffer.alloc(80)]));
    expect(() => loadHotkey({ name: 'a', hotkey: 'h', path })).toThrow(expect.objectContaining({ code: 'E_KEYFILE_ENCRYPTED', hint: expect.stringContaining('loadHotkeyAsync') }));
  });

  it('an encrypted coldkey with no password, no BT_PW_ variable, no terminal and nothing piped fails without waiting', async () => {
    await createWallet({ name: 'a', path, coldkeyUri: '//Alice' });
    writeFileSync(join(path, 'a/coldkey'), Buffer.concat([Buffer.from('$NACL'), Buffer.alloc(80)]));
    // Standard input as under a supervisor: not a terminal, and at its end at once (/dev/null).
    const stdin = Object.getOwnPropertyDescriptor(process, 'stdin')!;
    const closed = new PassThrough();
    closed.end();
    Object.defineProperty(process, 'stdin', { value: closed, configurable: true });
    try {
      await expect(loadColdkey({ name: 'a', path })).rejects.toMatchObject({
        code: 'E_NO_PASSWORD',
        message: expect.stringContaining(join(path, 'a/coldkey')),
        hint: expect.stringContaining('BT_PW_'),
      });
    } finally {
      Object.defineProperty(process, 'stdin', stdin);
    }
  });

  it.each([
    ['Ansible Vault', '$ANSIBLE_VAULT;1.1;AES256\n6162'],
    ['Fernet', 'gAAAAABkxyz'],
  ])('a %s coldkey is detected and refused with the way out', async (_name, content) => {
    await createWallet({ name: 'a', path, coldkeyUri: '//Alice' });
    writeFileSync(join(path, 'a/coldkey'), content);
    await expect(loadColdkey({ name: 'a', path, password: 'x' })).rejects.toMatchObject({
      code: 'E_KEYFILE_FORMAT',
      hint: expect.stringContaining('regen-coldkey'),
    });
  });
});
