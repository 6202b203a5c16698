/**
 * sr25519 keys as btwallet derives them, built on polkadot-js so a loaded key signs extrinsics directly.
 *
 * One difference matters: polkadot-js (via @scure/sr25519) keeps the secret scalar in "ed25519 form"
 * (scalar × 8), while btwallet stores schnorrkel's canonical bytes. Keyfiles therefore hold
 * `privateKey[0..32] = secretKey[0..32] >> 3`; writing polkadot-js bytes unchanged would give btcli a
 * different key.
 */
import { Keyring, DEV_PHRASE } from '@polkadot/keyring';
import { decodePair } from '@polkadot/keyring/pair/decode';
import type { KeyringPair } from '@polkadot/keyring/types';
import { hexToU8a, isHex, u8aToHex } from '@polkadot/util';
import {
  base64Decode,
  cryptoWaitReady,
  decodeAddress,
  encodeAddress,
  keyExtractSuri,
  keyFromPath,
  mnemonicGenerate,
  mnemonicToMiniSecret,
  mnemonicValidate,
  sr25519PairFromSeed,
} from '@polkadot/util-crypto';
import { getPublicKey } from '@scure/sr25519';
import { z } from 'zod';
import { FlopnetError, UsageError } from '../errors.js';
import { corruptKeyfile, type KeyfileData } from './keyfile.js';

export const SS58_PREFIX = 42;
export const MNEMONIC_WORD_COUNTS = [12, 15, 18, 21, 24] as const;
export type MnemonicWords = (typeof MNEMONIC_WORD_COUNTS)[number];

export interface Keypair {
  publicKey: Uint8Array;
  /** polkadot-js / @scure form: ed25519-form scalar (32) ‖ nonce (32). */
  secretKey: Uint8Array;
  ss58Address: string;
  /** Kept only when the key came from them, so the keyfile records the same fields btwallet does. */
  mnemonic?: string;
  seed?: Uint8Array;
}

function fromSecret(secretKey: Uint8Array, publicKey: Uint8Array, extra: Pick<Keypair, 'mnemonic' | 'seed'> = {}): Keypair {
  return { publicKey, secretKey, ss58Address: encodeAddress(publicKey, SS58_PREFIX), ...extra };
}

/** Shifts a 256-bit little-endian number by 3 bits; fails if bits would be lost. */
function shift3(bytes: Uint8Array, direction: 'left' | 'right'): Uint8Array | undefined {
  let n = 0n;
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  if (direction === 'left' ? n >> 253n !== 0n : (n & 7n) !== 0n) return undefined;
  n = direction === 'left' ? n << 3n : n >> 3n;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

/** polkadot-js secretKey → btwallet's canonical `privateKey` bytes. */
export function canonicalPrivateKey(secretKey: Uint8Array): Uint8Array {
  const scalar = shift3(secretKey.subarray(0, 32), 'right');
  if (!scalar) throw new Error('secret key is not in ed25519 form (low bits set)');
  return Uint8Array.from([...scalar, ...secretKey.subarray(32, 64)]);
}

/** btwallet's canonical `privateKey` → polkadot-js secretKey; undefined if it is not a canonical scalar. */
export function secretKeyFromCanonical(privateKey: Uint8Array): Uint8Array | undefined {
  const scalar = shift3(privateKey.subarray(0, 32), 'left');
  return scalar && Uint8Array.from([...scalar, ...privateKey.subarray(32, 64)]);
}

/** Lowercases, collapses whitespace and drops btcli's optional numbering (`1-word 2-word ...`). */
export function normalizeMnemonic(input: string): string {
  return input
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/^\d+-/, '').toLowerCase())
    .join(' ');
}

export function generateMnemonic(words: MnemonicWords = 12): string {
  return mnemonicGenerate(words);
}

