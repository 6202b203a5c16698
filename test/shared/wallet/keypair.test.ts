import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEV_PHRASE, Keyring } from '@polkadot/keyring';
import { hexToU8a, stringToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, sr25519Verify } from '@polkadot/util-crypto';
import {
  addressFromKeyfile,
  canonicalPrivateKey,
  keyfileFromKeypair,
  keypairFromJsonBackup,
  keypairFromKeyfile,
  keypairFromMnemonic,
  keypairFromPrivateKey,
  keypairFromUri,
  normalizeMnemonic,
  normalizeUri,
  secretKeyFromCanonical,
  toKeyringPair,
} from '../../../shared/wallet/keypair.js';

// btwallet's own test pair (tests/test_keypair.py: test_create_keypair_from_private_key).
const BTWALLET_PRIVATE =
  '0x1f1995bdf3a17b60626a26cfe6f564b337d46056b7a1281b64c649d592ccda0a9cffd34d9fb01cae1fba61aeed184c817442a2186d5172416729a4b54dd4b84e';
const BTWALLET_PUBLIC = '0xe4359ad3e2716c539a1d663ebd0a51bdc5c98a12e663bb4c4402db47828c9446';
// `subkey inspect` of the Substrate dev phrase and of //Alice (Substrate documentation).
const DEV_SEED = '0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e';
const DEV_PUBLIC = '0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a';
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

describe('canonical privateKey layout', () => {
  it("reproduces btwallet's test pair: canonical private key → public key", () => {
    const kp = keypairFromPrivateKey(hexToU8a(BTWALLET_PRIVATE));
    expect(kp && u8aToHex(kp.publicKey)).toBe(BTWALLET_PUBLIC);
  });

  it('writes the canonical bytes back, not the polkadot-js ed25519-form bytes', () => {
    const kp = keypairFromPrivateKey(hexToU8a(BTWALLET_PRIVATE))!;
    expect(keyfileFromKeypair(kp).privateKey).toBe(BTWALLET_PRIVATE);
    expect(u8aToHex(kp.secretKey)).not.toBe(BTWALLET_PRIVATE);
  });

  it('shifting is lossless for every canonical scalar (< 2^253)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        bytes[31]! &= 0x1f;
        const secret = secretKeyFromCanonical(bytes)!;
        expect(secret[0]! & 7).toBe(0);
        expect(u8aToHex(canonicalPrivateKey(secret))).toBe(u8aToHex(bytes));
      }),
    );
  });

  it('rejects a privateKey whose scalar does not fit (top 3 bits set)', () => {
    const bytes = hexToU8a(BTWALLET_PRIVATE);
    bytes[31] = 0xff;
    expect(keypairFromPrivateKey(bytes)).toBeUndefined();
  });
});

describe('mnemonic and URI derivation', () => {
  it('uses the substrate-bip39 mini secret as secretSeed', () => {
    const kp = keypairFromMnemonic(DEV_PHRASE);
    expect(u8aToHex(kp.seed)).toBe(DEV_SEED);
    expect(u8aToHex(kp.publicKey)).toBe(DEV_PUBLIC);
  });

  it('maps btcli --uri forms to //Alice on the dev phrase', () => {
    for (const uri of ['alice', 'Alice', '//Alice', '//alice']) {
      expect(normalizeUri(uri)).toBe('//Alice');
      expect(keypairFromUri(uri).ss58Address).toBe(ALICE);
    }
    expect(() => normalizeUri('not a uri')).toThrow(expect.objectContaining({ code: 'E_BAD_URI' }));
  });

  it("accepts btcli's numbered mnemonic form and rejects a bad checksum", () => {
    const numbered = DEV_PHRASE.split(' ')
      .map((w, i) => `${i + 1}-${w}`)
      .join(' ');
    expect(normalizeMnemonic(numbered)).toBe(DEV_PHRASE);
    expect(() => keypairFromMnemonic(DEV_PHRASE.replace('walk', 'bottom'))).toThrow(expect.objectContaining({ code: 'E_BAD_MNEMONIC' }));
  });
});

