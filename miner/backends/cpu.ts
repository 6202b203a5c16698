/**
 * The CPU reference backend: executes a challenge exactly as docs/protocol.md says a miner must (inputs
 * from the seed, fp32 accumulation, fp64 for the fp64 class), with worker threads sharing the matrices.
 * It is the ground truth other backends are compared with, not a way to earn: correct first.
 *
 * Like the GPU backends it keeps no results: each GEMM's rows are hashed into the GEMM's tree as they are
 * produced, and an opening recomputes the band of rows it falls in with the same task, checks the band's
 * leaves against the tree it committed to, and answers from the recomputed rows.
 *
 * Adversaries (./adversary.ts) hook in here, so tests and `flopnet bench` can run every cheat through the
 * real verifier.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FlopnetError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { silentLogger } from '../../shared/log.js';
import { matrixKey } from '../../shared/challenge/elements.js';
import { HASH_BYTES, merkleLevels, merkleProof, merkleRoot } from '../../shared/challenge/merkle.js';
import { PRECISIONS, type Challenge, type DeviceInfo, type RowRef } from '../../shared/challenge/types.js';
import { nextGemmFits, type ExecuteOptions, type Execution, type ExecutionTimings } from './backend.js';
import { NodeBackend, type Dealer, type DeviceWorker, type GemmRowOpening, type WorkerRunOptions } from './node.js';
import { cheaperInputBits, type Adversary } from './adversary.js';
import type { Accumulation, GemmTask, Task, TaskMessage, TaskReply } from './cpu-worker.js';

export interface CpuBackendOptions {
  /** Worker threads (default: the machine's available parallelism). */
  threads?: number;
  /** Make this backend cheat in one of the documented ways (tests, `flopnet bench`). */
  adversary?: Adversary;
  log?: Logger;
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

/** One GEMM's buffers: A (n×k), Bᵀ (n×k: the columns of B), C (n×n) and the leaves of C's rows. */
interface GemmBuffers {
  a: SharedArrayBuffer;
  bt: SharedArrayBuffer;
  c: SharedArrayBuffer;
  leaves: SharedArrayBuffer;
}

/** How this device computes one challenge: the same for its run and for the recomputations of its openings. */
interface Plan {
  challenge: Challenge;
  seed: Uint8Array;
  width: number;
  generate: boolean;
  gemm: Omit<GemmTask, 'from' | 'to' | 'a' | 'bt' | 'c' | 'matrix'>;
  roundInputsTo?: number;
  /** The bands of rows each task covers; an opened row is recomputed with its band's task. */
  bands: [number, number][];
}

/** The CPU as one device of a node (node.ts). */
export class CpuDevice implements DeviceWorker {
  readonly label = 'cpu';
  private readonly threads: number;
  private readonly adversary: Adversary | undefined;
  private readonly log: Logger;
  private pool: WorkerPool | undefined;
  /** Per challenge, each GEMM's tree (levels, leaves first) it committed to. */
  private readonly kept = new Map<string, Map<number, Uint8Array[]>>();
  private closed = false;

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

  private plan(challenge: Challenge, pool: WorkerPool): Plan {
    const adversary = this.adversary;
    const { precision, n } = challenge;
    const wide = precision === 'fp64';
    let seed = challenge.seed;
    if (adversary?.kind === 'wrong-seed') {
      seed = seed.slice();
      seed[0]! ^= 1;
    }
    const cheaper = adversary?.kind === 'precision' ? adversary.cheaper : undefined;
    const roundInputsTo = cheaper === undefined ? undefined : cheaperInputBits(cheaper);
    const accumulate: Accumulation = cheaper === 'fp16acc' ? 'fp16' : wide && cheaper === undefined ? 'fp64' : 'fp32';
    const skip = adversary?.kind === 'lazy' ? adversary.fraction : adversary?.kind === 'fabricate' ? 1 : undefined;
    return {
      challenge,
      seed,
      width: wide ? 8 : 4,
      generate: skip !== 1,
      ...(roundInputsTo === undefined ? {} : { roundInputsTo }),
      gemm: {
        type: 'gemm',
        wide,
        n,
        k: challenge.k,
        accumulate,
        salt: new DataView(challenge.seed.buffer, challenge.seed.byteOffset).getUint32(0, true),
        ...(skip === undefined ? {} : { skip }),
        ...(adversary?.kind === 'nan' ? { nan: true } : {}),
        ...(adversary?.kind === 'swap-rows' ? { swap: true } : {}),
      },
      // Several bands per thread balance the threads' loads; one thread needs one band, and each band
      // is a message to and from the worker per phase of every GEMM.
      bands: bands(n, pool.size > 1 ? pool.size * 4 : 1),
    };
  }