export function keypairFromMnemonic(input: string): Keypair {
  const mnemonic = normalizeMnemonic(input);
  const count = mnemonic.split(' ').length;
  if (!(MNEMONIC_WORD_COUNTS as readonly number[]).includes(count) || !mnemonicValidate(mnemonic)) {
    throw new UsageError(`Invalid mnemonic: ${count} words, ${(MNEMONIC_WORD_COUNTS as readonly number[]).includes(count) ? 'bad word or checksum' : 'expected 12, 15, 18, 21 or 24'}`, {
      code: 'E_BAD_MNEMONIC',
      hint: 'check the words and their order against your backup (English BIP39 words separated by spaces)',
    });
  }
  // substrate-bip39: the mini secret comes from the entropy, not from the BIP39 seed.
  const seed = mnemonicToMiniSecret(mnemonic);
  const { publicKey, secretKey } = sr25519PairFromSeed(seed);
  return fromSecret(secretKey, publicKey, { mnemonic, seed });
}

export function parseSeed(input: string): Uint8Array {
  const hex = input.trim().startsWith('0x') ? input.trim() : '0x' + input.trim();
  if (!isHex(hex, 256)) {
    throw new UsageError('Invalid seed: expected 32 bytes as 64 hex digits (optionally 0x-prefixed)', {
      code: 'E_BAD_SEED',
      hint: 'pass the `secretSeed` value of a keyfile, e.g. --seed 0x1a2b…',
    });
  }
  return hexToU8a(hex);
}

export function keypairFromSeed(seed: Uint8Array): Keypair {
  const { publicKey, secretKey } = sr25519PairFromSeed(seed);
  return fromSecret(secretKey, publicKey, { seed });
}

/** From btwallet's canonical 64-byte `privateKey`. */
export function keypairFromPrivateKey(privateKey: Uint8Array): Keypair | undefined {
  const secretKey = privateKey.length === 64 ? secretKeyFromCanonical(privateKey) : undefined;
  return secretKey && fromSecret(secretKey, getPublicKey(secretKey));
}

/**
 * btcli's `--uri`: a bare name (`alice`, `//alice`) becomes `//Alice`; any other `/`-path derives
 * from the Substrate dev phrase, as `Keypair.create_from_uri` does.
 */
export function normalizeUri(uri: string): string {
  const bare = uri.trim().replace(/^\/+/, '');
  if (/^[A-Za-z0-9]+$/.test(bare)) return `//${bare[0]!.toUpperCase()}${bare.slice(1).toLowerCase()}`;
  if (uri.trim().startsWith('/')) return uri.trim();
  throw new UsageError(`Invalid --uri ${JSON.stringify(uri)}: expected a dev account name such as alice or //Alice, or a derivation path`, {
    code: 'E_BAD_URI',
    hint: 'use e.g. --uri alice (same as //Alice); to restore a key from words use --mnemonic',
  });
}

export function keypairFromUri(uri: string): Keypair {
  const { phrase, path, password } = keyExtractSuri(DEV_PHRASE + normalizeUri(uri));
  const root = sr25519PairFromSeed(mnemonicToMiniSecret(phrase, password));
  const { publicKey, secretKey } = keyFromPath(root, path, 'sr25519');
  return fromSecret(secretKey, publicKey);
}

const jsonBackupSchema = z.object({
  encoded: z.string(),
  encoding: z.object({
    content: z.array(z.string()),
    type: z.union([z.string(), z.array(z.string())]),
    version: z.string(),
  }),
});

/** A polkadot-js account export (version 3, scrypt + xsalsa20-poly1305, sr25519), as btcli's `--json`. */
export async function keypairFromJsonBackup(text: string, password: string, path: string): Promise<Keypair> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  const parsed = jsonBackupSchema.safeParse(raw);
  const types = parsed.success ? [parsed.data.encoding.type].flat() : [];
  if (
    !parsed.success ||
    parsed.data.encoding.version !== '3' ||
    !types.includes('scrypt') ||
    !types.includes('xsalsa20-poly1305') ||
    !parsed.data.encoding.content.includes('sr25519')
  ) {
    throw new UsageError(`${path} is not a polkadot-js JSON backup (version 3, scrypt + xsalsa20-poly1305, sr25519)`, {
      code: 'E_BAD_JSON_BACKUP',
      hint: 'export the account again from polkadot.js (Accounts → Export account) and pass the file with --json-backup',
    });
  }
  let pair: { publicKey: Uint8Array; secretKey: Uint8Array };
  // With the wasm build ready, scrypt takes a fraction of a second instead of several in plain JS.
  await cryptoWaitReady();
  try {
    pair = decodePair(password, base64Decode(parsed.data.encoded), types as never);
  } catch {
    throw new FlopnetError(`Wrong password for the JSON backup ${path}`, {
      code: 'E_WRONG_PASSWORD',
      hint: 'pass the password the account was exported with in --json-password',
    });
  }
  return fromSecret(pair.secretKey.slice(), pair.publicKey.slice());
}

