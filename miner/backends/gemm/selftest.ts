/**
 * Whether a GEMM kernel computes what the protocol asks, checked on the protocol's own inputs before the
 * backend trusts it (start-up self-test) and on a few entries of every product it computes (spot check),
 * so a broken library costs a fallback, never a wrong commitment.
 *
 * An entry passes the check the validator applies to it (shared/challenge/tolerance.ts): any summation
 * order is allowed, so kernels differ from the reference in the last bits. fp8 inputs are checked bit
 * for bit instead: their values are multiples of 2^-4 below 2 in magnitude, so products are multiples of
 * 2^-8 below 4 and every partial sum of k ≤ 16384 of them is a multiple of 2^-8 below 2^16, exact in
 * binary32's 24 bits whatever the order. A kernel that multiplies the wrong elements, or transposes,
 * cannot pass that by rounding luck.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { colOfB, matrixKey, rowOfA } from '../../../shared/challenge/elements.js';
import { entryBound, referenceDot } from '../../../shared/challenge/tolerance.js';
import type { Precision } from '../../../shared/challenge/types.js';
import type { GemmOperands, RowBands } from './kernel.js';

export type Multiply = (operands: GemmOperands) => Promise<void> | void;

interface Case {
  /** Class whose elements fill A and B. */
  inputs: Precision;
  /** Class the kernel runs (its element type: fp64 → binary64). */
  precision: Precision;
  n: number;
  k: number;
  /** Every entry must equal the exact dot product. */
  exact: boolean;
}

/**
 * Odd sizes put partial tiles on every edge and k blocks of two lengths; 192 × 640 is big enough that
 * a multi-threaded library splits it (OpenBLAS does from about 2^16 multiply-adds per thread), and
 * n = 520 takes more than one library call (blasBands).
 */
const CASES: readonly Case[] = [
  { inputs: 'fp8', precision: 'fp8', n: 67, k: 300, exact: true },
  { inputs: 'fp8', precision: 'fp8', n: 520, k: 40, exact: true },
  { inputs: 'fp32', precision: 'fp32', n: 67, k: 300, exact: false },
  { inputs: 'bf16', precision: 'bf16', n: 192, k: 640, exact: false },
  { inputs: 'fp8', precision: 'fp64', n: 37, k: 129, exact: true },
  { inputs: 'fp64', precision: 'fp64', n: 67, k: 300, exact: false },
];

export interface ProtocolInputs {
  operands: GemmOperands;
  /** The rows of A and columns of B as binary64 (the reference's inputs). */
  rowsA: Float64Array[];
  colsB: Float64Array[];
}

/**
 * A product of the `precision` class over elements of the `inputs` class (usually the same) from a fresh
 * random seed, laid out as the generation stage leaves them; C is zeros.
 */
export function protocolInputs(c: Omit<Case, 'exact'>): ProtocolInputs {
  const seed = randomBytes(32);
  const keyA = matrixKey(seed, 'A', 0);
  const keyB = matrixKey(seed, 'B', 0);
  const wide = c.precision === 'fp64';
  const width = wide ? 8 : 4;
  const a = new SharedArrayBuffer(c.n * c.k * width);
  const bt = new SharedArrayBuffer(c.n * c.k * width);
  const rowsA: Float64Array[] = [];
  const colsB: Float64Array[] = [];
  const A = wide ? new Float64Array(a) : new Float32Array(a);
  const Bt = wide ? new Float64Array(bt) : new Float32Array(bt);
  for (let i = 0; i < c.n; i++) {
    rowsA.push(rowOfA(c.inputs, keyA, i, c.k));
    colsB.push(colOfB(c.inputs, keyB, i, c.k));
    A.set(rowsA[i]!, i * c.k);
    Bt.set(colsB[i]!, i * c.k);
  }
  return { operands: { precision: c.precision, n: c.n, k: c.k, a, bt, c: new SharedArrayBuffer(c.n * c.n * width) }, rowsA, colsB };
}

const resultView = (o: GemmOperands) => (o.precision === 'fp64' ? new Float64Array(o.c) : new Float32Array(o.c));

/** Why entry (r, c) of `got` fails (against the exact value, or within the validator's tolerance), or undefined. */
export function entryFault(precision: Precision, exact: boolean, rowA: ArrayLike<number>, colB: ArrayLike<number>, k: number, got: number, r: number, c: number): string | undefined {
  const ref = referenceDot(precision, rowA, colB, k);
  if (exact ? got === ref.value : Number.isFinite(got) && Math.abs(got - ref.value) <= entryBound(precision, k, ref.sumSquares)) return undefined;
  const how = exact ? 'exact value' : `tolerance ${entryBound(precision, k, ref.sumSquares).toPrecision(3)}`;
  return `${precision} entry (${r}, ${c}) is ${got}, expected ${ref.value} (${how})`;
}

/** Runs every case through `multiply`; the first wrong entry's description, or undefined when all pass. */
export async function selfTest(multiply: Multiply): Promise<string | undefined> {
  for (const c of CASES) {
    const { operands, rowsA, colsB } = protocolInputs(c);
    await multiply(operands);
    const got = resultView(operands);
    for (let r = 0; r < c.n; r++) {
      for (let col = 0; col < c.n; col++) {
        const fault = entryFault(c.precision, c.exact, rowsA[r]!, colsB[col]!, c.k, got[r * c.n + col]!, r, col);
        if (fault) return `${c.inputs} inputs, ${c.n}×${c.n}×${c.k}: ${fault}`;
      }
    }
  }
  return undefined;
}

/**
 * Checks `count` random entries in the rows `rows` of a product just computed (2·k operations each:
 * nothing next to the product); the first wrong one's description, or undefined.
 */
export function spotCheck(operands: GemmOperands, rows: RowBands = [[0, operands.n]], count = 4): string | undefined {
  const { precision, n, k } = operands;
  const total = rows.reduce((sum, [from, to]) => sum + (to - from), 0);
  const rowAt = (i: number): number => {
    for (const [from, to] of rows) {
      if (i < to - from) return from + i;
      i -= to - from;
    }
    throw new RangeError('row index past the bands');
  };
  const wide = precision === 'fp64';
  const a = wide ? new Float64Array(operands.a) : new Float32Array(operands.a);
  const bt = wide ? new Float64Array(operands.bt) : new Float32Array(operands.bt);
  const got = resultView(operands);
  for (let i = 0; i < count && total > 0; i++) {
    const r = rowAt(randomInt(total));
    const c = randomInt(n);
    const fault = entryFault(precision, false, a.subarray(r * k, (r + 1) * k), bt.subarray(c * k, (c + 1) * k), k, got[r * n + c]!, r, c);
    if (fault) return fault;
  }
  return undefined;
}
