/**
 * Timelock encryption as `tle` (ideal-lab5/timelock @5416406, the revision bittensor-drand and subtensor
 * build on) does it: Boneh–Franklin FullIdent IBE on BLS12-381 with the beacon's public key in G2
 * ("TinyBLS381"), wrapping a 32-byte key that AES-256-GCM uses for the message.
 *
 *   t ← Fr (random), σ = sha256(t as 32 LE bytes), r = sha256(σ ‖ k) mod q   (k: the 32-byte AES key)
 *   U = r·P            (P: the G2 generator)
 *   V = σ ⊕ sha256(GT bytes of e(H(id), r·Ppub))
 *   W = k ⊕ sha256(σ)
 *   body = AES-256-GCM(k, nonce, message), empty associated data
 *
 * Decryption with the round's signature s (= msk·H(id)): σ = V ⊕ sha256(e(s, U)), k = W ⊕ sha256(σ),
 * then it checks U = (sha256(σ ‖ k) mod q)·P before opening the body.
 *
 * The wire format is ark-serialize's compressed `TLECiphertext<TinyBLS381>`, each `Vec<u8>` a u64 LE
 * length then its bytes:
 *
 *   U (96) · len(V)=32 · V · len(W)=32 · W · len(body) · body · len(suite)=8 · "AES_GCM_"
 *   body = len(ct) · ct (message + 16-byte tag) · len(nonce)=12 · nonce
 *
 * Randomness is drawn in bittensor-drand's order (key 32 bytes, then t as arkworks samples an Fr — four
 * u64 LE limbs, top bit cleared, retried while ≥ q, read as a Montgomery form — then the 12-byte nonce),
 * so the same random bytes give the same ciphertext as bittensor-drand.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2';
import { CURVE_ORDER, G2_BYTES, G2_GENERATOR, decodeG1, decodeG2, gtBytes, pairing, roundIdentity, scalarBytes, scalarFromBeBytes } from './bls.js';

/** subtensor's `MAX_CRV3_COMMIT_SIZE_BYTES`: the most a commit may carry. */
export const MAX_COMMIT_BYTES = 5000;
export const CIPHER_SUITE = new TextEncoder().encode('AES_GCM_');
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Random bytes on demand (tests pass a fixed stream; the default is the OS's CSPRNG). */
export type RandomSource = (length: number) => Uint8Array;
const osRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));

export class TimelockError extends Error {
  override name = 'TimelockError';
}

export interface TlockCiphertext {
  /** Compressed G2 point. */
  u: Uint8Array;
  v: Uint8Array;
  w: Uint8Array;
  aesCiphertext: Uint8Array;
  nonce: Uint8Array;
  cipherSuite: Uint8Array;
}