  private buffers(plan: Plan): GemmBuffers {
    const { n, k } = plan.challenge;
    return {
      a: new SharedArrayBuffer(n * k * plan.width),
      bt: new SharedArrayBuffer(n * k * plan.width),
      c: new SharedArrayBuffer(n * n * plan.width),
      leaves: new SharedArrayBuffer(n * HASH_BYTES),
    };
  }

  /** Generates GEMM j's inputs into `buffers` (all of A and B: a band's rows read every column of B). */
  private async generate(pool: WorkerPool, plan: Plan, j: number, buffers: GemmBuffers): Promise<void> {
    if (!plan.generate) return;
    const { precision, k } = plan.challenge;
    const keyA = matrixKey(plan.seed, 'A', j);
    const keyB = matrixKey(plan.seed, 'B', j);
    const rounding = plan.roundInputsTo === undefined ? {} : { roundInputsTo: plan.roundInputsTo };
    await Promise.all(plan.bands.map(([from, to]) => pool.run({ type: 'generate', precision, keyA, keyB, k, from, to, a: buffers.a, bt: buffers.bt, ...rounding })));
  }

  /** Multiplies and hashes the rows of `bands` of GEMM j. */
  private async multiply(pool: WorkerPool, plan: Plan, j: number, buffers: GemmBuffers, bands: readonly [number, number][]): Promise<void> {
    const { a, bt, c } = buffers;
    await Promise.all(bands.map(([from, to]) => pool.run({ ...plan.gemm, from, to, a, bt, c, matrix: j })));
  }

  private async hash(pool: WorkerPool, plan: Plan, buffers: GemmBuffers, bands: readonly [number, number][]): Promise<void> {
    const n = plan.challenge.n;
    await Promise.all(bands.map(([from, to]) => pool.run({ type: 'hash', n, width: plan.width, from, to, c: buffers.c, leaves: buffers.leaves })));
  }

  async run(challenge: Challenge, dealer: Dealer, { signal, stopAt, finishMs, done }: WorkerRunOptions): Promise<ExecutionTimings> {
    await this.start();
    const pool = this.pool!;
    const plan = this.plan(challenge, pool);
    const buffers = this.buffers(plan);
    const kept = new Map<number, Uint8Array[]>();
    this.kept.set(challenge.id, kept);
    const timings: ExecutionTimings = { generateMs: 0, gemmMs: 0, hashMs: 0 };
    const phase = async (name: keyof ExecutionTimings, work: () => Promise<unknown>) => {
      signal?.throwIfAborted();
      const t0 = performance.now();
      await work();
      timings[name] += performance.now() - t0;
    };
    // Pace of one GEMM (generate, multiply, hash its rows and its tree), the slowest so far.
    let slowestGemmMs = 0;
    for (let count = 0; nextGemmFits(stopAt, count, slowestGemmMs, finishMs(count + 1)); count++) {
      const j = dealer.next();
      if (j === undefined) break;
      const gemmStarted = performance.now();
      await phase('generateMs', () => this.generate(pool, plan, j, buffers));
      await phase('gemmMs', () => this.multiply(pool, plan, j, buffers, plan.bands));
      await phase('hashMs', () => this.hash(pool, plan, buffers, plan.bands));
      // The GEMM's tree here: n hashes (a few hundred µs for a CPU's n), cheaper than a worker round trip.
      let levels: Uint8Array[] = [];
      await phase('hashMs', async () => (levels = merkleLevels(new Uint8Array(new Uint8Array(buffers.leaves)))));
      kept.set(j, levels);
      done(j, merkleRoot(levels));
      slowestGemmMs = Math.max(slowestGemmMs, performance.now() - gemmStarted);
    }
    this.log.debug('ran challenge', { id: challenge.id, precision: challenge.precision, gemms: kept.size, ...timings });
    return timings;
  }

