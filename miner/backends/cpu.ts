/**
 * The CPU backend: executes a challenge exactly as docs/protocol.md says a miner must (inputs from the
 * seed, fp32 accumulation, fp64 for the fp64 class), with worker threads sharing the matrices.
 *
 * Generation and hashing run on the worker threads; the GEMM on the fastest kernel that passed its
 * start-up self-test (gemm/select.ts): the machine's BLAS, else the WebAssembly SIMD kernel on the same
 * worker threads, else the JavaScript reference. The three stages of a GEMM run one after the other,
 * each on every core (the BLAS gets as many threads as the pool has), so they never compete for cores.
 *
 * Adversaries (./adversary.ts) hook in here, so tests and `flopnet bench` can run every cheat through the
 * real verifier.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FlopnetError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { silentLogger } from '../../shared/log.js';
import { committedPart } from '../../shared/challenge/challenge.js';
import { matrixKey } from '../../shared/challenge/elements.js';
import { HASH_BYTES, merkleNodeCount, merkleProof, merkleRoot } from '../../shared/challenge/merkle.js';
import { PRECISIONS, type Challenge, type DeviceInfo, type Precision, type RowOpening, type RowRef } from '../../shared/challenge/types.js';
import { resultBytes } from '../../shared/challenge/verify.js';
import { heldForOpening, nextGemmFits, type ComputeBackend, type ExecuteOptions, type Execution, type ExecutionTimings, type GemmRate } from './backend.js';
import { cheaperInputBits, type Adversary } from './adversary.js';
import type { Accumulation, CpuWorkerData, Task, TaskMessage, TaskReply } from './cpu-worker.js';
import { bands } from './gemm/kernel.js';
import { selectGemmKernel, type GemmPreference, type GemmSelection } from './gemm/select.js';
import { timeGemm, timingOperands } from './gemm/timing.js';
import { createWasmGemmShared, type WasmGemmShared } from './gemm/wasm.js';

export interface CpuBackendOptions {
  /** Worker threads, and the BLAS library's threads (default: the machine's available parallelism). */
  threads?: number;
  /** GEMM kernel: 'auto' (default) is the fastest that passes its self-test; a name forces that one. */
  gemm?: GemmPreference;
  /** BLAS library to use (`--blas PATH`) instead of searching (gemm/blas.ts says where). */
  blas?: string;
  /** Make this backend cheat in one of the documented ways (tests, `flopnet bench`). */
  adversary?: Adversary;
  log?: Logger;
}

interface Held {
  challenge: Challenge;
  results: SharedArrayBuffer[];
  levels: Uint8Array[];
}