function u64le(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const vec = (bytes: Uint8Array): Uint8Array => concat(u64le(bytes.length), bytes);

export function serializeCiphertext(ct: TlockCiphertext): Uint8Array {
  const body = concat(vec(ct.aesCiphertext), vec(ct.nonce));
  return concat(ct.u, vec(ct.v), vec(ct.w), vec(body), vec(ct.cipherSuite));
}

/** A bounded reader: every length is checked against what is left before anything is copied. */
class Reader {
  private offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}
  take(n: number, field: string): Uint8Array {
    if (n > this.bytes.length - this.offset) throw new TimelockError(`${this.what}: ${field} needs ${n} bytes, ${this.bytes.length - this.offset} left`);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  vec(field: string, exact?: number): Uint8Array {
    const len = new DataView(this.take(8, `${field} length`).buffer).getBigUint64(0, true);
    if (exact !== undefined && len !== BigInt(exact)) throw new TimelockError(`${this.what}: ${field} must be ${exact} bytes, says ${len}`);
    if (len > BigInt(this.bytes.length - this.offset)) throw new TimelockError(`${this.what}: ${field} says ${len} bytes, ${this.bytes.length - this.offset} left`);
    return this.take(Number(len), field);
  }
  end(): void {
    if (this.offset !== this.bytes.length) throw new TimelockError(`${this.what}: ${this.bytes.length - this.offset} trailing bytes`);
  }
}

/**
 * Parses a commit's bytes. Stricter than ark's reader where tle itself would fail later anyway: V and W
 * must be 32 bytes, the nonce 12, and nothing may trail. U is only checked to be 96 bytes here;
 * decryption decodes it as a point.
 */
export function parseCiphertext(bytes: Uint8Array): TlockCiphertext {
  if (bytes.length > MAX_COMMIT_BYTES) throw new TimelockError(`ciphertext is ${bytes.length} bytes, more than ${MAX_COMMIT_BYTES}`);
  const r = new Reader(bytes, 'timelock ciphertext');
  const u = r.take(G2_BYTES, 'U');
  const v = r.vec('V', KEY_BYTES);
  const w = r.vec('W', KEY_BYTES);
  const body = new Reader(r.vec('body'), 'timelock ciphertext body');
  const cipherSuite = r.vec('cipher suite');
  r.end();
  const aesCiphertext = body.vec('AES ciphertext');
  const nonce = body.vec('nonce', NONCE_BYTES);
  body.end();
  if (aesCiphertext.length < TAG_BYTES) throw new TimelockError(`timelock ciphertext body is ${aesCiphertext.length} bytes, shorter than the AES-GCM tag`);
  return { u, v, w, aesCiphertext, nonce, cipherSuite };
}

const xor = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((x, i) => x ^ b[i]!);

const MONTGOMERY_R_INV = (() => {
  // R = 2^256 mod q; arkworks keeps Fr in Montgomery form, so a sampled limb vector m is the value m·R⁻¹.
  const r = (1n << 256n) % CURVE_ORDER;
  let [a, b, x0, x1] = [r, CURVE_ORDER, 1n, 0n];
  while (b !== 0n) {
    const q = a / b;
    [a, b] = [b, a - q * b];
    [x0, x1] = [x1, x0 - q * x1];
  }
  return ((x0 % CURVE_ORDER) + CURVE_ORDER) % CURVE_ORDER;
})();

/** `Fr::rand` as ark-ff 0.4 samples it from an RNG whose next_u64 reads 8 bytes little-endian. */
function sampleScalar(random: RandomSource): bigint {
  for (;;) {
    const bytes = random(32);
    let m = 0n;
    for (let i = 31; i >= 0; i--) m = (m << 8n) | BigInt(bytes[i]!);
    m &= (1n << 255n) - 1n;
    if (m < CURVE_ORDER) return (m * MONTGOMERY_R_INV) % CURVE_ORDER;
  }
}

const h3 = (sigma: Uint8Array, key: Uint8Array): bigint => scalarFromBeBytes(sha256(concat(sigma, key)));

/** Encrypts `message` so that only the beacon's signature of `round` opens it. */
export function timelockEncrypt(message: Uint8Array, round: number | bigint, beaconPublicKey: Uint8Array, random: RandomSource = osRandom): Uint8Array {
  const pk = decodeG2(beaconPublicKey, 'beacon public key');
  const key = random(KEY_BYTES);
  const sigma = sha256(scalarBytes(sampleScalar(random)));
  const r = h3(sigma, key);
  if (r === 0n) throw new TimelockError('degenerate IBE randomness; encrypt again');
  const gId = pairing(roundIdentity(round), pk.multiply(r));
  const nonce = random(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const aesCiphertext = concat(cipher.update(message), cipher.final(), cipher.getAuthTag());
  return serializeCiphertext({
    u: G2_GENERATOR.multiply(r).toRawBytes(true),
    v: xor(sigma, sha256(gtBytes(gId))),
    w: xor(key, sha256(sigma)),
    aesCiphertext,
    nonce,
    cipherSuite: CIPHER_SUITE,
  });
}

/**
 * Opens a ciphertext with a round signature (48-byte compressed G1). Throws TimelockError when the bytes
 * are malformed, the signature is for another round or key, or the message was altered.
 */
export function timelockDecrypt(ciphertext: Uint8Array, signature: Uint8Array): Uint8Array {
  const ct = parseCiphertext(ciphertext);
  let u, sig;
  try {
    u = decodeG2(ct.u, 'ciphertext U');
    sig = decodeG1(signature, 'round signature');
  } catch (error) {
    throw new TimelockError((error as Error).message);
  }
  const sigma = xor(ct.v, sha256(gtBytes(pairing(sig, u))));
  const key = xor(ct.w, sha256(sigma));
  const r = h3(sigma, key);
  if (r === 0n || !G2_GENERATOR.multiply(r).equals(u)) throw new TimelockError('the signature does not open this ciphertext (wrong round or beacon)');
  const decipher = createDecipheriv('aes-256-gcm', key, ct.nonce);
  decipher.setAuthTag(ct.aesCiphertext.subarray(ct.aesCiphertext.length - TAG_BYTES));
  try {
    return concat(decipher.update(ct.aesCiphertext.subarray(0, ct.aesCiphertext.length - TAG_BYTES)), decipher.final());
  } catch {
    throw new TimelockError('the message failed AES-GCM authentication');
  }
}