/** The secret keyfile's fields: what btwallet writes for a key of this origin. */
export function keyfileFromKeypair(kp: Keypair): KeyfileData {
  const publicKey = u8aToHex(kp.publicKey);
  return {
    accountId: publicKey,
    publicKey,
    privateKey: u8aToHex(canonicalPrivateKey(kp.secretKey)),
    ...(kp.mnemonic ? { secretPhrase: kp.mnemonic } : {}),
    ...(kp.seed ? { secretSeed: u8aToHex(kp.seed) } : {}),
    ss58Address: kp.ss58Address,
  };
}

export function pubKeyfileFromKeypair(kp: Pick<Keypair, 'publicKey' | 'ss58Address'>): KeyfileData {
  const publicKey = u8aToHex(kp.publicKey);
  return { accountId: publicKey, publicKey, ss58Address: kp.ss58Address };
}

const hexBytes = (value: string, bytes: number): Uint8Array | undefined =>
  isHex(value, bytes * 8) ? hexToU8a(value) : undefined;

/** btwallet's order: secretPhrase > secretSeed > privateKey. The public fields are not trusted. */
export function keypairFromKeyfile(data: KeyfileData, path: string): Keypair {
  if (data.secretPhrase) {
    try {
      return keypairFromMnemonic(data.secretPhrase);
    } catch {
      throw corruptKeyfile(path, 'its secretPhrase is not a valid mnemonic');
    }
  }
  if (data.secretSeed) {
    const seed = hexBytes(data.secretSeed, 32);
    if (!seed) throw corruptKeyfile(path, 'its secretSeed is not 32 bytes of hex');
    return keypairFromSeed(seed);
  }
  if (data.privateKey) {
    const privateKey = hexBytes(data.privateKey, 64);
    const kp = privateKey && keypairFromPrivateKey(privateKey);
    if (!kp) throw corruptKeyfile(path, 'its privateKey is not a 64-byte sr25519 secret key');
    return kp;
  }
  throw new FlopnetError(`Keyfile ${path} holds only a public address, no secret key`, {
    code: 'E_KEYFILE_NO_SECRET',
    hint: 'regenerate the key with its mnemonic (`flopnet wallet regen-coldkey` / `regen-hotkey --mnemonic ...`)',
  });
}

/**
 * The address a keyfile stands for, by btwallet's rule: its secret if it has one (secretPhrase >
 * secretSeed > privateKey), else ss58Address, else (old pub files) the public key.
 */
export function addressFromKeyfile(data: KeyfileData, path: string): string {
  if (data.secretPhrase || data.secretSeed || data.privateKey) return keypairFromKeyfile(data, path).ss58Address;
  if (data.ss58Address) {
    try {
      return encodeAddress(decodeAddress(data.ss58Address), SS58_PREFIX);
    } catch {
      throw corruptKeyfile(path, 'its ss58Address is not a valid SS58 address');
    }
  }
  const publicKey = data.publicKey ?? data.accountId;
  const bytes = publicKey ? hexBytes(publicKey, 32) : undefined;
  if (!bytes) throw corruptKeyfile(path, 'it has neither an ss58Address nor a 32-byte publicKey');
  return encodeAddress(bytes, SS58_PREFIX);
}

const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_PREFIX });

/** A polkadot-js pair, usable with `api.tx.x.y(...).signAndSend(pair)`. */
export function toKeyringPair(kp: Keypair): KeyringPair {
  return keyring.createFromPair({ publicKey: kp.publicKey, secretKey: kp.secretKey }, {}, 'sr25519');
}
