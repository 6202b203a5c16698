/**
 * The commit-reveal v2 hash, built exactly as subtensor recomputes it at reveal
 * (`get_commit_hash`: `BlakeTwo256::hash_of(&(who, netuid_index, uids, values, salt, version_key))`):
 * blake2b-256 of the SCALE bytes of the tuple —
 *   who: 32 raw public-key bytes · netuid: u16 LE · uids, values, salt: compact length + u16 LE each ·
 *   version_key: u64 LE.
 * `values` are the u16s you will reveal (already normalised), not floats.
 */
import { compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';

export interface CommitInput {
  /** The hotkey that will reveal: ss58 address or 32 public-key bytes. */
  hotkey: string | Uint8Array;
  /** netuid (for mechanism 0 the storage index equals the netuid). */
  netuid: number;
  uids: readonly number[];
  values: readonly number[];
  salt: readonly number[];
  versionKey: bigint | number;
}

function u16(n: number, what: string): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`${what} ${n} is not a u16`);
  return new Uint8Array([n & 0xff, n >> 8]);
}

function vecU16(xs: readonly number[], what: string): Uint8Array {
  return u8aConcat(compactToU8a(xs.length), ...xs.map((x) => u16(x, what)));
}

function u64(n: bigint | number): Uint8Array {
  const v = BigInt(n);
  if (v < 0n || v >= 1n << 64n) throw new RangeError(`version_key ${v} is not a u64`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v, true);
  return out;
}

/** The SCALE bytes the chain hashes (exposed for tests and debugging). */
export function commitPreimage(input: CommitInput): Uint8Array {
  const who = typeof input.hotkey === 'string' ? decodeAddress(input.hotkey) : input.hotkey;
  if (who.length !== 32) throw new RangeError(`hotkey must be 32 bytes, got ${who.length}`);
  return u8aConcat(
    who,
    u16(input.netuid, 'netuid'),
    vecU16(input.uids, 'uid'),
    vecU16(input.values, 'weight value'),
    vecU16(input.salt, 'salt element'),
    u64(input.versionKey),
  );
}

/** `0x`-prefixed H256 to pass to `commit_weights`. */
export function commitHash(input: CommitInput): `0x${string}` {
  return u8aToHex(blake2AsU8a(commitPreimage(input), 256)) as `0x${string}`;
}
