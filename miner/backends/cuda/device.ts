/**
 * One CUDA GPU as a device of a node (../node.ts): inputs generated on the GPU by the project's Philox
 * kernel, products by cuBLAS (cuBLASLt for fp8), result rows hashed and reduced on the GPU; only 32 bytes
 * per band of rows cross to the host.
 *
 * No memory ceiling: a challenge holds one GEMM's working set (two with the overlap pipeline) whatever
 * its m. Each GEMM's result is hashed as soon as it is produced and its buffer reused for the next GEMM;
 * the device keeps the roots of each GEMM's bands of rows (a band is 2^b rows at a multiple of 2^b, so
 * its root is a node of the GEMM's tree) and answers an opening by recomputing the band the row falls in,
 * checking the recomputed band against the root it committed to, and only then answering from it.
 *
 * Recomputing gives the same bits because every condition of cuBLAS's reproducibility guarantee holds
 * (cuBLAS guide, "Results reproducibility"; docs/protocol.md §13):
 *   - the same device (openings go to the device that computed the GEMM), so the same architecture,
 *     SM count and library version;
 *   - the same call: the band's shape, types, compute type, transposes and leading dimensions, with
 *     buffers laid out as in the first computation (the band at the same offset of a buffer of the same
 *     size, so the same alignment);
 *   - one cuBLAS handle bound to one stream, with a fixed user workspace (cublasSetWorkspace): cuBLAS
 *     then chooses the same kernel every time, also while generation and hashing run on other streams;
 *   - CUBLAS_GEMM_DEFAULT and the default atomics mode (no atomics: split-K reductions, when chosen,
 *     are deterministic); the math mode is never changed, so NVIDIA_TF32_OVERRIDE must not change
 *     while the miner runs.
 * The check against the committed root catches anything that breaks this anyway (E_RECOMPUTE_MISMATCH):
 * the miner then answers with an error naming the GEMM and the device, never with rows it did not commit.
 *
 * Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ. A is stored by rows and B by columns (the lines of
 * docs/protocol.md §3.3), so B is column-major k×n and cuBLAS gets it first, transposed ("TN"), for every
 * class; it is also the only layout FP8 runs in on sm 8.9/9.0.
 */
