/**
 * The CPU backend's worker thread: generates input rows, multiplies and hashes result rows in shared
 * memory, one task (a band of rows of one matrix) per message. Loaded through
 * cpu-worker.mjs, which registers tsx first so this file runs as TypeScript under `node bin/flopnet.mjs`
 * and under vitest alike.
 *
 * Generation, the product and hashing are separate tasks, so another GEMM (a BLAS or WebAssembly one)
 * can replace `gemm` alone. Whatever replaces it must give the same bits when the same band task runs
 * again: openings recompute a row's band with the same task (cpu.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fillLines, type MatrixKey } from '../../shared/challenge/elements.js';
import { hashLeaf, HASH_BYTES } from '../../shared/challenge/merkle.js';
import type { Precision } from '../../shared/challenge/types.js';
import { roundToFp16, roundToMantissa } from './adversary.js';
import { bandNodes } from './cpu-tree.js';
import { WasmGemmThread, type WasmGemmShared, type WasmMultiplyTask, type WasmPackTask } from './gemm/wasm.js';

export type Accumulation = 'fp64' | 'fp32' | 'fp16';

export interface GenerateTask {
  type: 'generate';
  precision: Precision;
  keyA: MatrixKey;
  keyB: MatrixKey;
  k: number;
  /** Rows of A and columns of B (stored as rows of Bᵀ) from..to. */
  from: number;
  to: number;
  a: SharedArrayBuffer;
  bt: SharedArrayBuffer;
  /** Round every input to this many mantissa bits (a precision adversary). */
  roundInputsTo?: number;
}

export interface GemmTask {
  type: 'gemm';
  wide: boolean;
  n: number;
  k: number;
  from: number;
  to: number;
  a: SharedArrayBuffer;
  bt: SharedArrayBuffer;
  c: SharedArrayBuffer;
  accumulate: Accumulation;
  /** Probability that a row is skipped and filled with invented values (lazy / fabricating adversary). */
  skip?: number;
  /** Plant a NaN in each row (an adversary). */
  nan?: boolean;
  /** Row r holds the product of A's row r ^ 1 (the swap-rows adversary commits rows at the wrong index). */
  swap?: boolean;
  /**
   * Which rows a cheat skips and what it invents come from (salt, matrix, row), not from a random source,
   * so a recomputed band gives the same bits as the first computation (openings recompute, cpu.ts).
   */
  salt?: number;
  matrix?: number;
}

export interface HashTask {
  type: 'hash';
  n: number;
  /** Bytes per result value. */
  width: number;
  from: number;
  to: number;
  c: SharedArrayBuffer;
  /** Receives the leaf of row r at r·32. */
  leaves: SharedArrayBuffer;
  /** `leaves` begins a whole tree (cpu-tree.ts): hash the band's own nodes of it too. */
  tree?: boolean;
}

export type Task = GenerateTask | GemmTask | WasmPackTask | WasmMultiplyTask | HashTask;
export type TaskMessage = { id: number; task: Task };
export type TaskReply = { id: number; error?: string };

const vector = (buffer: SharedArrayBuffer, wide: boolean) => (wide ? new Float64Array(buffer) : new Float32Array(buffer));

/** The band's rows of A and columns of B (rows of Bᵀ), each straight into its place in the shared matrices. */
export function generate(task: GenerateTask): void {
  const wide = task.precision === 'fp64';
  const { k, from, to } = task;
  const rowsA = vector(task.a, wide).subarray(from * k, to * k);
  const colsB = vector(task.bt, wide).subarray(from * k, to * k);
  fillLines(task.precision, task.keyA, from, to - from, k, rowsA);
  fillLines(task.precision, task.keyB, from, to - from, k, colsB);
  const bits = task.roundInputsTo;
  if (bits !== undefined) {
    for (let l = 0; l < rowsA.length; l++) {
      rowsA[l] = roundToMantissa(rowsA[l]!, bits);
      colsB[l] = roundToMantissa(colsB[l]!, bits);
    }
  }
}

/** A 32-bit hash of three words (murmur3's finaliser): the cheats' stand-in for a random source. */
function mix(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35) ^ c;
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A stand-in value of the size an honest entry has (≈ √k), for entries a cheater did not compute. */
const invented = (k: number, salt: number, row: number, col: number): number => ((mix(salt, row, col) / 2 ** 32) * 2 - 1) * Math.sqrt(k);

type Vec = Float32Array | Float64Array;

