/**
 * The CUDA backend: inputs generated on the GPU by the project's Philox kernel, products by cuBLAS
 * (cuBLASLt for fp8), result rows hashed and the Merkle tree built on the GPU; only the tree's digests
 * cross to the host. Results stay in device memory until the openings are answered (`release`).
 *
 * Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ, so cuBLAS gets B first and no transposes (gpu.md).
 * FP8 on sm 8.9/9.0 only runs "TN" (first operand transposed), so for fp8 B is generated column-major.
 */
import { FlopnetError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import { silentLogger } from '../../../shared/log.js';
import { committedPart } from '../../../shared/challenge/challenge.js';
import { element, matrixKey, type MatrixKey } from '../../../shared/challenge/elements.js';
import { HASH_BYTES, hashLeaf, merkleLevels, merkleNodeCount, merkleProof, merkleRoot } from '../../../shared/challenge/merkle.js';
import { PRECISIONS, type Challenge, type DeviceInfo, type Precision, type RowOpening, type RowRef } from '../../../shared/challenge/types.js';
import { heldForOpening, nextGemmFits, type ComputeBackend, type ExecuteOptions, type Execution, type ExecutionTimings } from '../backend.js';
import {
  CUBLAS_COMPUTE_32F,
  CUBLAS_COMPUTE_32F_FAST_TF32,
  CUBLAS_COMPUTE_64F,
  CUBLAS_OP_N,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
  CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
  CUDA_R_16BF,
  CUDA_R_16F,
  CUDA_R_32F,
  CUDA_R_64F,
  CUDA_R_8F_E4M3,
  CudaLibraries,
  type CudaLibraryPaths,
  type DevicePtr,
  type Handle,
} from './ffi.js';
import { kernelSource } from './source.js';

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

const LT_WORKSPACE_BYTES = 32 << 20;
const KERNELS = ['flopnet_hash_rows', 'flopnet_hash_level', ...PRECISIONS.map((p) => `flopnet_generate_${p}`)] as const;

/**
 * Device bytes a challenge needs with `results` of its GEMMs done (default all m): A, B, those results,
 * the Merkle tree, the cuBLASLt workspace. The tree is sized for all m·n leaves whatever `results` is:
 * rows are hashed into it as their GEMMs finish, before it is known how many will.
 */
export function deviceBytesNeeded(challenge: Pick<Challenge, 'precision' | 'm' | 'n' | 'k'>, results = challenge.m): number {
  const plan = CLASS_PLANS[challenge.precision];
  const { m, n, k } = challenge;
  return 2 * n * k * plan.inputBytes + results * n * n * plan.outputBytes + merkleNodeCount(m * n) * HASH_BYTES + (plan.lt ? LT_WORKSPACE_BYTES : 0);
}

/**
 * Milliseconds from the last GEMM's hashes to the root on the host, for a tree of `leaves` leaves: the
 * level kernels, then copying the tree (about 64 bytes a leaf) to pageable host memory, which dominates.
 * Not yet measured on a GPU, so priced at 2 GB/s (below what PCIe moves to pageable memory) plus 5 ms of
 * launches and wake-ups: an overestimate costs part of a GEMM, an underestimate a late root.
 */
function finishEstimateMs(leaves: number): number {
  return 5 + (merkleNodeCount(leaves) * HASH_BYTES) / 2e6;
}


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

export interface CudaBackendOptions {
  /**
   * 'serial' (default): generate, multiply, hash one GEMM after the other on one stream. 'overlap':
   * generation and hashing on their own streams, double-buffered inputs, so they can run while the next
   * or previous GEMM does (more memory: two pairs of inputs). Not yet measured on a GPU: see
   * docs/benchmarks.md before making it the default.
   */
  pipeline?: CudaPipeline;
  /** Library paths; unset ones are searched for (libcuda.so.1, libnvrtc.so.13/12, ...). */
  libraries?: CudaLibraryPaths;
  /** Device ordinal (default 0). */
  device?: number;
  /** Device bytes never planned for (cuBLAS's own workspaces, other processes); default min(256 MiB, 5%). */
  reserveBytes?: number;
  log?: Logger;
}

interface Held {
  challenge: Challenge;
  results: DevicePtr[];
  levels: Uint8Array[];
}

const u64 = (x: number) => new BigUint64Array([BigInt(x)]);
const u32 = (x: number) => new Uint32Array([x >>> 0]);

export class CudaBackend implements ComputeBackend {
  readonly kind = 'cuda' as const;
  private readonly held = new Map<string, Held>();
  private readonly log: Logger;
  private closed = false;
  /** One challenge at a time on the one stream. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly cu: CudaLibraries,
    private readonly device: number,
    private readonly ctx: Handle,
    private readonly module: Handle,
    private readonly functions: Readonly<Record<(typeof KERNELS)[number], Handle>>,
    private readonly stream: Handle,
    /** Openings copy rows on their own non-blocking stream, so they never wait behind a running challenge. */
    private readonly openStream: Handle,
    /** Generation and hashing streams of the 'overlap' pipeline. */
    private readonly genStream: Handle,
    private readonly hashStream: Handle,
    private readonly blas: Handle,
    private readonly blasLt: Handle,
    private readonly info: DeviceInfo,
    private readonly reserveBytes: number,
    /** Streaming multiprocessors: launch shapes are sized to fill them. */
    private readonly sms: number,
    /** How a challenge's phases are scheduled (see CudaBackendOptions.pipeline). */
    readonly pipeline: CudaPipeline,
    log: Logger,
  ) {
    this.log = log;
  }

  /**
   * Loads the libraries, initialises the driver, compiles kernels.cu for this device with NVRTC and
   * checks the kernels against the TypeScript reference on a few elements and hashes.
   */
  static async create(options: CudaBackendOptions = {}): Promise<CudaBackend> {
    const log = (options.log ?? silentLogger).child('cuda');
    const cu = new CudaLibraries(options.libraries);
    cu.init();
    if (cu.deviceCount() === 0) throw new FlopnetError('no CUDA device found', { code: 'E_CUDA_NO_DEVICE', hint: 'check nvidia-smi and CUDA_VISIBLE_DEVICES' });
    const device = cu.device(options.device ?? 0);
    const major = cu.attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
    const minor = cu.attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
    const ctx = cu.retainPrimaryContext(device);
    cu.setCurrent(ctx);
    const arch = `sm_${major}${minor}`;
    const cubin = cu.compile(await kernelSource(), 'kernels.cu', [`--gpu-architecture=${arch}`]);
    const module = cu.loadModule(cubin);
    const functions = Object.fromEntries(KERNELS.map((name) => [name, cu.getFunction(module, name)])) as Record<(typeof KERNELS)[number], Handle>;
    const stream = cu.createStream();
    const openStream = cu.createStream(true);
    const genStream = cu.createStream();
    const hashStream = cu.createStream();
    const blas = cu.createBlas(stream);
    const blasLt = cu.createBlasLt();
    const total = cu.totalMemory(device);
    const driver = cu.driverVersion();
    const info: DeviceInfo = {
      backend: 'cuda',
      name: cu.deviceName(device).slice(0, 256),
      memoryBytes: total,
      precisions: precisionsFor(major, minor),
      detail: `${arch}, driver API ${Math.floor(driver / 1000)}.${(driver % 1000) / 10}, NVRTC ${cu.nvrtcVersion()}, ${cu.paths.cuda}`,
    };
    const reserve = options.reserveBytes ?? Math.min(256 << 20, Math.floor(total * 0.05));
    const sms = cu.attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
    const backend = new CudaBackend(cu, device, ctx, module, functions, stream, openStream, genStream, hashStream, blas, blasLt, info, reserve, sms, options.pipeline ?? 'serial', log);
    try {
      await backend.selfTest();
    } catch (error) {
      await backend.close();
      throw error;
    }
    log.debug('cuda backend ready', { name: info.name, arch, precisions: info.precisions, memoryBytes: total });
    return backend;
  }

  async describe(): Promise<DeviceInfo> {
    return this.info;
  }

  execute(challenge: Challenge, options: ExecuteOptions = {}): Promise<Execution> {
    const run = this.queue.then(() => this.run(challenge, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new FlopnetError('the CUDA backend is closed', { code: 'E_BACKEND_CLOSED' });
  }

  private async run(challenge: Challenge, { signal, onProgress, stopAt }: ExecuteOptions): Promise<Execution> {
    this.assertOpen();
    const { precision, m, n, k } = challenge;
    if (!this.info.precisions.includes(precision)) {
      throw new FlopnetError(`${this.info.name} has no ${precision} path (compute capability too low)`, {
        code: 'E_PRECISION_UNSUPPORTED',
        hint: `this device runs ${this.info.precisions.join(', ')}`,
      });
    }
    if (this.held.has(challenge.id)) throw new FlopnetError(`challenge ${challenge.id} is already held`, { code: 'E_CHALLENGE_DUPLICATE' });
    const cu = this.cu;
    cu.setCurrent(this.ctx);
    // Refuse before allocating anything: a half-allocated challenge could starve the one being opened.
    // Only the first GEMM must fit: later ones stop at free memory as they stop at the deadline (the
    // loop below), since m is an offer sized for a window, not a promise that all m fit.
    const needed = deviceBytesNeeded(challenge, 1);
    const { free } = cu.memoryInfo();
    if (needed > free - this.reserveBytes) {
      throw new FlopnetError(
        `challenge ${precision} m=${m} n=${n} k=${k} needs ${gib(needed)} of device memory for its first GEMM; ${gib(Math.max(0, free - this.reserveBytes))} is available`,
        { code: 'E_DEVICE_MEMORY', hint: 'the validator sizes challenges from the memory the miner reports; release held challenges or free the GPU' },
      );
    }
    const plan = CLASS_PLANS[precision];
    const inputBytes = n * k * plan.inputBytes;
    const resultBytes = n * n * plan.outputBytes;
    // Overlap needs a second pair of input buffers; without room for it the challenge still runs serially.
    const overlap = this.pipeline === 'overlap' && needed + 2 * inputBytes <= free - this.reserveBytes;
    const streams = overlap ? { gen: this.genStream, gemm: this.stream, hash: this.hashStream } : { gen: this.stream, gemm: this.stream, hash: this.stream };
    const allocations: DevicePtr[] = [];
    const alloc = (bytes: number) => {
      const ptr = cu.alloc(bytes);
      allocations.push(ptr);
      return ptr;
    };
    const events: Handle[] = [];
    const mark = (stream: Handle) => {
      const e = cu.createEvent();
      events.push(e);
      cu.record(e, stream);
      return e;
    };
    let keep = false;
    try {
      const slots = overlap ? 2 : 1;
      const inputs = Array.from({ length: slots }, () => ({ a: alloc(inputBytes), b: alloc(inputBytes) }));
      const tree = alloc(merkleNodeCount(m * n) * HASH_BYTES);
      const workspace = plan.lt ? alloc(LT_WORKSPACE_BYTES) : 0;
      // Allocated as each GEMM starts, so the memory held follows the GEMMs done, not the m offered.
      const results: DevicePtr[] = [];

      // Per GEMM: [generate start, generate end, gemm start, gemm end, hash start, hash end]. With
      // overlap, A_{j+1}, B_{j+1} are generated while GEMM j runs and C_{j-1} is hashed while GEMM j runs;
      // the waits below are the only ordering between the three streams.
      const marks: Handle[][] = [];
      // GEMMs whose hashes are known done; the slowest wall time between two of them is the pace a
      // next GEMM is judged by (one stays queued behind the running one, so each starts as the last ends).
      let waited = 0;
      let slowestGemmMs = 0;
      let lastDone = performance.now();
      const finished = async (j: number) => {
        await cu.waitFor(marks[j]![5]!, signal);
        const now = performance.now();
        slowestGemmMs = Math.max(slowestGemmMs, now - lastDone);
        lastDone = now;
        waited = j + 1;
        onProgress?.(waited / m);
        signal?.throwIfAborted();
      };
      for (let j = 0; j < m; j++) {
        if (j >= 1) {
          // GEMM 1 has no pace to be judged by until GEMM 0 is done: the device idles one launch, once.
          if (stopAt && waited === 0) await finished(0);
          // This GEMM starts when the one still queued ends, about one pace from now.
          const startsAt = performance.now() + (j - waited) * slowestGemmMs;
          if (!nextGemmFits(stopAt, j, slowestGemmMs, finishEstimateMs((j + 1) * n), startsAt)) break;
          if (cu.memoryInfo().free - this.reserveBytes < resultBytes) break;
        }
        const c = alloc(resultBytes);
        results.push(c);
        const { a, b } = inputs[j % slots]!;
        if (j >= slots) cu.waitEvent(streams.gen, marks[j - slots]![3]!); // GEMM j - slots has read these buffers
        const genStart = mark(streams.gen);
        this.generate(precision, a, n, k, matrixKey(challenge.seed, 'A', j), false, streams.gen);
        this.generate(precision, b, k, n, matrixKey(challenge.seed, 'B', j), plan.lt, streams.gen);
        const genEnd = mark(streams.gen);
        cu.waitEvent(streams.gemm, genEnd);
        const gemmStart = mark(streams.gemm);
        this.gemm(plan, a, b, c, n, k, workspace);
        const gemmEnd = mark(streams.gemm);
        cu.waitEvent(streams.hash, gemmEnd);
        const hashStart = mark(streams.hash);
        this.hashRows(c, (n * plan.outputBytes) / 4, n, tree + j * n * HASH_BYTES, streams.hash);
        marks.push([genStart, genEnd, gemmStart, gemmEnd, hashStart, mark(streams.hash)]);
        // Keep one GEMM queued behind the one running, so the GPU never waits on this thread.
        if (waited < j) await finished(j - 1);
      }
      // The tree over the rows of the GEMMs done: their leaves are the first gemms·n of the buffer.
      const gemms = results.length;
      const leaves = gemms * n;
      const nodes = merkleNodeCount(leaves);
      const treeStart = mark(streams.hash);
      let offset = 0;
      for (let width = leaves; width > 1; ) {
        const next = Math.ceil(width / 2);
        this.launch('flopnet_hash_level', [Math.ceil(next / 128), 1, 1], [128, 1, 1], [u64(tree + offset * HASH_BYTES), u32(width), u64(tree + (offset + width) * HASH_BYTES)], streams.hash);
        offset += width;
        width = next;
      }
      const done = mark(streams.hash);
      await cu.waitFor(done, signal);
      if (waited < gemms) onProgress?.(gemms / m);

      const digests = new Uint8Array(nodes * HASH_BYTES);
      const t0 = performance.now();
      cu.copyToHost(digests, tree);
      const levels: Uint8Array[] = [];
      offset = 0;
      for (let width = leaves; ; width = Math.ceil(width / 2)) {
        levels.push(digests.subarray(offset * HASH_BYTES, (offset + width) * HASH_BYTES));
        offset += width;
        if (width === 1) break;
      }
      // Kernel time per phase; with overlap the phases run at the same time, so these add up to more than the wall time.
      const timings: ExecutionTimings = { generateMs: 0, gemmMs: 0, hashMs: performance.now() - t0 + cu.elapsedMs(treeStart, done) };
      for (const [genStart, genEnd, gemmStart, gemmEnd, hashStart, hashEnd] of marks) {
        timings.generateMs += cu.elapsedMs(genStart!, genEnd!);
        timings.gemmMs += cu.elapsedMs(gemmStart!, gemmEnd!);
        timings.hashMs += cu.elapsedMs(hashStart!, hashEnd!);
      }

      for (const ptr of allocations.filter((p) => !results.includes(p))) cu.free(ptr);
      this.held.set(challenge.id, { challenge: committedPart(challenge, gemms), results, levels });
      keep = true;
      this.log.debug('executed challenge', { id: challenge.id, precision, gemms, m, n, k, pipeline: overlap ? 'overlap' : 'serial', ...timings });
      return { challengeId: challenge.id, gemms, root: merkleRoot(levels), timings };
    } finally {
      for (const e of events) cu.destroyEvent(e);
      if (!keep) await this.drainAndFree(allocations);
    }
  }

  /** Frees device memory once the stream has drained (queued kernels may still use it). */
  private async drainAndFree(allocations: DevicePtr[]): Promise<void> {
    try {
      for (const stream of [this.stream, this.genStream, this.hashStream]) {
        const drained = this.cu.createEvent();
        this.cu.record(drained, stream);
        await this.cu.waitFor(drained).finally(() => this.cu.destroyEvent(drained));
      }
    } catch (error) {
      this.log.warn('could not drain the CUDA stream after a failed challenge', { error });
    }
    for (const ptr of allocations) {
      try {
        this.cu.free(ptr);
      } catch (error) {
        this.log.warn('cuMemFree failed after a failed challenge', { error });
      }
    }
  }

  private launch(name: (typeof KERNELS)[number], grid: [number, number, number], block: [number, number, number], params: ArrayBufferView[], stream = this.stream): void {
    this.cu.launch(name, this.functions[name], grid, block, stream, params);
  }

  /**
   * Fills a rows × cols matrix of the class (row-major, or column-major when `columnMajor`). About eight
   * 256-thread blocks per SM, each thread walking many rows: the Philox round keys are computed once per
   * thread, and a thread per element would pay for them every time.
   */
  private generate(precision: Precision, out: DevicePtr, rows: number, cols: number, key: MatrixKey, columnMajor: boolean, stream = this.stream): void {
    const inner = columnMajor ? rows : cols;
    const outer = columnMajor ? cols : rows;
    const gridX = Math.ceil(inner / 256);
    const gridY = Math.max(1, Math.min(outer, 65535, Math.ceil((this.sms * 8) / gridX)));
    this.launch(`flopnet_generate_${precision}`, [gridX, gridY, 1], [256, 1, 1], [u64(out), u32(rows), u32(cols), u32(key.k0), u32(key.k1), u32(columnMajor ? 1 : 0)], stream);
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

  private gemm(plan: ClassPlan, a: DevicePtr, b: DevicePtr, c: DevicePtr, n: number, k: number, workspace: DevicePtr): void {
    if (plan.lt) {
      // Column-major Cᵀ (n×n) = op(B stored k×n, transposed) · (A stored k×n).
      this.cu.matmulLt(this.blasLt, this.stream, { m: n, n, k, abType: plan.inputType, a: b, b: a, d: c, workspace, workspaceBytes: LT_WORKSPACE_BYTES });
      return;
    }
    const wide = plan.computeType === CUBLAS_COMPUTE_64F;
    const one = wide ? new Float64Array([1]) : new Float32Array([1]);
    const zero = wide ? new Float64Array([0]) : new Float32Array([0]);
    this.cu.gemmEx(this.blas, {
      transa: CUBLAS_OP_N,
      transb: CUBLAS_OP_N,
      m: n,
      n,
      k,
      alpha: one,
      a: b,
      aType: plan.inputType,
      lda: n,
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
   * Raw cuBLAS throughput at one shape, for benchmarks: inputs generated once, one warm-up product, then
   * as many products as fill about `seconds` (3 at least) between two CUDA events. The ceiling `execute`
   * is compared with.
   */
  measureGemm(precision: Precision, n: number, k: number, seconds = 2): Promise<{ msPerGemm: number; tflops: number; repetitions: number }> {
    const run = this.queue.then(async () => {
      this.assertOpen();
      const plan = CLASS_PLANS[precision];
      const cu = this.cu;
      cu.setCurrent(this.ctx);
      const allocations: DevicePtr[] = [];
      const events: Handle[] = [];
      const timed = async (repetitions: number) => {
        const [start, end] = [cu.createEvent(), cu.createEvent()];
        events.push(start, end);
        cu.record(start, this.stream);
        for (let i = 0; i < repetitions; i++) this.gemm(plan, a, b, c, n, k, workspace);
        cu.record(end, this.stream);
        await cu.waitFor(end);
        return cu.elapsedMs(start, end) / repetitions;
      };
      const alloc = (bytes: number) => (allocations.push(cu.alloc(bytes)), allocations.at(-1)!);
      let a = 0, b = 0, c = 0, workspace = 0;
      try {
        a = alloc(n * k * plan.inputBytes);
        b = alloc(k * n * plan.inputBytes);
        c = alloc(n * n * plan.outputBytes);
        workspace = plan.lt ? alloc(LT_WORKSPACE_BYTES) : 0;
        this.generate(precision, a, n, k, { k0: 1, k1: 2 }, false);
        this.generate(precision, b, k, n, { k0: 3, k1: 4 }, plan.lt);
        const first = await timed(1); // includes cuBLAS's first-call heuristics: only sizes the real run
        const repetitions = Math.max(3, Math.min(100, Math.round((seconds * 1000) / first)));
        const msPerGemm = await timed(repetitions);
        return { msPerGemm, tflops: (2 * n * n * k) / (msPerGemm / 1000) / 1e12, repetitions };
      } finally {
        for (const e of events) cu.destroyEvent(e);
        await this.drainAndFree(allocations);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async open(challengeId: string, rows: readonly RowRef[]): Promise<RowOpening[]> {
    this.assertOpen();
    const held = heldForOpening(this.held, challengeId, rows);
    const { n, precision } = held.challenge;
    const rowBytes = n * CLASS_PLANS[precision].outputBytes;
    this.cu.setCurrent(this.ctx);
    return rows.map(({ matrix, row }) => {
      const data = new Uint8Array(rowBytes);
      this.cu.copyToHostOn(this.openStream, data, held.results[matrix]! + row * rowBytes);
      return { matrix, row, data, path: merkleProof(held.levels, matrix * n + row) };
    });
  }

  async release(challengeId: string): Promise<void> {
    const held = this.held.get(challengeId);
    if (!held) return;
    this.held.delete(challengeId);
    this.cu.setCurrent(this.ctx);
    for (const ptr of held.results) this.cu.free(ptr);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    const steps: [string, () => void][] = [
      ['release results', () => { for (const held of this.held.values()) for (const ptr of held.results) this.cu.free(ptr); this.held.clear(); }],
      ['cublasLtDestroy', () => this.cu.destroyBlasLt(this.blasLt)],
      ['cublasDestroy', () => this.cu.destroyBlas(this.blas)],
      ['cuStreamDestroy', () => this.cu.destroyStream(this.stream)],
      ['cuStreamDestroy', () => this.cu.destroyStream(this.openStream)],
      ['cuStreamDestroy', () => this.cu.destroyStream(this.genStream)],
      ['cuStreamDestroy', () => this.cu.destroyStream(this.hashStream)],
      ['cuModuleUnload', () => this.cu.unloadModule(this.module)],
      ['cuDevicePrimaryCtxRelease', () => this.cu.releasePrimaryContext(this.device)],
    ];
    this.cu.setCurrent(this.ctx);
    for (const [what, step] of steps) {
      try {
        step();
      } catch (error) {
        this.log.warn(`closing the CUDA backend: ${what} failed`, { error });
      }
    }
  }

  /**
   * The device kernels against the TypeScript reference: a few elements of every class this device
   * runs (both layouts), leaf hashes of those rows and one Merkle level. A mismatch means the GPU path
   * would commit to results no validator accepts, so the backend refuses to start.
   */
  private async selfTest(): Promise<void> {
    const cu = this.cu;
    const key: MatrixKey = { k0: 0x243f6a88, k1: 0x85a308d3 };
    const rows = 3;
    const cols = 37; // not a multiple of any block size
    const ptr = cu.alloc(rows * cols * 8);
    const digests = cu.alloc(5 * HASH_BYTES); // 3 leaves, then the 2 nodes above them
    try {
      for (const precision of this.info.precisions) {
        const size = CLASS_PLANS[precision].inputBytes;
        for (const columnMajor of [false, true]) {
          this.generate(precision, ptr, rows, cols, key, columnMajor);
          const bytes = new Uint8Array(rows * cols * size);
          await this.sync();
          cu.copyToHost(bytes, ptr);
          const got = decodeElements(precision, bytes);
          for (let r = 0; r < rows; r++) {
            for (let c = 0; c < cols; c++) {
              const want = element(precision, key, r, c);
              const have = got[columnMajor ? c * rows + r : r * cols + c]!;
              if (!Object.is(want, have)) {
                throw new FlopnetError(`CUDA self-test: ${precision} element (${r}, ${c}) is ${have} on the device, ${want} in the reference`, {
                  code: 'E_CUDA_SELF_TEST',
                  hint: 'the kernels were miscompiled for this device: report the device, driver and NVRTC version',
                });
              }
            }
          }
        }
      }
      // Rows of 8·37 bytes (the fp64 matrix above, regenerated), three leaves and the level above them.
      this.generate('fp64', ptr, rows, cols, key, false);
      this.hashRows(ptr, (cols * 8) / 4, rows, digests);
      this.launch('flopnet_hash_level', [1, 1, 1], [128, 1, 1], [u64(digests), u32(rows), u64(digests + rows * HASH_BYTES)]);
      await this.sync();
      const matrix = new Uint8Array(rows * cols * 8);
      cu.copyToHost(matrix, ptr);
      const hashes = new Uint8Array(5 * HASH_BYTES);
      cu.copyToHost(hashes, digests);
      const leaves = new Uint8Array(rows * HASH_BYTES);
      for (let r = 0; r < rows; r++) leaves.set(hashLeaf(matrix.subarray(r * cols * 8, (r + 1) * cols * 8)), r * HASH_BYTES);
      const want = Buffer.concat([leaves, merkleLevels(leaves)[1]!]);
      if (!want.equals(hashes)) {
        throw new FlopnetError('CUDA self-test: the device SHA-256 leaves or Merkle level differ from node:crypto', {
          code: 'E_CUDA_SELF_TEST',
          hint: 'the kernels were miscompiled for this device: report the device, driver and NVRTC version',
        });
      }
    } finally {
      cu.free(ptr);
      cu.free(digests);
    }
  }

  private async sync(): Promise<void> {
    const e = this.cu.createEvent();
    try {
      this.cu.record(e, this.stream);
      await this.cu.waitFor(e);
    } finally {
      this.cu.destroyEvent(e);
    }
  }
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

export function createCudaBackend(options: CudaBackendOptions = {}): Promise<CudaBackend> {
  return CudaBackend.create(options);
}
