/**
 * The CPU reference backend: executes a challenge exactly as docs/protocol.md says a miner must (inputs
 * from the seed, fp32 accumulation, fp64 for the fp64 class), with worker threads sharing the matrices.
 * It is the ground truth other backends are compared with, not a way to earn: correct first.
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
import { PRECISIONS, type Challenge, type DeviceInfo, type RowOpening, type RowRef } from '../../shared/challenge/types.js';
import { resultBytes } from '../../shared/challenge/verify.js';
import { heldForOpening, nextGemmFits, type ComputeBackend, type ExecuteOptions, type Execution, type ExecutionTimings } from './backend.js';
import { cheaperInputBits, type Adversary } from './adversary.js';
import type { Accumulation, Task, TaskMessage, TaskReply } from './cpu-worker.js';

export interface CpuBackendOptions {
  /** Worker threads (default: the machine's available parallelism). */
  threads?: number;
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

  constructor(size: number, log: Logger) {
    const loaded: Promise<void>[] = [];
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./cpu-worker.mjs', import.meta.url), { workerData: { flopnetCpuWorker: true } });
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

/** Splits rows 0..count into about `parts` contiguous bands. */
function bands(count: number, parts: number): [number, number][] {
  const size = Math.max(1, Math.ceil(count / parts));
  const out: [number, number][] = [];
  for (let from = 0; from < count; from += size) out.push([from, Math.min(count, from + size)]);
  return out;
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
  private pool: WorkerPool | undefined;
  private readonly held = new Map<string, Held>();
  private closed = false;
  /** Merkle tree time per leaf on this machine, learnt from each big tree (SHA-256 in JS: ~1.5 µs). */
  private treeMsPerLeaf = 0.005;

  constructor(options: CpuBackendOptions = {}) {
    this.threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    this.adversary = options.adversary;
    this.log = (options.log ?? silentLogger).child('cpu');
  }

  async describe(): Promise<DeviceInfo> {
    return {
      backend: 'cpu',
      name: (cpus()[0]?.model ?? 'CPU').trim().slice(0, 256),
      memoryBytes: totalmem(),
      precisions: [...PRECISIONS],
      detail: `${this.threads} worker threads, reference implementation${this.adversary ? `, adversary ${this.adversary.kind}` : ''}`,
    };
  }

  /** Starts the worker threads and waits until their code is loaded, so the first challenge is not slowed. */
  async start(): Promise<void> {
    if (this.closed) throw new FlopnetError('the CPU backend is closed', { code: 'E_BACKEND_CLOSED' });
    this.pool ??= new WorkerPool(this.threads, this.log);
    await this.pool.ready;
  }

  async execute(challenge: Challenge, options: ExecuteOptions = {}): Promise<Execution> {
    await this.start();
    const pool = this.pool!;
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

    const a = new SharedArrayBuffer(n * k * width);
    const bt = new SharedArrayBuffer(n * k * width);
    const leaves = new SharedArrayBuffer(m * n * HASH_BYTES);
    const results: SharedArrayBuffer[] = [];
    const timings: ExecutionTimings = { generateMs: 0, gemmMs: 0, hashMs: 0 };
    // Several bands per thread balance the threads' loads; one thread needs one band, and each band
    // is a message to and from the worker per phase of every GEMM.
    const rowBands = bands(n, pool.size > 1 ? pool.size * 4 : 1);
    const phase = async (name: keyof ExecutionTimings, tasks: Task[]) => {
      signal?.throwIfAborted();
      const t0 = performance.now();
      await Promise.all(tasks.map((task) => pool.run(task)));
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
      await phase('gemmMs', rowBands.map(([from, to]) => ({ type: 'gemm', wide, n, k, from, to, a, bt, c, accumulate, ...(skip === undefined ? {} : { skip }), ...(adversary?.kind === 'nan' ? { nan: true } : {}) })));
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
