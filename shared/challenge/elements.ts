/**
 * The challenge's input matrices, defined element by element so that any row of A_j or column of B_j
 * can be regenerated alone (docs/protocol.md §3).
 *
 * Each matrix has its own Philox key, derived from the challenge seed; element (r, c) is drawn from the
 * counter [c, r, 0, 0]. The value uses the class's full mantissa, a random sign and an exponent of -1 or 0,
 * so every value is exact in the class's storage type and a miner that rounds the inputs to a cheaper type
 * changes the result measurably.
 */
import { createHash } from 'node:crypto';
import { philox4x32, philoxBlock, PHILOX_BLOCK } from './philox.js';
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

export type MatrixName = 'A' | 'B';

/** The two key words of one matrix's Philox stream. */
export interface MatrixKey {
  readonly k0: number;
  readonly k1: number;
}

const DOMAIN = Buffer.from('flopnet/v1/', 'ascii');

/** Key of A_j or B_j: the first 8 bytes of SHA-256("flopnet/v1/" ‖ name ‖ u32le(j) ‖ seed), as two u32le words. */
export function matrixKey(seed: Uint8Array, matrix: MatrixName, j: number): MatrixKey {
  const index = Buffer.alloc(4);
  index.writeUInt32LE(j >>> 0);
  const digest = createHash('sha256').update(DOMAIN).update(matrix, 'ascii').update(index).update(seed).digest();
  return { k0: digest.readUInt32LE(0), k1: digest.readUInt32LE(4) };
}

/** Maps Philox output words to the element value of a class with `p` mantissa bits (p ≤ 23). */
function narrowValue(x0: number, x1: number, p: number, scale: number): number {
  const mantissa = x1 >>> (32 - p);
  const magnitude = (1 + mantissa * scale) * ((x0 & 2) === 0 ? 0.5 : 1);
  return (x0 & 1) === 1 ? -magnitude : magnitude;
}

const TWO32 = 4294967296;
const TWO_M52 = 2 ** -52;

function fp64Value(x0: number, x1: number, x2: number): number {
  const mantissa = (x1 >>> 12) * TWO32 + x2;
  const magnitude = (1 + mantissa * TWO_M52) * ((x0 & 2) === 0 ? 0.5 : 1);
  return (x0 & 1) === 1 ? -magnitude : magnitude;
}

/** Element (r, c) of the matrix whose key is `key`, in the class `precision`. */
export function element(precision: Precision, key: MatrixKey, r: number, c: number): number {
  const w = new Uint32Array(4);
  philox4x32(c >>> 0, r >>> 0, 0, 0, key.k0, key.k1, w);
  if (precision === 'fp64') return fp64Value(w[0]!, w[1]!, w[2]!);
  const p = MANTISSA_BITS[precision];
  return narrowValue(w[0]!, w[1]!, p, 2 ** -p);
}

type Vector = Float64Array | Float32Array;

/**
 * Writes `count` elements of one matrix into `out`, along a row (fixed r, c = 0..) or along a column
 * (fixed c, r = 0..). Values of every class below fp64 are exact in a Float32Array.
 */
function fill(precision: Precision, key: MatrixKey, fixed: number, count: number, alongRow: boolean, out: Vector): Vector {
  const p = MANTISSA_BITS[precision];
  const scale = 2 ** -p;
  for (let start = 0; start < count; start += PHILOX_BLOCK) {
    const length = Math.min(PHILOX_BLOCK, count - start);
    const w = philoxBlock(key.k0, key.k1, fixed, start, length, alongRow);
    if (precision === 'fp64') {
      for (let i = 0; i < length; i++) out[start + i] = fp64Value(w[3 * i]!, w[3 * i + 1]!, w[3 * i + 2]!);
    } else {
      for (let i = 0; i < length; i++) out[start + i] = narrowValue(w[3 * i]!, w[3 * i + 1]!, p, scale);
    }
  }
  return out;
}

/** Row r of A_j (n×k): the k values A[r, 0..k). */
export function rowOfA<T extends Vector = Float64Array>(precision: Precision, key: MatrixKey, r: number, k: number, out?: T): T {
  return fill(precision, key, r, k, true, out ?? new Float64Array(k)) as T;
}

/** Column c of B_j (k×n): the k values B[0..k), c]. */
export function colOfB<T extends Vector = Float64Array>(precision: Precision, key: MatrixKey, c: number, k: number, out?: T): T {
  return fill(precision, key, c, k, false, out ?? new Float64Array(k)) as T;
}
