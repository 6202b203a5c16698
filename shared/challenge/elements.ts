/**
 * The challenge's input matrices, defined so that any row of A_j or column of B_j can be regenerated
 * alone (docs/protocol.md §3).
 *
 * A matrix is a set of lines: the rows of A and the columns of B, the k values that one dot product of
 * C = A·B reads. Each matrix has its own Philox key, derived from the challenge seed; position l of line t
 * comes from the Philox call with counter [⌊l/E⌋, t, 0, 0], which yields E = 4 elements (2 for fp64), one
 * 32-bit word each (two for fp64). So a row of A and a column of B each cost k/E calls, for the miner and
 * for the validator alike. The value uses the class's full mantissa, a random sign and an exponent of −1
 * or 0, so every value is exact in the class's storage type and a miner that rounds the inputs to a
 * cheaper type changes the result measurably.
 */
import { createHash } from 'node:crypto';
import { philox4x32 } from './philox.js';
import { simdLines } from './lines.js';
import type { Precision } from './types.js';

/** Stored mantissa (fraction) bits of each class's input type. */
export const MANTISSA_BITS: Readonly<Record<Precision, number>> = {
  fp64: 52,
  fp32: 23,
  tf32: 10,
  bf16: 7,
  fp16: 10,
  fp8: 3,
};

/** Elements drawn from one Philox call: one per 32-bit word, two words per fp64 element. */
export function elementsPerCall(precision: Precision): 2 | 4 {
  return precision === 'fp64' ? 2 : 4;
}

export type MatrixName = 'A' | 'B';

/** The two key words of one matrix's Philox stream. */
export interface MatrixKey {
  readonly k0: number;
  readonly k1: number;
}

const DOMAIN = Buffer.from('flopnet/v3/', 'ascii');

/** Key of A_j or B_j: the first 8 bytes of SHA-256("flopnet/v3/" ‖ name ‖ u32le(j) ‖ seed), as two u32le words. */
export function matrixKey(seed: Uint8Array, matrix: MatrixName, j: number): MatrixKey {
  const index = Buffer.alloc(4);
  index.writeUInt32LE(j >>> 0);
  const digest = createHash('sha256').update(DOMAIN).update(matrix, 'ascii').update(index).update(seed).digest();
  return { k0: digest.readUInt32LE(0), k1: digest.readUInt32LE(4) };
}

/** The value of a class with `p` ≤ 23 mantissa bits drawn from one word: bit 0 sign, bit 1 exponent, top p bits mantissa. */
function narrowValue(x: number, p: number, scale: number): number {
  const mantissa = x >>> (32 - p);
  const magnitude = (1 + mantissa * scale) * ((x & 2) === 0 ? 0.5 : 1);
  return (x & 1) === 1 ? -magnitude : magnitude;
}

const TWO32 = 4294967296;
const TWO_M52 = 2 ** -52;

/** An fp64 value from two words: sign and exponent from x's low bits, mantissa from x's top 20 bits then y. */
function fp64Value(x: number, y: number): number {
  const mantissa = (x >>> 12) * TWO32 + y;
  const magnitude = (1 + mantissa * TWO_M52) * ((x & 2) === 0 ? 0.5 : 1);
  return (x & 1) === 1 ? -magnitude : magnitude;
}

/**
 * Position `position` of line `line` of the matrix whose key is `key`, in the class `precision`:
 * A[line, position] of an A matrix, B[position, line] of a B matrix.
 */
export function element(precision: Precision, key: MatrixKey, line: number, position: number): number {
  const perCall = elementsPerCall(precision);
  const w = new Uint32Array(4);
  philox4x32(Math.floor(position / perCall) >>> 0, line >>> 0, 0, 0, key.k0, key.k1, w);
  const slot = position % perCall;
  if (precision === 'fp64') return fp64Value(w[2 * slot]!, w[2 * slot + 1]!);
  const p = MANTISSA_BITS[precision];
  return narrowValue(w[slot]!, p, 2 ** -p);
}

type Vector = Float64Array | Float32Array;

/**
 * The reference for whole lines: Philox call by call along each line and the element rule above, in
 * JavaScript. ./lines.ts must give exactly these bits; fillLines falls back to this where it cannot run.
 */
export function referenceLines(precision: Precision, key: MatrixKey, first: number, count: number, k: number, out: Vector): void {
  const p = MANTISSA_BITS[precision];
  const scale = 2 ** -p;
  const perCall = elementsPerCall(precision);
  const w = new Uint32Array(4);
  for (let t = 0; t < count; t++) {
    const line = (first + t) >>> 0;
    for (let call = 0, at = t * k; call * perCall < k; call++) {
      philox4x32(call, line, 0, 0, key.k0, key.k1, w);
      const values = Math.min(perCall, k - call * perCall);
      if (precision === 'fp64') for (let i = 0; i < values; i++) out[at++] = fp64Value(w[2 * i]!, w[2 * i + 1]!);
      else for (let i = 0; i < values; i++) out[at++] = narrowValue(w[i]!, p, scale);
    }
  }
}

/**
 * Lines first..first+count−1 (rows of A, or columns of B) of the matrix whose key is `key`, k values
 * each, into `out`: line first + t at t·k. Values of every class below fp64 are exact in a Float32Array.
 * The SIMD generator (./lines.ts) where WebAssembly SIMD runs, else the reference above.
 */
export function fillLines<T extends Vector>(precision: Precision, key: MatrixKey, first: number, count: number, k: number, out: T): T {
  if (!simdLines(MANTISSA_BITS[precision], key, first, count, k, out)) referenceLines(precision, key, first, count, k, out);
  return out;
}

/** Row r of A_j (n×k): the k values A[r, 0..k). */
export function rowOfA<T extends Vector = Float64Array>(precision: Precision, key: MatrixKey, r: number, k: number, out?: T): T {
  return fillLines(precision, key, r, 1, k, out ?? (new Float64Array(k) as T));
}

/** Column c of B_j (k×n): the k values B[0..k), c]. */
export function colOfB<T extends Vector = Float64Array>(precision: Precision, key: MatrixKey, c: number, k: number, out?: T): T {
  return fillLines(precision, key, c, 1, k, out ?? (new Float64Array(k) as T));
}