/** A fixed set of worker threads, each taking one task at a time. */
class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: { message: TaskMessage; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void; worker: Worker }>();
  private nextId = 1;
  private closed = false;
  /** Resolves when every worker has loaded its code (reply id 0). */
  readonly ready: Promise<void>;

  constructor(size: number, log: Logger, wasmGemm?: WasmGemmShared) {
    const loaded: Promise<void>[] = [];
    const workerData: CpuWorkerData = { flopnetCpuWorker: true, ...(wasmGemm ? { wasmGemm } : {}) };
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./cpu-worker.mjs', import.meta.url), { workerData });
      loaded.push(
        new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        }),
      );
      worker.on('message', (reply: TaskReply) => this.settle(worker, reply));
      worker.on('error', (error) => {
        log.error('cpu worker failed', { error });
        this.failAll(new FlopnetError(`CPU worker thread failed: ${error.message}`, { code: 'E_BACKEND_WORKER', cause: error }));
      });
      this.workers.push(worker);
    }
    this.ready = Promise.all(loaded).then(() => {
      for (const worker of this.workers) {
        worker.unref();
        this.idle.push(worker);
      }
      this.dispatch();
    });
    // Surfaced through run(): a worker that fails to load rejects every task.
    this.ready.catch((error: Error) =>
      this.failAll(new FlopnetError(`CPU worker thread failed to start: ${error.message}`, { code: 'E_BACKEND_WORKER', cause: error })),
    );
  }

  get size(): number {
    return this.workers.length;
  }

  run(task: Task): Promise<void> {
    if (this.closed) return Promise.reject(new FlopnetError('the CPU backend is closed', { code: 'E_BACKEND_CLOSED' }));
    return new Promise((resolve, reject) => {
      this.waiting.push({ message: { id: this.nextId++, task }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.waiting.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.waiting.shift()!;
      this.pending.set(job.message.id, { resolve: job.resolve, reject: job.reject, worker });
      // A busy worker keeps the process alive; an idle one must not hold a finished CLI command open.
      worker.ref();
      worker.postMessage(job.message);
    }
  }

  private settle(worker: Worker, reply: TaskReply): void {
    const job = this.pending.get(reply.id);
    if (!job) return;
    this.pending.delete(reply.id);
    worker.unref();
    this.idle.push(worker);
    if (reply.error) job.reject(new FlopnetError(`CPU worker task failed: ${reply.error}`, { code: 'E_BACKEND_WORKER' }));
    else job.resolve();
    this.dispatch();
  }

  private failAll(error: Error): void {
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
    for (const job of this.waiting.splice(0)) job.reject(error);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new FlopnetError('the CPU backend was closed', { code: 'E_BACKEND_CLOSED' }));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

const delay = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

export class CpuBackend implements ComputeBackend {
  readonly kind = 'cpu' as const;
  private readonly threads: number;
  private readonly adversary: Adversary | undefined;
  private readonly log: Logger;
  private readonly gemmPreference: GemmPreference;
  private readonly blas: string | undefined;
  private pool: WorkerPool | undefined;
  private starting: Promise<GemmSelection> | undefined;
  private gemm: GemmSelection | undefined;
  private readonly held = new Map<string, Held>();
  private closed = false;
  /** Merkle tree time per leaf on this machine, learnt from each big tree (SHA-256 in JS: ~1.5 µs). */
  private treeMsPerLeaf = 0.005;

  constructor(options: CpuBackendOptions = {}) {
    this.threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    this.adversary = options.adversary;
    this.log = (options.log ?? silentLogger).child('cpu');
    this.gemmPreference = options.gemm ?? 'auto';
    this.blas = options.blas;
  }

  async describe(): Promise<DeviceInfo> {
    const gemm = this.gemm?.kernel;
    return {
      backend: 'cpu',
      name: (cpus()[0]?.model ?? 'CPU').trim().slice(0, 256),
      memoryBytes: totalmem(),
      precisions: [...PRECISIONS],
      detail: `${this.threads} worker threads; GEMM ${gemm ? `${gemm.name}: ${gemm.detail}` : 'not chosen yet'}${this.adversary ? `; adversary ${this.adversary.kind}` : ''}`.slice(0, 1024),
    };
  }

  /** The GEMM kernels considered at start (what passed, what did not and why, measured speeds). */
  gemmReport(): GemmSelection['report'] {
    return this.gemm?.report ?? [];
  }

  /**
   * Starts the worker threads and chooses the GEMM kernel (self-tests included), so the first challenge
   * is not slowed by either.
   */
  async start(): Promise<void> {
    if (this.closed) throw new FlopnetError('the CPU backend is closed', { code: 'E_BACKEND_CLOSED' });
    this.starting ??= this.startOnce();
    this.gemm = await this.starting;
  }

  private async startOnce(): Promise<GemmSelection> {
    let wasm: WasmGemmShared | Error | undefined;
    if (this.gemmPreference === 'auto' || this.gemmPreference === 'wasm') {
      try {
        wasm = createWasmGemmShared();
      } catch (error) {
        wasm = error instanceof Error ? error : new Error(String(error));
      }
    }
    this.pool = new WorkerPool(this.threads, this.log, wasm instanceof Error ? undefined : wasm);
    // Selection starts the BLAS self-test's child process at once; its tasks for the threads wait for them.
    const [selection] = await Promise.all([
      selectGemmKernel({ pool: this.pool, threads: this.threads, prefer: this.gemmPreference, ...(this.blas ? { blas: this.blas } : {}), ...(wasm ? { wasm } : {}), log: this.log }),
      this.pool.ready,
    ]);
    const chosen = selection.kernel;
    this.log.info(`GEMM on ${chosen.name}: ${chosen.detail}`);
    for (const r of selection.report) {
      if (r.kernel === chosen.name) continue;
      const speed = r.gflops ? ` (${r.gflops.toFixed(1)} GFLOP/s against ${selection.report.find((x) => x.kernel === chosen.name)?.gflops?.toFixed(1)})` : '';
      this.log.info(r.ok ? `GEMM ${r.kernel} passed over${speed}: ${r.detail}` : `GEMM ${r.kernel} unavailable: ${r.detail}`);
    }
    return selection;
  }

  async execute(challenge: Challenge, options: ExecuteOptions = {}): Promise<Execution> {
    await this.start();
    const pool = this.pool!;
    const gemm = this.gemm!;
    const { signal, onProgress } = options;
    const started = performance.now();
    const adversary = this.adversary;
    const { precision, m, n, k } = challenge;
    const wide = precision === 'fp64';
    const width = wide ? 8 : 4;

    let seed = challenge.seed;
    if (adversary?.kind === 'wrong-seed') {
      seed = seed.slice();
      seed[0]! ^= 1;
    }
    const cheaper = adversary?.kind === 'precision' ? adversary.cheaper : undefined;
    const roundInputsTo = cheaper === undefined ? undefined : cheaperInputBits(cheaper);
    const accumulate: Accumulation = cheaper === 'fp16acc' ? 'fp16' : wide && cheaper === undefined ? 'fp64' : 'fp32';
    const skip = adversary?.kind === 'lazy' ? adversary.fraction : adversary?.kind === 'fabricate' ? 1 : undefined;
    // Cheats in the product itself run on the reference, the one kernel that can skip rows or round to fp16.
    const cheatInProduct = accumulate === 'fp16' || skip !== undefined || adversary?.kind === 'nan';

    const a = new SharedArrayBuffer(n * k * width);
    const bt = new SharedArrayBuffer(n * k * width);
    const leaves = new SharedArrayBuffer(m * n * HASH_BYTES);
    const results: SharedArrayBuffer[] = [];
    const timings: ExecutionTimings = { generateMs: 0, gemmMs: 0, hashMs: 0 };
    // Several bands per thread balance the threads' loads; one thread needs one band, and each band
    // is a message to and from the worker per phase of every GEMM.
    const rowBands = bands(n, pool.size > 1 ? pool.size * 4 : 1);
    const phase = async (name: keyof ExecutionTimings, work: Task[] | (() => Promise<void>)) => {
      signal?.throwIfAborted();
      const t0 = performance.now();
      await (typeof work === 'function' ? work() : Promise.all(work.map((task) => pool.run(task))));
      timings[name] += performance.now() - t0;
    };

    // Pace of one GEMM (generate, multiply, hash its rows), the slowest so far; the tree's cost from
    // what the last tree took per leaf, with room for a busier moment.
    let slowestGemmMs = 0;
    let gemms = 0;
    const treeMs = (leafCount: number) => 1.5 * leafCount * this.treeMsPerLeaf;
    while (gemms < m && nextGemmFits(options.stopAt, gemms, slowestGemmMs, treeMs((gemms + 1) * n))) {
      const j = gemms;
      const gemmStarted = performance.now();
      const c = new SharedArrayBuffer(n * n * width);
      results.push(c);
      if (skip !== 1) {
        const keyA = matrixKey(seed, 'A', j);
        const keyB = matrixKey(seed, 'B', j);
        await phase('generateMs', rowBands.map(([from, to]) => ({ type: 'generate', precision, keyA, keyB, k, from, to, a, bt, ...(roundInputsTo === undefined ? {} : { roundInputsTo }) })));
      }
      const operands = { precision, n, k, a, bt, c };
      if (cheatInProduct) {
        const variant = { accumulate, ...(skip === undefined ? {} : { skip }), ...(adversary?.kind === 'nan' ? { nan: true } : {}) };
        await phase('gemmMs', () => gemm.reference.multiply(operands, rowBands, variant));
      } else {
        await phase('gemmMs', () => gemm.kernel.multiply(operands, rowBands));
      }
      if (adversary?.kind === 'swap-rows') swapRowPairs(new Uint8Array(c), n * width, n);
      await phase('hashMs', rowBands.map(([from, to]) => ({ type: 'hash', n, width, from, to, c, leaves, firstLeaf: j * n })));
      gemms++;
      slowestGemmMs = Math.max(slowestGemmMs, performance.now() - gemmStarted);
      onProgress?.(gemms / m);
    }
    const t0 = performance.now();
    const levels = await this.tree(pool, leaves, gemms * n);
    const treeTook = performance.now() - t0;
    timings.hashMs += treeTook;
    // Small trees time mostly fixed costs: learn the per-leaf cost from trees big enough to matter.
    if (gemms * n >= 4096) this.treeMsPerLeaf = treeTook / (gemms * n);
    const committed = committedPart(challenge, gemms);
    this.held.set(challenge.id, { challenge: committed, results, levels });
    if (adversary?.kind === 'late') await delay(Math.max(0, challenge.deadlineMs - (performance.now() - started)) + 50, signal);
    this.log.debug('executed challenge', { id: challenge.id, precision, gemms, m, n, k, ...timings });
    return { challengeId: challenge.id, gemms, root: merkleRoot(levels), timings };
  }

  /** The chosen GEMM kernel alone at n×k, over about `seconds` (gemm/timing.ts). */
  async measureGemm(precision: Precision, n: number, k: number, seconds = 2): Promise<GemmRate> {
    await this.start();
    return timeGemm(this.gemm!.kernel, timingOperands(precision, n, k), bands(n, this.pool!.size > 1 ? this.pool!.size * 4 : 1), seconds);
  }

  /** The tree's levels over the first `count` leaves, built on a worker thread. */
  private async tree(pool: WorkerPool, leaves: SharedArrayBuffer, count: number): Promise<Uint8Array[]> {
    const tree = new SharedArrayBuffer(merkleNodeCount(count) * HASH_BYTES);
    await pool.run({ type: 'tree', leaves, count, tree });
    const levels: Uint8Array[] = [];
    for (let offset = 0, width = count; ; width = Math.ceil(width / 2)) {
      levels.push(new Uint8Array(tree, offset * HASH_BYTES, width * HASH_BYTES));
      offset += width;
      if (width === 1) return levels;
    }
  }

  async open(challengeId: string, rows: readonly RowRef[]): Promise<RowOpening[]> {
    const held = heldForOpening(this.held, challengeId, rows);
    const { n, precision } = held.challenge;
    const rowBytes = n * resultBytes(precision);
    return rows.map(({ matrix, row }) => {
      const data = new Uint8Array(held.results[matrix]!, row * rowBytes, rowBytes).slice();
      const path = merkleProof(held.levels, matrix * n + row);
      if (this.adversary?.kind === 'forge-path') {
        if (path.length > 0) path[0]![0]! ^= 1;
        else data[0]! ^= 1;
      }
      return { matrix, row, data, path };
    });
  }

  async release(challengeId: string): Promise<void> {
    this.held.delete(challengeId);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.held.clear();
    // A start still choosing its kernel finishes first, so its worker threads are ended too.
    const selection = await this.starting?.catch(() => undefined);
    await selection?.kernel.close();
    await this.pool?.close();
    this.pool = undefined;
  }
}

function swapRowPairs(bytes: Uint8Array, rowBytes: number, n: number): void {
  const tmp = new Uint8Array(rowBytes);
  for (let r = 0; r + 1 < n; r += 2) {
    tmp.set(bytes.subarray(r * rowBytes, (r + 1) * rowBytes));
    bytes.copyWithin(r * rowBytes, (r + 1) * rowBytes, (r + 2) * rowBytes);
    bytes.set(tmp, (r + 1) * rowBytes);
  }
}

export function createCpuBackend(options: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(options);
}
