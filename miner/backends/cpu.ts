/**
 * The CPU backend: executes a challenge exactly as docs/protocol.md says a miner must (inputs from the
 * seed, fp32 accumulation, fp64 for the fp64 class), with worker threads sharing the matrices.
 *
 * Generation and hashing run on the worker threads; the GEMM on the fastest kernel that passed its
 * start-up self-test (gemm/select.ts): the machine's BLAS, else the WebAssembly SIMD kernel on the same
 * worker threads, else the JavaScript reference. The three stages of a GEMM run one after the other,
 * each on every core (the BLAS gets as many threads as the pool has), so they never compete for cores.
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
import { HASH_BYTES, merkleProof, merkleRoot } from '../../shared/challenge/merkle.js';
import { PRECISIONS, type Challenge, type DeviceInfo, type Precision, type RowRef } from '../../shared/challenge/types.js';
import { nextGemmFits, type ExecuteOptions, type Execution, type ExecutionTimings, type GemmRate } from './backend.js';
import { NodeBackend, type Dealer, type DeviceWorker, type GemmRowOpening, type WorkerRunOptions } from './node.js';
import { cheaperInputBits, type Adversary } from './adversary.js';
import { completeTree, treeLayout } from './cpu-tree.js';
import type { Accumulation, CpuWorkerData, GemmTask, Task, TaskMessage, TaskReply } from './cpu-worker.js';
import { bands, type GemmKernel } from './gemm/kernel.js';
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
  /** The product is honest (no cheat changes it), so the chosen GEMM kernel computes it; else the reference's tasks. */
  honestProduct: boolean;
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
  private readonly gemmPreference: GemmPreference;
  private readonly blas: string | undefined;
  private pool: WorkerPool | undefined;
  private starting: Promise<GemmSelection> | undefined;
  private gemm: GemmSelection | undefined;
  /** Per challenge, each GEMM's tree (levels, leaves first) it committed to. */
  private readonly kept = new Map<string, Map<number, Uint8Array[]>>();
  private closed = false;

  constructor(options: CpuBackendOptions = {}) {
    this.threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    this.adversary = options.adversary;
    this.log = (options.log ?? silentLogger).child('cpu');
    this.gemmPreference = options.gemm ?? 'auto';
    this.blas = options.blas;
  }

  /** Starts first: the GEMM kernel is part of what the device is. */
  async describe(): Promise<DeviceInfo> {
    await this.start();
    const gemm = this.gemmKernel();
    return {
      backend: 'cpu',
      name: (cpus()[0]?.model ?? 'CPU').trim().slice(0, 256),
      memoryBytes: totalmem(),
      precisions: [...PRECISIONS],
      detail: `${this.threads} worker threads; GEMM ${gemm.name}: ${gemm.detail}${this.adversary ? `; adversary ${this.adversary.kind}` : ''}`.slice(0, 1024),
    };
  }

  /** The GEMM kernel in use now (a kernel that computed a wrong entry has been replaced); after start. */
  gemmKernel(): Pick<GemmKernel, 'name' | 'detail'> {
    const kernel = this.gemm?.kernel;
    return kernel ? { name: kernel.name, detail: kernel.detail } : { name: 'js', detail: 'not started' };
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

  /** The chosen GEMM kernel alone at n×k, over about `seconds` (gemm/timing.ts). */
  async measureGemm(precision: Precision, n: number, k: number, seconds = 2): Promise<GemmRate> {
    await this.start();
    return timeGemm(this.gemm!.kernel, timingOperands(precision, n, k), bands(n, this.pool!.size > 1 ? this.pool!.size * 4 : 1), seconds);
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
      // Cheats in the product itself run on the reference, the one kernel that can skip rows, plant NaN, swap or round to fp16.
      honestProduct: accumulate !== 'fp16' && skip === undefined && adversary?.kind !== 'nan' && adversary?.kind !== 'swap-rows',
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

  /**
   * Multiplies the rows of `bands` of GEMM j: on the chosen kernel, which gives a band the same bits
   * whenever it is recomputed (gemm/kernel.ts), or with the reference's tasks when a cheat is in the product.
   */
  private async multiply(pool: WorkerPool, plan: Plan, j: number, buffers: GemmBuffers, bands: readonly [number, number][]): Promise<void> {
    const { a, bt, c } = buffers;
    const { precision, n, k } = plan.challenge;
    if (plan.honestProduct) await this.gemm!.kernel.multiply({ precision, n, k, a, bt, c }, bands);
    else await Promise.all(bands.map(([from, to]) => pool.run({ ...plan.gemm, from, to, a, bt, c, matrix: j })));
  }

  /** Hashes the rows of `bands` into `leaves`; with `tree`, `leaves` begins the GEMM's whole tree, and each band hashes its own nodes of it. */
  private async hash(pool: WorkerPool, plan: Plan, c: SharedArrayBuffer, leaves: SharedArrayBuffer, bands: readonly [number, number][], tree = false): Promise<void> {
    const n = plan.challenge.n;
    await Promise.all(bands.map(([from, to]) => pool.run({ type: 'hash', n, width: plan.width, from, to, c, leaves, tree })));
  }

  async run(challenge: Challenge, dealer: Dealer, { signal, stopAt, finishMs, done }: WorkerRunOptions): Promise<ExecutionTimings> {
    await this.start();
    const pool = this.pool!;
    const plan = this.plan(challenge, pool);
    const n = challenge.n;
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
      // A tree per GEMM (kept for its openings): the workers hash the rows and the nodes inside their bands, this thread the rest.
      const tree = new SharedArrayBuffer(treeLayout(n).at(-1)!);
      let levels: Uint8Array[] = [];
      await phase('hashMs', async () => {
        await this.hash(pool, plan, buffers.c, tree, plan.bands, true);
        levels = completeTree(new Uint8Array(tree), n, plan.bands);
      });
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
      await this.hash(pool, plan, buffers.c, buffers.leaves, needed);
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
    // A start still choosing its kernel finishes first, so its worker threads are ended too.
    const selection = await this.starting?.catch(() => undefined);
    await selection?.kernel.close();
    await this.pool?.close();
    this.pool = undefined;
  }
}

/** The CPU backend: a node of one CPU device. */
export class CpuBackend extends NodeBackend {
  private readonly adversary: Adversary | undefined;
  private readonly device: CpuDevice;

  constructor(options: CpuBackendOptions = {}) {
    const device = new CpuDevice(options);
    super([device], { kind: 'cpu', ...(options.log ? { log: options.log.child('cpu') } : {}) });
    this.device = device;
    this.adversary = options.adversary;
  }

  measureGemm(precision: Precision, n: number, k: number, seconds?: number): Promise<GemmRate> {
    return this.device.measureGemm(precision, n, k, seconds);
  }

  gemmKernel(): Pick<GemmKernel, 'name' | 'detail'> {
    return this.device.gemmKernel();
  }

  gemmReport(): GemmSelection['report'] {
    return this.device.gemmReport();
  }

  /** As a node does; the `late` adversary then holds the root until the window is over. */
  override async execute(challenge: Challenge, options: ExecuteOptions = {}): Promise<Execution> {
    const started = performance.now();
    const execution = await super.execute(challenge, options);
    if (this.adversary?.kind === 'late') await delay(Math.max(0, challenge.deadlineMs - (performance.now() - started)) + 50, options.signal);
    return execution;
  }
}
