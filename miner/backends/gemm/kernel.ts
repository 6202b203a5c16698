/**
 * What the CPU backend asks of a GEMM kernel: one product C = A·Bᵀ of a challenge (A and Bᵀ n×k, C n×n,
 * all row-major in shared memory, as the generation stage leaves them and the hashing stage reads them).
 *
 * Three kernels implement it, fastest first: a system CBLAS (./blas.ts), the WebAssembly SIMD kernel
 * (./wasm.ts) and the JavaScript reference (./js.ts). ./select.ts picks the fastest that passes the
 * start-up self-test (./selftest.ts).
 */
import type { Precision } from '../../../shared/challenge/types.js';
import type { Task } from '../cpu-worker.js';

export const GEMM_KERNELS = ['blas', 'wasm', 'js'] as const;
export type GemmKernelName = (typeof GEMM_KERNELS)[number];

export interface GemmOperands {
  /** The class: binary64 elements and accumulation for fp64, binary32 for every other class. */
  precision: Precision;
  n: number;
  k: number;
  /** A, n×k. */
  a: SharedArrayBuffer;
  /** Bᵀ, n×k: row c is column c of B. */
  bt: SharedArrayBuffer;
  /** C, n×n, written whole. */
  c: SharedArrayBuffer;
}

/** Row bands [from, to) of C. */
export type RowBands = readonly (readonly [number, number])[];

export interface GemmKernel {
  readonly name: GemmKernelName;
  /** What runs, for device.detail and logs (library and version, threads). */
  readonly detail: string;
  /**
   * Computes at least the rows of C in `rows` (default: all). The same rows asked for again give the
   * same bits, whatever else is asked for with them: a backend may recompute a band to open it.
   */
  multiply(operands: GemmOperands, rows?: RowBands): Promise<void>;
  /** Frees what the kernel holds (not the worker threads: they are the backend's). */
  close(): Promise<void>;
}

/** The CPU backend's worker threads, as a kernel that splits its work into tasks sees them. */
export interface TaskRunner {
  readonly size: number;
  run(task: Task): Promise<void>;
}

/** Splits rows 0..count into about `parts` contiguous bands whose starts are multiples of `align`. */
export function bands(count: number, parts: number, align = 1): [number, number][] {
  return splitBands([[0, count]], parts, align);
}

/**
 * The rows of `rows` in about `parts` pieces in all, each band cut into pieces of one size (a multiple of
 * `align`): how a kernel whose rows do not depend on the banding spreads a request over its threads.
 */
export function splitBands(rows: RowBands, parts: number, align = 1): [number, number][] {
  const total = rows.reduce((sum, [from, to]) => sum + (to - from), 0);
  const size = Math.max(align, Math.ceil(total / parts / align) * align);
  const out: [number, number][] = [];
  for (const [start, end] of rows) for (let from = start; from < end; from += size) out.push([from, Math.min(end, from + size)]);
  return out;
}
