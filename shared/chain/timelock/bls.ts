/**
 * The BLS12-381 operations timelock encryption needs, on @noble/curves (audited; no pairing code here),
 * with the byte encodings of arkworks `CanonicalSerialize` (compressed), which `tle`, pallet-drand and
 * bittensor-drand use:
 *
 * - G1 (signatures, 48 bytes) and G2 (public keys, U; 96 bytes): the zcash compressed encoding, which
 *   noble writes and reads identically. Decoding refuses points off the curve, outside the prime-order
 *   subgroup, and the point at infinity.
 * - Fr scalars: 32 bytes little-endian.
 * - GT (a pairing value, Fp12): the 12 base-field coefficients c0.c0.c0, c0.c0.c1, c0.c1.c0, … c1.c2.c1,
 *   each 48 bytes little-endian (ark's QuadExtField → CubicExtField → QuadExtField → Fp order).
 *
 * Identities are quicknet's: round r's message is sha256(r as u64 big-endian), hashed to G1 with RFC 9380
 * hash_to_curve and the DST `BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_` (tle `QUICKNET_CTX`).
 */
import { bls12_381 as bls } from '@noble/curves/bls12-381';
import { sha256 } from '@noble/hashes/sha2';

export const QUICKNET_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_';
export const G1_BYTES = 48;
export const G2_BYTES = 96;

type G1Point = InstanceType<typeof bls.G1.ProjectivePoint>;
type G2Point = InstanceType<typeof bls.G2.ProjectivePoint>;
type Fp12 = ReturnType<typeof bls.pairing>;

/** The order of G1, G2 and GT. */
export const CURVE_ORDER: bigint = bls.params.r;

export class InvalidPointError extends Error {
  override name = 'InvalidPointError';
}

function decodePoint<P extends { is0(): boolean; isTorsionFree(): boolean }>(bytes: Uint8Array, size: number, what: string, fromBytes: (b: Uint8Array) => P): P {
  if (bytes.length !== size) throw new InvalidPointError(`${what} must be ${size} bytes, got ${bytes.length}`);
  let point: P;
  try {
    point = fromBytes(bytes);
  } catch (error) {
    throw new InvalidPointError(`${what} is not a point on BLS12-381 (${(error as Error).message})`);
  }
  if (point.is0()) throw new InvalidPointError(`${what} is the point at infinity`);
  if (!point.isTorsionFree()) throw new InvalidPointError(`${what} is not in the prime-order subgroup`);
  return point;
}

export function decodeG1(bytes: Uint8Array, what = 'G1 point'): G1Point {
  return decodePoint(bytes, G1_BYTES, what, (b) => bls.G1.ProjectivePoint.fromHex(b));
}

export function decodeG2(bytes: Uint8Array, what = 'G2 point'): G2Point {
  return decodePoint(bytes, G2_BYTES, what, (b) => bls.G2.ProjectivePoint.fromHex(b));
}

export const G2_GENERATOR: G2Point = bls.G2.ProjectivePoint.BASE;

/** sha256(round as u64 big-endian): what quicknet signs for `round`. */
export function roundMessage(round: number | bigint): Uint8Array {
  const r = BigInt(round);
  if (r < 0n || r >= 1n << 64n) throw new RangeError(`round ${r} is not a u64`);
  const be = new Uint8Array(8);
  new DataView(be.buffer).setBigUint64(0, r, false);
  return sha256(be);
}

/** The IBE identity of a round: its message hashed to G1 (what the beacon's signature multiplies). */
export function roundIdentity(round: number | bigint): G1Point {
  return bls.G1.ProjectivePoint.fromAffine(bls.G1.hashToCurve(roundMessage(round), { DST: QUICKNET_DST }).toAffine());
}

/**
 * Quicknet's pulse check: e(signature, g2) = e(H(round), publicKey), as pallet-drand's QuicknetVerifier.
 * False for a wrong signature; throws InvalidPointError for bytes that are not a valid point.
 */
export function verifyRound(publicKey: Uint8Array, round: number | bigint, signature: Uint8Array): boolean {
  const pk = decodeG2(publicKey, 'beacon public key');
  const sig = decodeG1(signature, 'round signature');
  const lhs = bls.pairing(sig, G2_GENERATOR);
  const rhs = bls.pairing(roundIdentity(round), pk);
  return bls.fields.Fp12.eql(lhs, rhs);
}

function scalar(secretKey: bigint): bigint {
  if (secretKey <= 0n || secretKey >= CURVE_ORDER) throw new RangeError('a beacon secret key is a scalar in [1, r)');
  return secretKey;
}

/** A beacon's public key (compressed G2) for a secret scalar; the devnet's beacon uses it. */
export function beaconPublicKey(secretKey: bigint): Uint8Array {
  return G2_GENERATOR.multiply(scalar(secretKey)).toRawBytes(true);
}

/** A beacon's signature of `round` (compressed G1): the IBE secret for that round's identity. */
export function signRound(secretKey: bigint, round: number | bigint): Uint8Array {
  return roundIdentity(round).multiply(scalar(secretKey)).toRawBytes(true);
}

export function pairing(p: G1Point, q: G2Point): Fp12 {
  return bls.pairing(p, q);
}

function leBytes(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = value;
  for (let i = 0; i < size; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** ark-serialize bytes of a GT element (see the module comment). */
export function gtBytes(f: Fp12): Uint8Array {
  const out = new Uint8Array(12 * 48);
  let offset = 0;
  for (const c6 of [f.c0, f.c1]) {
    for (const c2 of [c6.c0, c6.c1, c6.c2]) {
      for (const fp of [c2.c0, c2.c1]) {
        out.set(leBytes(fp, 48), offset);
        offset += 48;
      }
    }
  }
  return out;
}

/** ark-serialize bytes of an Fr scalar. */
export function scalarBytes(s: bigint): Uint8Array {
  return leBytes(s, 32);
}

/** `Fr::from_be_bytes_mod_order`. */
export function scalarFromBeBytes(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v % CURVE_ORDER;
}
