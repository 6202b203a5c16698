/**
 * Keyfile encryption as btwallet does it: `"$NACL"` ‖ nonce(24) ‖ secretbox(JSON), the key from
 * Argon2i v1.3 (opslimit 8, memlimit 512 MiB) over the password with a salt that is the same for
 * every wallet. The older Ansible Vault and Fernet formats are recognised but not decrypted.
 */
import { createHash } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { FlopnetError } from '../errors.js';

export const NACL_PREFIX = Buffer.from('$NACL', 'ascii');
/** btwallet's constant salt: because of it, the derived key depends on the password alone. */
export const NACL_SALT = Uint8Array.from([0x13, 0x71, 0x83, 0xdf, 0xf1, 0x5a, 0x09, 0xbc, 0x9c, 0x90, 0xb5, 0x51, 0x87, 0x39, 0xe9, 0xb1]);
/** crypto_pwhash_argon2i_{OPS,MEM}LIMIT_SENSITIVE; the generic SENSITIVE constants are Argon2id's and differ. */
export const NACL_OPSLIMIT = 8;
export const NACL_MEMLIMIT = 536_870_912;
const NONCE_BYTES = 24;
const MAC_BYTES = 16;

export type KeyfileFormat = 'nacl' | 'ansible-vault' | 'fernet' | 'plaintext';

export function detectFormat(data: Uint8Array): KeyfileFormat {
  const head = Buffer.from(data.subarray(0, 16)).toString('latin1');
  if (head.startsWith('$NACL')) return 'nacl';
  if (head.startsWith('$ANSIBLE_VAULT')) return 'ansible-vault';
  if (head.startsWith('gAAAAA')) return 'fernet';
  return 'plaintext';
}

/** The error for formats btcli itself can no longer open reliably; the user's way out is the mnemonic. */
export function unsupportedFormat(format: 'ansible-vault' | 'fernet', path: string): FlopnetError {
  const what = format === 'ansible-vault' ? 'Ansible Vault (bittensor 2021-2023)' : 'legacy Fernet (bittensor before Oct 2021)';
  return new FlopnetError(`Keyfile ${path} is encrypted with the ${what} format, which flopnet does not support`, {
    code: 'E_KEYFILE_FORMAT',
    hint: 're-create the key from its mnemonic with `btcli wallet regen-coldkey` (or `flopnet wallet regen-coldkey --mnemonic ...`)',
  });
}

let ready: Promise<void> | undefined;
const keyCache = new Map<string, Uint8Array>();

/**
 * The secretbox key for a password. Argon2i at these limits costs seconds and 512 MiB, so each
 * password is derived at most once per process (the cache is indexed by a hash, not the password).
 */
export async function deriveKey(password: string): Promise<Uint8Array> {
  const id = createHash('sha256').update(password, 'utf8').digest('hex');
  const cached = keyCache.get(id);
  if (cached) return cached;
  await (ready ??= sodium.ready);
  const key = sodium.crypto_pwhash(
    32,
    Buffer.from(password, 'utf8'),
    NACL_SALT,
    NACL_OPSLIMIT,
    NACL_MEMLIMIT,
    sodium.crypto_pwhash_ALG_ARGON2I13,
  );
  keyCache.set(id, key);
  return key;
}

export async function encryptKeyfile(plaintext: Uint8Array, password: string): Promise<Uint8Array> {
  const key = await deriveKey(password);
  const nonce = sodium.randombytes_buf(NONCE_BYTES);
  const box = sodium.crypto_secretbox_easy(plaintext, nonce, key);
  return Buffer.concat([NACL_PREFIX, nonce, box]);
}

/** Opens a `$NACL` file; a failed MAC means a wrong password (or a damaged file: we cannot tell). */
export async function decryptKeyfile(data: Uint8Array, password: string, path: string): Promise<Uint8Array> {
  const format = detectFormat(data);
  if (format === 'ansible-vault' || format === 'fernet') throw unsupportedFormat(format, path);
  if (format !== 'nacl') return data;
  const nonceEnd = NACL_PREFIX.length + NONCE_BYTES;
  if (data.length < nonceEnd + MAC_BYTES) {
    throw new FlopnetError(`Keyfile ${path} is truncated: ${data.length} bytes is too short for a $NACL keyfile`, {
      code: 'E_KEYFILE_CORRUPT',
      hint: 'restore it from a backup, or re-create it with `flopnet wallet regen-coldkey --mnemonic ...`',
    });
  }
  const key = await deriveKey(password);
  try {
    return sodium.crypto_secretbox_open_easy(data.subarray(nonceEnd), data.subarray(NACL_PREFIX.length, nonceEnd), key);
  } catch {
    throw new FlopnetError(`Wrong password for ${path}`, {
      code: 'E_WRONG_PASSWORD',
      hint: 'try again with the password chosen when the key was created (or check the BT_PW_… variable); if the file was damaged, regenerate it from the mnemonic',
    });
  }
}