import { FlopnetError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import { silentLogger } from '../../../shared/log.js';
import { element, matrixKey, type MatrixKey } from '../../../shared/challenge/elements.js';
import { HASH_BYTES, hashLeaf, merkleLevels, merkleNodeCount, merkleProof, merkleRoot } from '../../../shared/challenge/merkle.js';
import { PRECISIONS, type Challenge, type DeviceInfo, type Precision, type RowRef } from '../../../shared/challenge/types.js';
import { nextGemmFits, type ExecutionTimings } from '../backend.js';
import type { Dealer, DeviceWorker, GemmRowOpening, WorkerRunOptions } from '../node.js';
import { CudaError } from './errors.js';
import {
  CUBLAS_COMPUTE_32F,
  CUBLAS_COMPUTE_32F_FAST_TF32,
  CUBLAS_COMPUTE_64F,
  CUBLAS_OP_N,
  CUBLAS_OP_T,
  CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
  CUDA_R_16BF,
  CUDA_R_16F,
  CUDA_R_32F,
  CUDA_R_64F,
  CUDA_R_8F_E4M3,
  type CudaLibraries,
  type DevicePtr,
  type Handle,
} from './ffi.js';

interface ClassPlan {
  /** Bytes per input element in the class's storage type. */
  inputBytes: number;
  inputType: number;
  /** fp64 results for fp64, fp32 for every other class. */
  outputBytes: number;
  outputType: number;
  computeType: number;
  /** FP8 goes through cuBLASLt (GemmEx has no FP8 path). */
  lt: boolean;
  /** Lowest compute capability (major·10 + minor) with a usable cuBLAS path for the class. */
  minCapability: number;
}

export const CLASS_PLANS: Readonly<Record<Precision, ClassPlan>> = {
  fp64: { inputBytes: 8, inputType: CUDA_R_64F, outputBytes: 8, outputType: CUDA_R_64F, computeType: CUBLAS_COMPUTE_64F, lt: false, minCapability: 50 },
  // Plain COMPUTE_32F: no tensor cores, so no tf32 rounding sneaks in (unless NVIDIA_TF32_OVERRIDE=1 forces it).
  fp32: { inputBytes: 4, inputType: CUDA_R_32F, outputBytes: 4, outputType: CUDA_R_32F, computeType: CUBLAS_COMPUTE_32F, lt: false, minCapability: 50 },
  tf32: { inputBytes: 4, inputType: CUDA_R_32F, outputBytes: 4, outputType: CUDA_R_32F, computeType: CUBLAS_COMPUTE_32F_FAST_TF32, lt: false, minCapability: 80 },
  bf16: { inputBytes: 2, inputType: CUDA_R_16BF, outputBytes: 4, outputType: CUDA_R_32F, computeType: CUBLAS_COMPUTE_32F, lt: false, minCapability: 80 },
  fp16: { inputBytes: 2, inputType: CUDA_R_16F, outputBytes: 4, outputType: CUDA_R_32F, computeType: CUBLAS_COMPUTE_32F, lt: false, minCapability: 70 },
  fp8: { inputBytes: 1, inputType: CUDA_R_8F_E4M3, outputBytes: 4, outputType: CUDA_R_32F, computeType: CUBLAS_COMPUTE_32F, lt: true, minCapability: 89 },
};

/** The classes a device of compute capability major.minor runs. */
export function precisionsFor(major: number, minor: number): Precision[] {
  return PRECISIONS.filter((p) => major * 10 + minor >= CLASS_PLANS[p].minCapability);
}

/** cuBLAS's and cuBLASLt's workspace, one buffer for both (they run on one stream): NVIDIA's advice for Hopper. */
export const WORKSPACE_BYTES = 32 << 20;
export const KERNELS = ['flopnet_hash_rows', 'flopnet_hash_level', ...PRECISIONS.map((p) => `flopnet_generate_${p}`)] as const;
export type KernelName = (typeof KERNELS)[number];

const largestPowerOfTwoAtMost = (x: number) => 2 ** Math.floor(Math.log2(Math.max(1, x)));
const smallestPowerOfTwoAtLeast = (x: number) => 2 ** Math.ceil(Math.log2(Math.max(1, x)));

/**
 * Rows per band: a power of two, so a band's rows form a subtree of the GEMM's tree. An opened row costs
 * the recomputation of its band, so bands are about n/32 rows (≥ 64): 48 opened rows then cost about 1.5
 * GEMMs, under 5 % of a window of 32 or more GEMMs. `requested` (a power of two) overrides that.
 */
export function bandRowsFor(n: number, requested?: number): number {
  const rows = requested ?? largestPowerOfTwoAtMost(Math.max(64, n / 32));
  if (!Number.isInteger(Math.log2(rows))) throw new FlopnetError(`band rows ${rows} is not a power of two`, { code: 'E_USAGE' });
  return Math.min(rows, smallestPowerOfTwoAtLeast(n));
}

/**
 * Device bytes one challenge needs: per slot (two with the overlap pipeline) A, B, a result and the
 * hashes of its rows and the levels above them; the roots of every band of the m GEMMs it may compute.
 */
export function workingSetBytes(challenge: Pick<Challenge, 'precision' | 'm' | 'n' | 'k'>, slots = 1, bandRows = bandRowsFor(challenge.n)): number {
  const plan = CLASS_PLANS[challenge.precision];
  const { m, n, k } = challenge;
  const perSlot = 2 * n * k * plan.inputBytes + n * n * plan.outputBytes + merkleNodeCount(n) * HASH_BYTES;
  return slots * perSlot + m * Math.ceil(n / bandRows) * HASH_BYTES;
}

/** Milliseconds after the last GEMM's hashes: its band roots to the host and the GEMM's root. */
const DEVICE_FINISH_MS = 2;

/** GEMMs enqueued beyond the one running: the host may be this many GEMMs late before the device idles. */
const QUEUED_GEMMS = 2;

/** Decodes device storage bits of a class into numbers (for the start-up self-test). */
export function decodeElements(precision: Precision, bytes: Uint8Array): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = CLASS_PLANS[precision].inputBytes;
  const out = new Float64Array(bytes.byteLength / size);
  for (let i = 0; i < out.length; i++) {
    if (size === 8) out[i] = view.getFloat64(i * 8, true);
    else if (size === 4) out[i] = view.getFloat32(i * 4, true);
    else if (precision === 'bf16') out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0]!;
    else if (precision === 'fp16') out[i] = decodeMinifloat(view.getUint16(i * 2, true), 5, 10);
    else out[i] = decodeMinifloat(view.getUint8(i), 4, 3);
  }
  return out;
}

/** IEEE-style sign/exponent/fraction decode (no Inf/NaN: challenge inputs never hold them). */
function decodeMinifloat(bits: number, exponentBits: number, fractionBits: number): number {
  const bias = (1 << (exponentBits - 1)) - 1;
  const fraction = bits & ((1 << fractionBits) - 1);
  const exponent = (bits >> fractionBits) & ((1 << exponentBits) - 1);
  const sign = (bits >> (exponentBits + fractionBits)) & 1 ? -1 : 1;
  const magnitude = exponent === 0 ? fraction * 2 ** (1 - bias - fractionBits) : (1 + fraction * 2 ** -fractionBits) * 2 ** (exponent - bias);
  return sign * magnitude;
}

export type CudaPipeline = 'serial' | 'overlap';

