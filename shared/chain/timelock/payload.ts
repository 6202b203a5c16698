/**
 * What a timelocked weight commit encrypts: subtensor's `WeightsTlockPayload`, SCALE-encoded as
 * bittensor-drand encodes it —
 *
 *   hotkey: Vec<u8> (compact length + the 32 public-key bytes) · uids: Vec<u16> · values: Vec<u16> · version_key: u64
 *
 * Runtimes before spec 299 (the ones with `commit_crv3_weights` and no `commit_timelocked_weights`)
 * decode only the legacy payload without the hotkey; spec 299 and later try the hotkey payload first and
 * fall back to the legacy one (pallets/subtensor/src/coinbase/reveal_commits.rs).
 */
import { compactFromU8a, compactToU8a, u8aConcat } from '@polkadot/util';

export interface WeightsPayload {
  uids: number[];
  values: number[];
  versionKey: bigint;
}

function u16(n: number, what: string): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`${what} ${n} is not a u16`);
  return Uint8Array.of(n & 0xff, n >> 8);
}

function u64(n: bigint): Uint8Array {
  if (n < 0n || n >= 1n << 64n) throw new RangeError(`version_key ${n} is not a u64`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}

const vecU16 = (xs: readonly number[], what: string): Uint8Array => u8aConcat(compactToU8a(xs.length), ...xs.map((x) => u16(x, what)));

function body(p: { uids: readonly number[]; values: readonly number[]; versionKey: bigint | number }): Uint8Array {
  if (p.uids.length !== p.values.length) throw new RangeError(`uids (${p.uids.length}) and values (${p.values.length}) differ in length`);
  return u8aConcat(vecU16(p.uids, 'uid'), vecU16(p.values, 'weight value'), u64(BigInt(p.versionKey)));
}

/** `WeightsTlockPayload { hotkey, uids, values, version_key }.encode()` (commit-reveal v4). */
export function encodeWeightsPayload(p: { hotkey: Uint8Array; uids: readonly number[]; values: readonly number[]; versionKey: bigint | number }): Uint8Array {
  if (p.hotkey.length !== 32) throw new RangeError(`hotkey must be 32 public-key bytes, got ${p.hotkey.length}`);
  return u8aConcat(compactToU8a(32), p.hotkey, body(p));
}

/** The legacy payload `{ uids, values, version_key }` that CR v3 runtimes (spec ≤ 298) decode. */
export function encodeLegacyWeightsPayload(p: { uids: readonly number[]; values: readonly number[]; versionKey: bigint | number }): Uint8Array {
  return body(p);
}

/** A SCALE reader that never reads past its input and never allocates more than the input could hold. */
class Scale {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}
  compactLength(): number {
    const [read, value] = compactFromU8a(this.bytes.subarray(this.offset));
    if (read === 0 || this.offset + read > this.bytes.length) throw new RangeError('truncated compact length');
    this.offset += read;
    const n = value.toNumber();
    if (n > this.bytes.length) throw new RangeError(`length ${n} exceeds the input`);
    return n;
  }
  take(n: number): Uint8Array {
    if (this.offset + n > this.bytes.length) throw new RangeError('truncated');
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  vecU16(): number[] {
    const n = this.compactLength();
    const raw = this.take(2 * n);
    return Array.from({ length: n }, (_, i) => raw[2 * i]! | (raw[2 * i + 1]! << 8));
  }
  u64(): bigint {
    return new DataView(this.take(8).slice().buffer).getBigUint64(0, true);
  }
}

function decodeLegacy(bytes: Uint8Array): WeightsPayload {
  const r = new Scale(bytes);
  return { uids: r.vecU16(), values: r.vecU16(), versionKey: r.u64() };
}

export type DecodedPayload = { ok: true; payload: WeightsPayload } | { ok: false; reason: string };

/**
 * The weights a decrypted commit carries, decoded as subtensor's `reveal_crv3_commits_for_subnet` does
 * (SCALE `decode`, so trailing bytes are ignored): the hotkey payload first, which must name `committer`;
 * when its hotkey is not a 32-byte account, or it does not decode at all, the legacy payload.
 */
export function decodeWeightsPayload(bytes: Uint8Array, committer: Uint8Array): DecodedPayload {
  try {
    const r = new Scale(bytes);
    const hotkey = r.take(r.compactLength());
    const payload = { uids: r.vecU16(), values: r.vecU16(), versionKey: r.u64() };
    if (hotkey.length >= 32) {
      const account = hotkey.subarray(0, 32);
      return account.every((b, i) => b === committer[i]) ? { ok: true, payload } : { ok: false, reason: 'the payload names another hotkey' };
    }
  } catch {
    // Not the hotkey payload: the legacy one is tried below, as on chain.
  }
  try {
    return { ok: true, payload: decodeLegacy(bytes) };
  } catch (error) {
    return { ok: false, reason: `neither payload format decodes (${(error as Error).message})` };
  }
}
