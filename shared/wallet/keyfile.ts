/**
 * The plaintext keyfile: a JSON object of hex strings, as btwallet (compact, fields left out) and old
 * Python bittensor (`", "` separators, missing fields as `null`) write it. We read both and write
 * btwallet's compact form, so btcli reads our files and we read every file btcli ever wrote.
 */
import { z } from 'zod';
import { FlopnetError } from '../errors.js';

/** Field order old Python bittensor used; we keep it when writing so files diff cleanly. */
export const KEYFILE_FIELDS = ['accountId', 'publicKey', 'privateKey', 'secretPhrase', 'secretSeed', 'ss58Address'] as const;
export type KeyfileField = (typeof KEYFILE_FIELDS)[number];
export type KeyfileData = Partial<Record<KeyfileField, string>>;

const field = z.string().nullish();
const keyfileSchema = z.looseObject({
  accountId: field,
  publicKey: field,
  privateKey: field,
  secretPhrase: field,
  secretSeed: field,
  ss58Address: field,
});

export function corruptKeyfile(path: string, why: string): FlopnetError {
  return new FlopnetError(`Keyfile ${path} is corrupt or truncated: ${why}`, {
    code: 'E_KEYFILE_CORRUPT',
    hint: 'restore it from a backup, or re-create it with `flopnet wallet regen-coldkey` / `regen-hotkey` and your mnemonic',
  });
}

/**
 * Parses a plaintext keyfile. Also accepts the pre-JSON `coldkeypub.txt` form (`0x<hex public key>`)
 * that old Python bittensor wrote, since nothing else in such a file could be misread.
 */
export function parseKeyfile(text: string, path: string): KeyfileData {
  const trimmed = text.trim();
  if (/^0x[0-9a-fA-F]{64}$/.test(trimmed)) return { publicKey: trimmed.toLowerCase() };
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch (error) {
    throw corruptKeyfile(path, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = keyfileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corruptKeyfile(path, issue?.path.length ? `field "${issue.path.join('.')}" must be a string` : 'expected a JSON object');
  }
  const out: KeyfileData = {};
  for (const key of KEYFILE_FIELDS) {
    const value = parsed.data[key];
    if (typeof value === 'string') out[key] = value;
  }
  if (Object.keys(out).length === 0) throw corruptKeyfile(path, 'it holds no key fields');
  return out;
}

/** btwallet's form: compact JSON, absent fields left out. */
export function serializeKeyfile(data: KeyfileData): string {
  const out: KeyfileData = {};
  for (const key of KEYFILE_FIELDS) if (data[key] !== undefined) out[key] = data[key];
  return JSON.stringify(out);
}