export interface CudaDeviceOptions {
  /** Device ordinal. */
  ordinal: number;
  /** The module compiled for this device's architecture (cuda/backend.ts compiles once per architecture). */
  cubin: Uint8Array;
  /**
   * 'serial' (default): generate, multiply, hash one GEMM after the other on one stream. 'overlap':
   * generation and hashing on their own streams, double-buffered, so they can run while the next or
   * previous GEMM does (twice the working set). Not yet measured on a GPU: see docs/benchmarks.md
   * before making it the default.
   */
  pipeline?: CudaPipeline;
  /** Rows per band (a power of two; default bandRowsFor's choice). */
  bandRows?: number;
  /** Device bytes never planned for (cuBLAS's own allocations, other processes); default min(256 MiB, 5%). */
  reserveBytes?: number;
  /** Wait for the device by polling from the main thread (several devices: see CudaLibraries.waitFor). */
  poll?: boolean;
  log?: Logger;
}

/** What a device keeps of a challenge for its openings: the band roots of each GEMM it computed. */
interface Kept {
  bandRows: number;
  gemms: Map<number, Uint8Array>;
}

/** One GEMM's buffers on the device. */
interface Slot {
  a: DevicePtr;
  b: DevicePtr;
  c: DevicePtr;
  /** Row leaves, then the levels above them up to the band roots. */
  tree: DevicePtr;
}

const u64 = (x: number) => new BigUint64Array([BigInt(x)]);
const u32 = (x: number) => new Uint32Array([x >>> 0]);
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

