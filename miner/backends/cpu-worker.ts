/**
 * The CPU backend's worker thread: generates input rows, multiplies and hashes result rows in shared
 * memory, one task (a band of rows of one matrix) per message, and builds the Merkle tree over the
 * leaves (off the main thread, which answers the network while a window closes). Loaded through cpu-worker.mjs, which
 * registers tsx first so this file runs as TypeScript under `node bin/flopnet.mjs` and under vitest alike.
 */
import { randomInt } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { colOfB, rowOfA, type MatrixKey } from '../../shared/challenge/elements.js';
import { hashLeaf, HASH_BYTES, merkleLevels } from '../../shared/challenge/merkle.js';
import type { Precision } from '../../shared/challenge/types.js';
import { roundToFp16, roundToMantissa } from './adversary.js';
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
}

export interface HashTask {
  type: 'hash';
  n: number;
  /** Bytes per result value. */
  width: number;
  from: number;
  to: number;
  c: SharedArrayBuffer;
  leaves: SharedArrayBuffer;
  /** Leaf index of row 0 of this matrix (j·n). */
  firstLeaf: number;
}

export interface TreeTask {
  type: 'tree';
  leaves: SharedArrayBuffer;
  /** Leaves in the tree: the first `count` leaf hashes of `leaves`. */
  count: number;
  /** Receives every level, leaves first, one after the other (merkleNodeCount(count) hashes). */
  tree: SharedArrayBuffer;
}

export type Task = GenerateTask | GemmTask | WasmPackTask | WasmMultiplyTask | HashTask | TreeTask;
export type TaskMessage = { id: number; task: Task };
export type TaskReply = { id: number; error?: string };

const vector = (buffer: SharedArrayBuffer, wide: boolean) => (wide ? new Float64Array(buffer) : new Float32Array(buffer));

export function generate(task: GenerateTask): void {
  const wide = task.precision === 'fp64';
  const a = vector(task.a, wide);
  const bt = vector(task.bt, wide);
  const { k } = task;
  for (let i = task.from; i < task.to; i++) {
    const rowA = a.subarray(i * k, (i + 1) * k);
    const colB = bt.subarray(i * k, (i + 1) * k);
    rowOfA(task.precision, task.keyA, i, k, rowA);
    colOfB(task.precision, task.keyB, i, k, colB);
    if (task.roundInputsTo !== undefined) {
      for (let l = 0; l < k; l++) {
        rowA[l] = roundToMantissa(rowA[l]!, task.roundInputsTo);
        colB[l] = roundToMantissa(colB[l]!, task.roundInputsTo);
      }
    }
  }
}

/** A stand-in value of the size an honest entry has (≈ √k), for rows a cheater did not compute. */
const invented = (k: number): number => (randomInt(2_000_001) / 1_000_000 - 1) * Math.sqrt(k);

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
  for (let r = task.from; r < task.to; r++) {
    const out = r * n;
    if (task.skip !== undefined && randomInt(1_000_000) < task.skip * 1_000_000) {
      for (let col = 0; col < n; col++) c[out + col] = invented(k);
      continue;
    }
    resultRow(a, r * k, bt, n, k, c, out, task.accumulate);
    if (task.nan) c[out + (r % n)] = Number.NaN;
  }
}

export function hashRows(task: HashTask): void {
  const bytes = new Uint8Array(task.c);
  const leaves = new Uint8Array(task.leaves);
  const rowBytes = task.n * task.width;
  for (let r = task.from; r < task.to; r++) {
    leaves.set(hashLeaf(bytes.subarray(r * rowBytes, (r + 1) * rowBytes)), (task.firstLeaf + r) * HASH_BYTES);
  }
}

export function buildTree(task: TreeTask): void {
  const out = new Uint8Array(task.tree);
  let offset = 0;
  for (const level of merkleLevels(new Uint8Array(task.leaves, 0, task.count * HASH_BYTES))) {
    out.set(level, offset);
    offset += level.length;
  }
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
  else if (task.type === 'tree') buildTree(task);
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