describe('keyfile ↔ keypair', () => {
  it('writes all six fields for a mnemonic key, and four for a URI key', () => {
    const fromMnemonic = keyfileFromKeypair(keypairFromMnemonic(DEV_PHRASE));
    expect(Object.keys(fromMnemonic).sort()).toEqual(['accountId', 'privateKey', 'publicKey', 'secretPhrase', 'secretSeed', 'ss58Address']);
    expect(fromMnemonic.secretSeed).toBe(DEV_SEED);
    expect(Object.keys(keyfileFromKeypair(keypairFromUri('//Alice'))).sort()).toEqual(['accountId', 'privateKey', 'publicKey', 'ss58Address']);
  });

  it("derives in btwallet's order: secretPhrase > secretSeed > privateKey, ignoring the stated address", () => {
    const data = { secretPhrase: DEV_PHRASE, privateKey: BTWALLET_PRIVATE, ss58Address: ALICE };
    expect(u8aToHex(keypairFromKeyfile(data, 'f').publicKey)).toBe(DEV_PUBLIC);
    expect(u8aToHex(keypairFromKeyfile({ secretSeed: DEV_SEED, privateKey: BTWALLET_PRIVATE }, 'f').publicKey)).toBe(DEV_PUBLIC);
    expect(u8aToHex(keypairFromKeyfile({ privateKey: BTWALLET_PRIVATE }, 'f').publicKey)).toBe(BTWALLET_PUBLIC);
  });

  it('a keyfile with only an address is not a secret key', () => {
    expect(() => keypairFromKeyfile({ ss58Address: ALICE }, 'f')).toThrow(expect.objectContaining({ code: 'E_KEYFILE_NO_SECRET' }));
    expect(addressFromKeyfile({ ss58Address: ALICE }, 'f')).toBe(ALICE);
    // Like btwallet, a secret keyfile's address comes from its secret, not from what it claims.
    expect(addressFromKeyfile({ privateKey: BTWALLET_PRIVATE, ss58Address: ALICE }, 'f')).not.toBe(ALICE);
    expect(addressFromKeyfile({ publicKey: DEV_PUBLIC }, 'f')).toBe(keypairFromMnemonic(DEV_PHRASE).ss58Address);
  });

  it('rejects a damaged secret with E_KEYFILE_CORRUPT', () => {
    expect(() => keypairFromKeyfile({ privateKey: '0x1234' }, 'f')).toThrow(expect.objectContaining({ code: 'E_KEYFILE_CORRUPT' }));
    expect(() => keypairFromKeyfile({ secretPhrase: 'not words' }, 'f')).toThrow(expect.objectContaining({ code: 'E_KEYFILE_CORRUPT' }));
  });

  it('a key read back from its canonical privateKey signs verifiably as the same account', () => {
    const original = keypairFromUri('//Alice');
    const reread = keypairFromKeyfile({ privateKey: keyfileFromKeypair(original).privateKey! }, 'f');
    const pair = toKeyringPair(reread);
    expect(pair.address).toBe(ALICE);
    const message = stringToU8a('flopnet');
    expect(sr25519Verify(message, pair.sign(message), original.publicKey)).toBe(true);
  });
});

describe('polkadot-js JSON backups (btcli regen --json)', () => {
  it('restores the account; a wrong password or another format fails with its own code', async () => {
    await cryptoWaitReady();
    const pair = new Keyring({ type: 'sr25519' }).addFromUri('//Dave');
    const backup = JSON.stringify(pair.toJson('backup-pw'));
    const kp = await keypairFromJsonBackup(backup, 'backup-pw', 'b.json');
    expect(kp.ss58Address).toBe(pair.address);
    await expect(keypairFromJsonBackup(backup, 'nope', 'b.json')).rejects.toMatchObject({ code: 'E_WRONG_PASSWORD' });
    const ed25519 = JSON.stringify(new Keyring({ type: 'ed25519' }).addFromUri('//Dave').toJson('x'));
    await expect(keypairFromJsonBackup(ed25519, 'x', 'b.json')).rejects.toMatchObject({ code: 'E_BAD_JSON_BACKUP' });
    await expect(keypairFromJsonBackup('{"truncated', 'x', 'b.json')).rejects.toMatchObject({ code: 'E_BAD_JSON_BACKUP' });
  });
});