/**
 * One result row, four columns at a time (each A element loaded once for four products: ~2-3× faster
 * than column by column in V8). Every partial sum is rounded to the accumulation type, as a GPU does.
 */
function resultRow(a: Vec, rowA: number, bt: Vec, n: number, k: number, c: Vec, out: number, accumulate: Accumulation): void {
  let col = 0;
  if (accumulate !== 'fp16') {
    const round = accumulate === 'fp32';
    for (; col + 4 <= n; col += 4) {
      const b0 = col * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      if (round) {
        for (let l = 0; l < k; l++) {
          const x = a[rowA + l]!;
          s0 = Math.fround(s0 + x * bt[b0 + l]!);
          s1 = Math.fround(s1 + x * bt[b1 + l]!);
          s2 = Math.fround(s2 + x * bt[b2 + l]!);
          s3 = Math.fround(s3 + x * bt[b3 + l]!);
        }
      } else {
        for (let l = 0; l < k; l++) {
          const x = a[rowA + l]!;
          s0 += x * bt[b0 + l]!;
          s1 += x * bt[b1 + l]!;
          s2 += x * bt[b2 + l]!;
          s3 += x * bt[b3 + l]!;
        }
      }
      c[out + col] = s0;
      c[out + col + 1] = s1;
      c[out + col + 2] = s2;
      c[out + col + 3] = s3;
    }
  }
  for (; col < n; col++) {
    const colB = col * k;
    let acc = 0;
    if (accumulate === 'fp32') for (let l = 0; l < k; l++) acc = Math.fround(acc + a[rowA + l]! * bt[colB + l]!);
    else if (accumulate === 'fp64') for (let l = 0; l < k; l++) acc += a[rowA + l]! * bt[colB + l]!;
    else for (let l = 0; l < k; l++) acc = roundToFp16(acc + a[rowA + l]! * bt[colB + l]!);
    c[out + col] = acc;
  }
}

export function gemm(task: GemmTask): void {
  const a = vector(task.a, task.wide);
  const bt = vector(task.bt, task.wide);
  const c = vector(task.c, task.wide);
  const { n, k } = task;
  const salt = mix(task.salt ?? 0, task.matrix ?? 0, 0x5eed);
  for (let r = task.from; r < task.to; r++) {
    const out = r * n;
    if (task.skip !== undefined && mix(salt, r, 0) < task.skip * 2 ** 32) {
      for (let col = 0; col < n; col++) c[out + col] = invented(k, salt, r, col + 1);
      continue;
    }
    const source = task.swap && (r ^ 1) < n ? r ^ 1 : r;
    resultRow(a, source * k, bt, n, k, c, out, task.accumulate);
    if (task.nan) c[out + (r % n)] = Number.NaN;
  }
}

export function hashRows(task: HashTask): void {
  const bytes = new Uint8Array(task.c);
  const leaves = new Uint8Array(task.leaves);
  const rowBytes = task.n * task.width;
  for (let r = task.from; r < task.to; r++) leaves.set(hashLeaf(bytes.subarray(r * rowBytes, (r + 1) * rowBytes)), r * HASH_BYTES);
  if (task.tree) bandNodes(leaves, task.n, task.from, task.to);
}

/** What the backend hands each worker thread at start. */
export interface CpuWorkerData {
  flopnetCpuWorker: true;
  /** The WebAssembly GEMM kernel's module and shared memory (gemm/wasm.ts), when the backend may use it. */
  wasmGemm?: WasmGemmShared;
}

/** Runs one task; `wasm` is this thread's instance of the WebAssembly GEMM kernel, if it has one. */
export function runTask(task: Task, wasm?: WasmGemmThread): void {
  if (task.type === 'generate') generate(task);
  else if (task.type === 'gemm') gemm(task);
  else if (task.type === 'hash') hashRows(task);
  else {
    if (!wasm) throw new Error('this thread has no WebAssembly GEMM kernel');
    if (task.type === 'wasm-pack') wasm.pack(task);
    else wasm.multiply(task);
  }
}

const data = workerData as Partial<CpuWorkerData> | undefined;
if (parentPort && data?.flopnetCpuWorker) {
  const port = parentPort;
  const wasm = data.wasmGemm ? new WasmGemmThread(data.wasmGemm) : undefined;
  port.postMessage({ id: 0 } satisfies TaskReply); // loaded: the pool starts timing work only after this
  port.on('message', ({ id, task }: TaskMessage) => {
    try {
      runTask(task, wasm);
      port.postMessage({ id } satisfies TaskReply);
    } catch (error) {
      port.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies TaskReply);
    }
  });
}