export class CudaDevice implements DeviceWorker {
  readonly label: string;
  private readonly kept = new Map<string, Kept>();
  private readonly log: Logger;
  private closed = false;
  /** One challenge at a time on this device. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly cu: CudaLibraries,
    readonly ordinal: number,
    /** The driver's device handle for `ordinal`. */
    private readonly device: number,
    private readonly ctx: Handle,
    private readonly module: Handle,
    private readonly functions: Readonly<Record<KernelName, Handle>>,
    /** The stream cuBLAS is bound to: every GEMM, first or recomputed, runs on it. */
    private readonly stream: Handle,
    /** Copies to the host on their own non-blocking stream, so they never wait behind a running GEMM. */
    private readonly openStream: Handle,
    /** Generation and hashing streams of the 'overlap' pipeline. */
    private readonly genStream: Handle,
    private readonly hashStream: Handle,
    private readonly workspace: DevicePtr,
    private readonly blas: Handle,
    private readonly blasLt: Handle,
    private readonly info: DeviceInfo,
    private readonly options: Required<Pick<CudaDeviceOptions, 'pipeline' | 'reserveBytes' | 'poll'>> & Pick<CudaDeviceOptions, 'bandRows'>,
    /** Streaming multiprocessors: launch shapes are sized to fill them. */
    private readonly sms: number,
    log: Logger,
  ) {
    this.label = `cuda:${ordinal} (${info.name})`;
    this.log = log;
  }

  /** Sets up the device (context, module, streams, cuBLAS with its workspace) and runs the kernel self-test. */
  static async create(cu: CudaLibraries, info: DeviceInfo, options: CudaDeviceOptions): Promise<CudaDevice> {
    const log = (options.log ?? silentLogger).child(`cuda:${options.ordinal}`);
    const device = cu.device(options.ordinal);
    const ctx = cu.retainPrimaryContext(device);
    cu.setCurrent(ctx);
    const module = cu.loadModule(options.cubin);
    const functions = Object.fromEntries(KERNELS.map((name) => [name, cu.getFunction(module, name)])) as Record<KernelName, Handle>;
    const stream = cu.createStream();
    const openStream = cu.createStream(true);
    const genStream = cu.createStream();
    const hashStream = cu.createStream();
    const workspace = cu.alloc(WORKSPACE_BYTES);
    const blas = cu.createBlas(stream, workspace, WORKSPACE_BYTES);
    const blasLt = cu.createBlasLt();
    const reserveBytes = options.reserveBytes ?? Math.min(256 << 20, Math.floor(info.memoryBytes * 0.05));
    const sms = cu.attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
    const settings = { pipeline: options.pipeline ?? 'serial', reserveBytes, poll: options.poll ?? false, ...(options.bandRows ? { bandRows: options.bandRows } : {}) };
    const cuda = new CudaDevice(cu, options.ordinal, device, ctx, module, functions, stream, openStream, genStream, hashStream, workspace, blas, blasLt, info, settings, sms, log);
    try {
      await cuda.selfTest();
    } catch (error) {
      await cuda.close();
      throw error;
    }
    return cuda;
  }

  get pipeline(): CudaPipeline {
    return this.options.pipeline;
  }

  async describe(): Promise<DeviceInfo> {
    return this.info;
  }

  private assertOpen(): void {
    if (this.closed) throw new FlopnetError(`the CUDA backend (${this.label}) is closed`, { code: 'E_BACKEND_CLOSED' });
  }

  /** Runs `work` after whatever this device is doing; a failure names the device. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work).catch((error: unknown) => {
      throw this.named(error);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A CUDA, NVRTC or cuBLAS error with this device's name in front (others pass as they are: aborts keep their class). */
  private named(error: unknown): unknown {
    if (!(error instanceof CudaError) || error.message.startsWith('cuda:')) return error;
    return new FlopnetError(`${this.label}: ${error.message}`, { code: error.code, details: error.details, cause: error, ...(error.hint ? { hint: error.hint } : {}) });
  }

  run(challenge: Challenge, dealer: Dealer, options: WorkerRunOptions): Promise<ExecutionTimings> {
    return this.serialized(() => this.compute(challenge, dealer, options));
  }

  private async compute(challenge: Challenge, dealer: Dealer, { signal, stopAt, finishMs, done }: WorkerRunOptions): Promise<ExecutionTimings> {
    this.assertOpen();
    const { precision, m, n, k } = challenge;
    if (!this.info.precisions.includes(precision)) {
      throw new FlopnetError(`${this.label} has no ${precision} path (compute capability too low)`, {
        code: 'E_PRECISION_UNSUPPORTED',
        hint: `this device runs ${this.info.precisions.join(', ')}`,
      });
    }
    const cu = this.cu;
    cu.setCurrent(this.ctx);
    const plan = CLASS_PLANS[precision];
    const bandRows = bandRowsFor(n, this.options.bandRows);
    const bands = Math.ceil(n / bandRows);
    // Refuse before allocating anything: a half-allocated challenge could starve an opening.
    const room = cu.memoryInfo().free - this.options.reserveBytes;
    const needed = workingSetBytes(challenge, 1, bandRows);
    if (needed > room) {
      throw new FlopnetError(`${this.label}: challenge ${precision} m=${m} n=${n} k=${k} needs ${gib(needed)} of device memory; ${gib(Math.max(0, room))} is available`, {
        code: 'E_DEVICE_MEMORY',
        hint: 'the validator sizes one GEMM from the memory the miner reports; free the GPU of other processes',
      });
    }
    // Overlap needs a second slot; without room for it the challenge still runs serially.
    const overlap = this.options.pipeline === 'overlap' && workingSetBytes(challenge, 2, bandRows) <= room;
    const streams = overlap ? { gen: this.genStream, gemm: this.stream, hash: this.hashStream } : { gen: this.stream, gemm: this.stream, hash: this.stream };
    const kept: Kept = { bandRows, gemms: new Map() };
    this.kept.set(challenge.id, kept);
    const allocations: DevicePtr[] = [];
    const alloc = (bytes: number) => {
      const ptr = cu.alloc(bytes);
      allocations.push(ptr);
      return ptr;
    };
    // Six events a GEMM ([generate start, generate end, gemm start, gemm end, hash start, hash end]),
    // from a ring: a set is recorded again only after its GEMM was waited for and read, and after the
    // GEMMs that wait on it were enqueued (a stream wait takes the event's record as it is then).
    const events: Handle[] = [];
    const ring = Array.from({ length: QUEUED_GEMMS + 6 }, () => Array.from({ length: 6 }, () => (events.push(cu.createEvent()), events.at(-1)!)));
    const marksOf = (i: number) => ring[i % ring.length]!;
    // Kernel time per phase; with overlap the phases run at the same time, so these add up to more than the wall time.
    const timings: ExecutionTimings = { generateMs: 0, gemmMs: 0, hashMs: 0 };
    try {
      const roots = alloc(m * bands * HASH_BYTES);
      const slots: Slot[] = Array.from({ length: overlap ? 2 : 1 }, () => ({
        a: alloc(n * k * plan.inputBytes),
        b: alloc(n * k * plan.inputBytes),
        c: alloc(n * n * plan.outputBytes),
        tree: alloc(merkleNodeCount(n) * HASH_BYTES),
      }));
      // With overlap, A_{i+1}, B_{i+1} are generated while GEMM i runs and C_{i−1} is hashed while
      // GEMM i runs; the waits below are the only ordering between the three streams.
      const taken: number[] = [];
      // GEMMs whose hashes are known done, and the pace a next GEMM is judged by: the slowest GEMM so
      // far in device time (CUDA events, so a busy host's delays do not count: GEMMs stay queued ahead
      // of the device). Serially a GEMM takes its three phases; overlapped, the slowest phase.
      let waited = 0;
      let slowestGemmMs = 0;
      let lastGemmMs = 0;
      let lastSeen = performance.now();
      const finished = async (i: number) => {
        const [genStart, genEnd, gemmStart, gemmEnd, hashStart, hashEnd] = marksOf(i);
        // Polling starts about when the GEMM should end: it started about when the last one was seen to end.
        await cu.waitFor(hashEnd!, signal, this.options.poll, lastSeen + 0.9 * lastGemmMs - performance.now());
        lastSeen = performance.now();
        const phases = [cu.elapsedMs(genStart!, genEnd!), cu.elapsedMs(gemmStart!, gemmEnd!), cu.elapsedMs(hashStart!, hashEnd!)] as const;
        timings.generateMs += phases[0];
        timings.gemmMs += phases[1];
        timings.hashMs += phases[2];
        lastGemmMs = overlap ? Math.max(...phases) : cu.elapsedMs(genStart!, hashEnd!);
        slowestGemmMs = Math.max(slowestGemmMs, lastGemmMs);
        waited = i + 1;
        const j = taken[i]!;
        const bandRoots = new Uint8Array(bands * HASH_BYTES);
        cu.copyToHostOn(this.openStream, bandRoots, roots + j * bands * HASH_BYTES);
        kept.gemms.set(j, bandRoots);
        done(j, merkleRoot(merkleLevels(bandRoots)));
        signal?.throwIfAborted();
      };
      for (let i = 0; ; i++) {
        if (i >= 1) {
          // GEMM 1 has no pace to be judged by until GEMM 0 is done: the device idles one launch, once.
          if (stopAt && waited === 0) await finished(0);
          // This GEMM starts when the ones still queued end, about one pace each from now.
          const startsAt = performance.now() + (i - waited) * slowestGemmMs;
          if (!nextGemmFits(stopAt, i, slowestGemmMs, finishMs(i + 1) + DEVICE_FINISH_MS, startsAt)) break;
        }
        signal?.throwIfAborted();
        const j = dealer.next();
        if (j === undefined) break;
        taken.push(j);
        const slot = slots[i % slots.length]!;
        // Between streams only (on one stream, order is already the wait).
        const wait = (stream: Handle, event: Handle, after: Handle) => stream !== after && cu.waitEvent(stream, event);
        if (i >= slots.length) {
          wait(streams.gen, marksOf(i - slots.length)[3]!, streams.gemm); // GEMM i − slots has read this slot's A and B
          wait(streams.gemm, marksOf(i - slots.length)[5]!, streams.hash); // and its result, which this GEMM overwrites, is hashed
        }
        const marks = marksOf(i);
        const mark = (phase: number, stream: Handle) => {
          cu.record(marks[phase]!, stream);
          return marks[phase]!;
        };
        mark(0, streams.gen);
        this.generate(precision, slot.a, n, k, matrixKey(challenge.seed, 'A', j), 0, streams.gen);
        this.generate(precision, slot.b, n, k, matrixKey(challenge.seed, 'B', j), 0, streams.gen);
        wait(streams.gemm, mark(1, streams.gen), streams.gen);
        mark(2, streams.gemm);
        for (let band = 0; band < bands; band++) this.bandGemm(plan, slot, n, k, bandRows, band);
        wait(streams.hash, mark(3, streams.gemm), streams.gemm);
        mark(4, streams.hash);
        this.hashToBandRoots(slot, plan, n, bandRows, roots + j * bands * HASH_BYTES, streams.hash);
        mark(5, streams.hash);
        // Keep GEMMs queued behind the one running, so the GPU never waits on this thread, even when
        // it is late by a GEMM (several devices, a loaded host).
        while (taken.length - waited > QUEUED_GEMMS) await finished(waited);
      }
      while (waited < taken.length) await finished(waited);
      this.log.debug('ran challenge', { id: challenge.id, precision, gemms: taken.length, m, n, k, bandRows, pipeline: overlap ? 'overlap' : 'serial', ...timings });
      return timings;
    } finally {
      for (const e of events) this.quietly('cuEventDestroy', () => cu.destroyEvent(e));
      await this.drainAndFree(allocations);
    }
  }

  /** Frees device memory once the streams have drained (queued kernels may still use it). */
  private async drainAndFree(allocations: DevicePtr[]): Promise<void> {
    try {
      for (const stream of [this.stream, this.genStream, this.hashStream]) {
        const drained = this.cu.createEvent();
        this.cu.record(drained, stream);
        await this.cu.waitFor(drained, undefined, this.options.poll).finally(() => this.cu.destroyEvent(drained));
      }
    } catch (error) {
      this.log.warn(`could not drain the streams of ${this.label}`, { error });
    }
    for (const ptr of allocations) this.quietly('cuMemFree', () => this.cu.free(ptr));
  }

  private quietly(what: string, step: () => void): void {
    try {
      step();
    } catch (error) {
      this.log.warn(`${what} failed on ${this.label}`, { error });
    }
  }

  private launch(name: KernelName, grid: [number, number, number], block: [number, number, number], params: ArrayBufferView[], stream = this.stream): void {
    this.cu.launch(name, this.functions[name], grid, block, stream, params);
  }

  /**
   * Fills lines first..first+lines−1 of a matrix (k elements each, line-major) at `out`. About eight
   * 256-thread blocks per SM, each thread walking many lines: the Philox round keys are computed once
   * per thread, and a thread per call would pay for them every time.
   */
  private generate(precision: Precision, out: DevicePtr, lines: number, k: number, key: MatrixKey, first: number, stream = this.stream): void {
    const calls = Math.ceil(k / (precision === 'fp64' ? 2 : 4));
    const gridX = Math.ceil(calls / 256);
    const gridY = Math.max(1, Math.min(lines, 65535, Math.ceil((this.sms * 8) / gridX)));
    this.launch(`flopnet_generate_${precision}`, [gridX, gridY, 1], [256, 1, 1], [u64(out), u32(lines), u32(k), u32(first), u32(key.k0), u32(key.k1)], stream);
  }

  /**
   * Leaf digests of `rows` rows of `rowWords` 32-bit words. One thread per row (a SHA-256 chain cannot be
   * split), so blocks are kept small enough that every SM gets some rows.
   */
  private hashRows(data: DevicePtr, rowWords: number, rows: number, digests: DevicePtr, stream = this.stream): void {
    let block = 128;
    while (block > 32 && rows / block < 2 * this.sms) block /= 2;
    this.launch('flopnet_hash_rows', [Math.ceil(rows / block), 1, 1], [block, 1, 1], [u64(data), u64(rowWords), u32(rows), u64(digests)], stream);
  }

  /** Hashes the n rows of a slot's result and reduces them level by level to the band roots, written at `bandRoots`. */
  private hashToBandRoots(slot: Slot, plan: ClassPlan, n: number, bandRows: number, bandRoots: DevicePtr, stream: Handle): void {
    const levels = Math.log2(bandRows);
    const rowWords = (n * plan.outputBytes) / 4;
    this.hashRows(slot.c, rowWords, n, levels === 0 ? bandRoots : slot.tree, stream);
    let from = slot.tree;
    for (let level = 0, width = n; level < levels; level++) {
      const next = Math.ceil(width / 2);
      const to = level + 1 === levels ? bandRoots : from + width * HASH_BYTES;
      this.launch('flopnet_hash_level', [Math.ceil(next / 128), 1, 1], [128, 1, 1], [u64(from), u32(width), u64(to)], stream);
      from = to;
      width = next;
    }
  }

  /** Rows band·bandRows.. of C = A·B: the one call that computes them, first and when recomputed. */
  private bandGemm(plan: ClassPlan, slot: Slot, n: number, k: number, bandRows: number, band: number): void {
    const first = band * bandRows;
    const rows = Math.min(bandRows, n - first);
    this.gemm(plan, slot.a + first * k * plan.inputBytes, slot.b, slot.c + first * n * plan.outputBytes, rows, n, k);
  }

  /** Column-major Cᵀ (n × rows) = (B stored k×n, transposed) · (A's rows stored k×rows), on the cuBLAS stream. */
  private gemm(plan: ClassPlan, a: DevicePtr, b: DevicePtr, c: DevicePtr, rows: number, n: number, k: number): void {
    if (plan.lt) {
      this.cu.matmulLt(this.blasLt, this.stream, { m: n, n: rows, k, abType: plan.inputType, a: b, b: a, d: c, workspace: this.workspace, workspaceBytes: WORKSPACE_BYTES });
      return;
    }
    const wide = plan.computeType === CUBLAS_COMPUTE_64F;
    const one = wide ? new Float64Array([1]) : new Float32Array([1]);
    const zero = wide ? new Float64Array([0]) : new Float32Array([0]);
    this.cu.gemmEx(this.blas, {
      transa: CUBLAS_OP_T,
      transb: CUBLAS_OP_N,
      m: n,
      n: rows,
      k,
      alpha: one,
      a: b,
      aType: plan.inputType,
      lda: k,
      b: a,
      bType: plan.inputType,
      ldb: k,
      beta: zero,
      c,
      cType: plan.outputType,
      ldc: n,
      computeType: plan.computeType,
    });
  }

  /**
   * Recomputes the bands the rows fall in with the calls that computed them (see the top of this file),
   * checks each band against the root this device committed to, and answers from it.
   */
  open(challenge: Challenge, rows: readonly RowRef[]): Promise<GemmRowOpening[]> {
    return this.recompute(challenge, rows).catch((error: unknown) => {
      throw this.named(error);
    });
  }

  private async recompute(challenge: Challenge, rows: readonly RowRef[]): Promise<GemmRowOpening[]> {
    this.assertOpen();
    const kept = this.kept.get(challenge.id);
    const { precision, n, k } = challenge;
    const plan = CLASS_PLANS[precision];
    const cu = this.cu;
    cu.setCurrent(this.ctx);
    const bandRows = kept?.bandRows ?? bandRowsFor(n, this.options.bandRows);
    const rowBytes = n * plan.outputBytes;
    const allocations: DevicePtr[] = [];
    const alloc = (bytes: number) => {
      const ptr = cu.alloc(bytes);
      allocations.push(ptr);
      return ptr;
    };
    const out: GemmRowOpening[] = new Array(rows.length);
    try {
      // The same buffers as one slot of the first computation, so every band lies at the same offset.
      const slot: Slot = { a: alloc(n * k * plan.inputBytes), b: alloc(n * k * plan.inputBytes), c: alloc(n * n * plan.outputBytes), tree: alloc(bandRows * HASH_BYTES) };
      for (const j of new Set(rows.map((r) => r.matrix))) {
        const bandRoots = kept?.gemms.get(j);
        if (!bandRoots) throw new FlopnetError(`GEMM ${j} of challenge ${challenge.id} was not computed on ${this.label}`, { code: 'E_UNKNOWN_CHALLENGE' });
        const upper = merkleLevels(bandRoots);
        const mine = rows.map((ref, i) => ({ ...ref, i })).filter((ref) => ref.matrix === j);
        this.generate(precision, slot.b, n, k, matrixKey(challenge.seed, 'B', j), 0);
        for (const band of new Set(mine.map(({ row }) => Math.floor(row / bandRows)))) {
          const first = band * bandRows;
          const count = Math.min(bandRows, n - first);
          this.generate(precision, slot.a + first * k * plan.inputBytes, count, k, matrixKey(challenge.seed, 'A', j), first);
          this.bandGemm(plan, slot, n, k, bandRows, band);
          this.hashRows(slot.c + first * rowBytes, rowBytes / 4, count, slot.tree);
          await this.sync();
          const leaves = new Uint8Array(count * HASH_BYTES);
          cu.copyToHostOn(this.openStream, leaves, slot.tree);
          const levels = merkleLevels(leaves);
          if (!Buffer.from(merkleRoot(levels)).equals(Buffer.from(bandRoots.subarray(band * HASH_BYTES, (band + 1) * HASH_BYTES)))) {
            throw new FlopnetError(
              `${this.label}: recomputed rows ${first}..${first + count - 1} of GEMM ${j} differ from the rows committed to; not answering with them`,
              { code: 'E_RECOMPUTE_MISMATCH', hint: 'the GEMM was not bit-identical when run again: report the device, driver and cuBLAS version (docs/protocol.md §13)' },
            );
          }
          for (const { row, i } of mine.filter(({ row }) => Math.floor(row / bandRows) === band)) {
            const data = new Uint8Array(rowBytes);
            cu.copyToHostOn(this.openStream, data, slot.c + row * rowBytes);
            out[i] = { data, path: [...merkleProof(levels, row - first), ...merkleProof(upper, band)] };
          }
        }
      }
      return out;
    } finally {
      await this.drainAndFree(allocations);
    }
  }

  async release(challengeId: string): Promise<void> {
    this.kept.delete(challengeId);
  }

  /**
   * Raw cuBLAS throughput at one shape, for benchmarks: inputs generated once, one warm-up product, then
   * as many products as fill about `seconds` (3 at least) between two CUDA events. By default the whole
   * n×n product in one call: the ceiling a challenge is compared with; with `bandRows`, each product is
   * done in bands as a challenge does it (what banding itself costs).
   */
  measureGemm(precision: Precision, n: number, k: number, seconds = 2, bandRows = n): Promise<{ msPerGemm: number; tflops: number; repetitions: number }> {
    return this.serialized(async () => {
      this.assertOpen();
      const plan = CLASS_PLANS[precision];
      const cu = this.cu;
      cu.setCurrent(this.ctx);
      const allocations: DevicePtr[] = [];
      const events: Handle[] = [];
      const alloc = (bytes: number) => (allocations.push(cu.alloc(bytes)), allocations.at(-1)!);
      try {
        const slot: Slot = { a: alloc(n * k * plan.inputBytes), b: alloc(k * n * plan.inputBytes), c: alloc(n * n * plan.outputBytes), tree: 0 };
        this.generate(precision, slot.a, n, k, { k0: 1, k1: 2 }, 0);
        this.generate(precision, slot.b, n, k, { k0: 3, k1: 4 }, 0);
        const timed = async (repetitions: number) => {
          const [start, end] = [cu.createEvent(), cu.createEvent()];
          events.push(start, end);
          cu.record(start, this.stream);
          for (let i = 0; i < repetitions; i++) for (let band = 0; band < Math.ceil(n / bandRows); band++) this.bandGemm(plan, slot, n, k, bandRows, band);
          cu.record(end, this.stream);
          await cu.waitFor(end, undefined, this.options.poll);
          return cu.elapsedMs(start, end) / repetitions;
        };
        const first = await timed(1); // includes cuBLAS's first-call heuristics: only sizes the real run
        const repetitions = Math.max(3, Math.min(100, Math.round((seconds * 1000) / Math.max(first, 1e-3))));
        const msPerGemm = await timed(repetitions);
        return { msPerGemm, tflops: (2 * n * n * k) / (msPerGemm / 1000) / 1e12, repetitions };
      } finally {
        for (const e of events) this.quietly('cuEventDestroy', () => cu.destroyEvent(e));
        await this.drainAndFree(allocations);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    this.kept.clear();
    this.cu.setCurrent(this.ctx);
    const steps: [string, () => void][] = [
      ['cublasLtDestroy', () => this.cu.destroyBlasLt(this.blasLt)],
      ['cublasDestroy', () => this.cu.destroyBlas(this.blas)],
      ['cuMemFree (workspace)', () => this.cu.free(this.workspace)],
      ['cuStreamDestroy', () => this.cu.destroyStream(this.stream)],
      ['cuStreamDestroy', () => this.cu.destroyStream(this.openStream)],
      ['cuStreamDestroy', () => this.cu.destroyStream(this.genStream)],
      ['cuStreamDestroy', () => this.cu.destroyStream(this.hashStream)],
      ['cuModuleUnload', () => this.cu.unloadModule(this.module)],
      ['cuDevicePrimaryCtxRelease', () => this.cu.releasePrimaryContext(this.device)],
    ];
    for (const [what, step] of steps) this.quietly(what, step);
  }

  /**
   * The device kernels against the TypeScript reference: a few elements of every class this device runs
   * (lines from 0 and from an offset, as openings regenerate them), leaf hashes of those rows and one
   * Merkle level. A mismatch means the GPU path would commit to results no validator accepts, so the
   * device refuses to start.
   */
  private async selfTest(): Promise<void> {
    const cu = this.cu;
    const key: MatrixKey = { k0: 0x243f6a88, k1: 0x85a308d3 };
    const lines = 3;
    const k = 37; // not a multiple of the elements per call, nor of any block size
    const ptr = cu.alloc(lines * 64 * 8);
    const digests = cu.alloc(5 * HASH_BYTES); // 3 leaves, then the 2 nodes above them
    const failed = (what: string) =>
      new FlopnetError(`CUDA self-test on ${this.label}: ${what}`, {
        code: 'E_CUDA_SELF_TEST',
        hint: 'the kernels were miscompiled for this device: report the device, driver and NVRTC version',
      });
    try {
      for (const precision of this.info.precisions) {
        const size = CLASS_PLANS[precision].inputBytes;
        for (const [first, width] of [[0, k], [5, k], [9, 64]] as const) {
          this.generate(precision, ptr, lines, width, key, first);
          const bytes = new Uint8Array(lines * width * size);
          await this.sync();
          cu.copyToHost(bytes, ptr);
          const got = decodeElements(precision, bytes);
          for (let t = 0; t < lines; t++) {
            for (let l = 0; l < width; l++) {
              const want = element(precision, key, first + t, l);
              const have = got[t * width + l]!;
              if (!Object.is(want, have)) throw failed(`${precision} element ${l} of line ${first + t} is ${have} on the device, ${want} in the reference`);
            }
          }
        }
      }
      // Rows of 8·37 bytes (fp64 lines, regenerated), three leaves and the level above them.
      this.generate('fp64', ptr, lines, k, key, 0);
      this.hashRows(ptr, (k * 8) / 4, lines, digests);
      this.launch('flopnet_hash_level', [1, 1, 1], [128, 1, 1], [u64(digests), u32(lines), u64(digests + lines * HASH_BYTES)]);
      await this.sync();
      const matrix = new Uint8Array(lines * k * 8);
      cu.copyToHost(matrix, ptr);
      const hashes = new Uint8Array(5 * HASH_BYTES);
      cu.copyToHost(hashes, digests);
      const leaves = new Uint8Array(lines * HASH_BYTES);
      for (let r = 0; r < lines; r++) leaves.set(hashLeaf(matrix.subarray(r * k * 8, (r + 1) * k * 8)), r * HASH_BYTES);
      if (!Buffer.concat([leaves, merkleLevels(leaves)[1]!]).equals(hashes)) throw failed('the device SHA-256 leaves or Merkle level differ from node:crypto');
    } finally {
      cu.free(ptr);
      cu.free(digests);
    }
  }

  private async sync(): Promise<void> {
    const e = this.cu.createEvent();
    try {
      this.cu.record(e, this.stream);
      await this.cu.waitFor(e, undefined, this.options.poll);
    } finally {
      this.cu.destroyEvent(e);
    }
  }
}