  /**
   * Recomputes the bands the rows fall in, GEMM by GEMM, with the tasks that computed them first, and
   * checks each recomputed row's leaf against the tree committed to before answering from it.
   */
  async open(challenge: Challenge, rows: readonly RowRef[]): Promise<GemmRowOpening[]> {
    await this.start();
    const pool = this.pool!;
    const kept = this.kept.get(challenge.id);
    const plan = this.plan(challenge, pool);
    const { n } = challenge;
    const rowBytes = n * plan.width;
    const buffers = this.buffers(plan);
    const out: GemmRowOpening[] = new Array(rows.length);
    for (const j of new Set(rows.map((r) => r.matrix))) {
      const levels = kept?.get(j);
      if (!levels) throw new FlopnetError(`GEMM ${j} of challenge ${challenge.id} was not computed on ${this.label}`, { code: 'E_UNKNOWN_CHALLENGE' });
      const mine = rows.map((ref, i) => ({ ...ref, i })).filter((ref) => ref.matrix === j);
      const needed = plan.bands.filter(([from, to]) => mine.some(({ row }) => row >= from && row < to));
      await this.generate(pool, plan, j, buffers);
      await this.multiply(pool, plan, j, buffers, needed);
      await this.hash(pool, plan, buffers, needed);
      const leaves = new Uint8Array(buffers.leaves);
      for (const [from, to] of needed) {
        const recomputed = leaves.subarray(from * HASH_BYTES, to * HASH_BYTES);
        if (!Buffer.from(recomputed).equals(Buffer.from(levels[0]!.subarray(from * HASH_BYTES, to * HASH_BYTES)))) {
          throw new FlopnetError(`recomputed rows ${from}..${to - 1} of GEMM ${j} on ${this.label} differ from the rows committed to: not answering with them`, {
            code: 'E_RECOMPUTE_MISMATCH',
          });
        }
      }
      for (const { row, i } of mine) {
        const data = new Uint8Array(new Uint8Array(buffers.c, row * rowBytes, rowBytes));
        const path = merkleProof(levels, row);
        if (this.adversary?.kind === 'forge-path') {
          if (path.length > 0) path[0]![0]! ^= 1;
          else data[0]! ^= 1;
        }
        out[i] = { data, path };
      }
    }
    return out;
  }

  async release(challengeId: string): Promise<void> {
    this.kept.delete(challengeId);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.kept.clear();
    await this.pool?.close();
    this.pool = undefined;
  }
}

/** The CPU reference backend: a node of one CPU device. */
export class CpuBackend extends NodeBackend {
  private readonly adversary: Adversary | undefined;

  constructor(options: CpuBackendOptions = {}) {
    super([new CpuDevice(options)], { kind: 'cpu', ...(options.log ? { log: options.log.child('cpu') } : {}) });
    this.adversary = options.adversary;
  }

  /** As a node does; the `late` adversary then holds the root until the window is over. */
  override async execute(challenge: Challenge, options: ExecuteOptions = {}): Promise<Execution> {
    const started = performance.now();
    const execution = await super.execute(challenge, options);
    if (this.adversary?.kind === 'late') await delay(Math.max(0, challenge.deadlineMs - (performance.now() - started)) + 50, options.signal);
    return execution;
  }
}

export function createCpuBackend(options: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(options);
}
