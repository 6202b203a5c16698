/**
 * The gpu.js backend (design card): the fp32 class with a gpu.js kernel, for machines without CUDA.
 *
 * gpu.js picks its own mode and falls back silently (no display → no WebGL → WebAssembly on the CPU), so
 * this backend reads the mode the kernel really ran in after the first run and reports that — never a
 * GPU it is not using. Inputs are generated and rows hashed on the host (gpu.js has no 32×32→64 integer
 * multiply for Philox and no byte output for SHA-256); only the product runs in gpu.js.
 *
 * It keeps each GEMM's result rows in host memory until the openings (the design card's backend is for
 * small GEMMs; the CUDA and CPU backends recompute instead).
 *
 * Accuracy: the GL and WebAssembly modes accumulate in fp32 like the class asks; 'cpu' mode runs the
 * kernel as JavaScript and accumulates in doubles, then stores fp32. That is more accurate than fp32
 * accumulation, so it stays inside the verifier's tolerance (which bounds the error, not its sign).
 */
import { freemem } from 'node:os';
import gpujs from 'gpu.js';
import { FlopnetError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { silentLogger } from '../../shared/log.js';
import { colOfB, matrixKey, rowOfA } from '../../shared/challenge/elements.js';
import { HASH_BYTES, hashLeaf, merkleLevels, merkleProof, merkleRoot } from '../../shared/challenge/merkle.js';
import type { Challenge, DeviceInfo, RowRef } from '../../shared/challenge/types.js';
import { nextGemmFits, type ExecutionTimings } from './backend.js';
import { NodeBackend, type Dealer, type DeviceWorker, type GemmRowOpening, type WorkerRunOptions } from './node.js';

const { GPU } = gpujs;

/** Modes a gpu.js kernel can run in, and what each means for where the arithmetic happens. */
export const GPUJS_MODES: Readonly<Record<string, { gpu: boolean; description: string }>> = {
  headlessgl: { gpu: true, description: 'WebGL through headless-gl' },
  webgl2: { gpu: true, description: 'WebGL2' },
  webgl: { gpu: true, description: 'WebGL' },
  webgpu: { gpu: true, description: 'WebGPU' },
  webasm: { gpu: false, description: 'WebAssembly on the CPU (no GPU context available)' },
  cpu: { gpu: false, description: 'JavaScript on the CPU' },
};

/** Renderer strings of software GL implementations: a "GPU" mode that still runs on the CPU. */
const SOFTWARE_RENDERERS = /llvmpipe|softpipe|swiftshader|software|swrast/i;

export interface GpujsBackendOptions {
  /** gpu.js mode to request; default 'gpu' (its best available, falling back as gpu.js does). */
  mode?: 'gpu' | 'cpu' | 'headlessgl' | 'webgl' | 'webgl2' | 'webasm';
  log?: Logger;
}

/** One GEMM kept for its openings: its result rows and its tree. */
interface KeptGemm {
  rows: Float32Array[];
  levels: Uint8Array[];
}

type MatmulKernel = ((a: Float32Array, bt: Float32Array) => Float32Array[]) & {
  kernel: { constructor: { mode?: string }; context?: { getParameter(p: number): unknown; RENDERER: number } };
  destroy(): void;
};

export class GpujsDevice implements DeviceWorker {
  readonly label = 'gpujs';
  private readonly gpu: InstanceType<typeof GPU>;
  private readonly log: Logger;
  private readonly kept = new Map<string, Map<number, KeptGemm>>();
  private readonly kernels = new Map<string, MatmulKernel>();
  /** The mode kernels ran in (known after the probe in `start`). */
  private mode = 'unknown';
  private renderer: string | undefined;

  constructor(options: GpujsBackendOptions = {}) {
    this.gpu = new GPU({ mode: options.mode ?? 'gpu' });
    this.log = (options.log ?? silentLogger).child('gpujs');
  }

  /** Runs a tiny product once, so `describe` reports the mode gpu.js actually uses, and checks it is right. */
  async start(): Promise<void> {
    if (this.mode !== 'unknown') return;
    const kernel = this.kernel(2, 3);
    const out = kernel(new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([1, 0, 1, 0, 1, 0]));
    this.mode = kernel.kernel.constructor.mode ?? String(this.gpu.mode);
    try {
      const gl = kernel.kernel.context;
      if (gl && typeof gl.getParameter === 'function') this.renderer = String(gl.getParameter(gl.RENDERER));
    } catch {
      this.renderer = undefined;
    }
    // Row 0 of A · column 0 of B = 1 + 3 = 4; row 1 · column 1 = 5.
    if (out[0]![0] !== 4 || out[1]![1] !== 5) {
      throw new FlopnetError(`gpu.js (${this.mode}) computed a wrong product in its start-up check`, { code: 'E_GPUJS_SELF_TEST', hint: 'use --backend cpu' });
    }
    this.log.debug('gpu.js ready', { mode: this.mode, renderer: this.renderer });
  }

  /** True only when the arithmetic runs on a GPU (a GL/WebGPU mode with a hardware renderer). */
  get onGpu(): boolean {
    return (GPUJS_MODES[this.mode]?.gpu ?? false) && !(this.renderer && SOFTWARE_RENDERERS.test(this.renderer));
  }

  async describe(): Promise<DeviceInfo> {
    await this.start();
    const known = GPUJS_MODES[this.mode];
    const where = known ? known.description : `mode ${this.mode}`;
    const software = this.renderer && SOFTWARE_RENDERERS.test(this.renderer) ? ` (software renderer ${this.renderer}: runs on the CPU)` : this.renderer ? ` (${this.renderer})` : '';
    return {
      backend: 'gpujs',
      name: `gpu.js ${this.mode}${this.onGpu ? '' : ', no GPU'}`,
      memoryBytes: freemem(),
      precisions: ['fp32'],
      detail: `gpu.js mode ${this.mode}: ${where}${software}`.slice(0, 1024),
    };
  }

  private kernel(n: number, k: number): MatmulKernel {
    const key = `${n}x${k}`;
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = this.gpu.createKernel<[number[], number[]], { k: number }>(
        function (a, bt) {
          let sum = 0;
          for (let i = 0; i < this.constants.k; i++) sum += a[this.thread.y * this.constants.k + i]! * bt[this.thread.x * this.constants.k + i]!;
          return sum;
        },
        { output: [n, n], constants: { k }, precision: 'single', tactic: 'precision' },
      ) as unknown as MatmulKernel;
      this.kernels.set(key, kernel);
    }
    return kernel;
  }

  async run(challenge: Challenge, dealer: Dealer, { signal, stopAt, finishMs, done }: WorkerRunOptions): Promise<ExecutionTimings> {
    await this.start();
    const { precision, m, n, k } = challenge;
    if (precision !== 'fp32') {
      throw new FlopnetError(`the gpu.js backend runs only the fp32 class, not ${precision}`, { code: 'E_PRECISION_UNSUPPORTED', hint: 'use --backend cpu or cuda for other classes' });
    }
    // The first GEMM must fit; later ones stop at free memory as they stop at the deadline (the loop
    // below), since m is an offer sized for a window, not a promise that m results fit.
    const resultBytes = n * n * 4;
    const needed = 2 * n * k * 4 + resultBytes + m * n * HASH_BYTES * 2;
    if (needed > freemem()) {
      throw new FlopnetError(`challenge fp32 m=${m} n=${n} k=${k} needs ${(needed / 2 ** 30).toFixed(2)} GiB for its first GEMM; ${(freemem() / 2 ** 30).toFixed(2)} GiB of memory is free`, {
        code: 'E_DEVICE_MEMORY',
        hint: 'the validator sizes challenges from the memory the miner reports',
      });
    }
    const kernel = this.kernel(n, k);
    const timings: ExecutionTimings = { generateMs: 0, gemmMs: 0, hashMs: 0 };
    const a = new Float32Array(n * k);
    const bt = new Float32Array(n * k);
    const leaves = new Uint8Array(n * HASH_BYTES);
    const kept = new Map<number, KeptGemm>();
    this.kept.set(challenge.id, kept);
    // Pace of one GEMM, slowest so far.
    let slowestGemmMs = 0;
    for (let count = 0; nextGemmFits(stopAt, count, slowestGemmMs, finishMs(count + 1)) && (count === 0 || freemem() >= resultBytes); count++) {
      const j = dealer.next();
      if (j === undefined) break;
      signal?.throwIfAborted();
      const gemmStarted = performance.now();
      let t = gemmStarted;
      const keyA = matrixKey(challenge.seed, 'A', j);
      const keyB = matrixKey(challenge.seed, 'B', j);
      for (let i = 0; i < n; i++) {
        rowOfA('fp32', keyA, i, k, a.subarray(i * k, (i + 1) * k));
        colOfB('fp32', keyB, i, k, bt.subarray(i * k, (i + 1) * k));
      }
      timings.generateMs += performance.now() - t;
      t = performance.now();
      const c = kernel(a, bt).map((row) => Float32Array.from(row));
      timings.gemmMs += performance.now() - t;
      t = performance.now();
      for (let r = 0; r < n; r++) leaves.set(hashLeaf(new Uint8Array(c[r]!.buffer, c[r]!.byteOffset, n * 4)), r * HASH_BYTES);
      const levels = merkleLevels(leaves.slice());
      timings.hashMs += performance.now() - t;
      kept.set(j, { rows: c, levels });
      done(j, merkleRoot(levels));
      // Let the event loop breathe between GEMMs: gpu.js runs synchronously on this thread.
      await new Promise((resolve) => setImmediate(resolve));
      slowestGemmMs = Math.max(slowestGemmMs, performance.now() - gemmStarted);
    }
    return timings;
  }

  async open(challenge: Challenge, refs: readonly RowRef[]): Promise<GemmRowOpening[]> {
    const kept = this.kept.get(challenge.id);
    return refs.map(({ matrix, row }) => {
      const gemm = kept?.get(matrix);
      if (!gemm) throw new FlopnetError(`GEMM ${matrix} of challenge ${challenge.id} was not computed on ${this.label}`, { code: 'E_UNKNOWN_CHALLENGE' });
      return { data: new Uint8Array(gemm.rows[row]!.slice().buffer), path: merkleProof(gemm.levels, row) };
    });
  }

  async release(challengeId: string): Promise<void> {
    this.kept.delete(challengeId);
  }

  async close(): Promise<void> {
    this.kept.clear();
    for (const kernel of this.kernels.values()) kernel.destroy();
    this.kernels.clear();
    this.gpu.destroy();
  }
}

/** The gpu.js backend: a node of one gpu.js device. */
export class GpujsBackend extends NodeBackend {
  private readonly device: GpujsDevice;
  constructor(options: GpujsBackendOptions = {}) {
    const device = new GpujsDevice(options);
    super([device], { kind: 'gpujs', ...(options.log ? { log: options.log.child('gpujs') } : {}) });
    this.device = device;
  }

  /** True only when the arithmetic runs on a GPU (a GL/WebGPU mode with a hardware renderer). */
  get onGpu(): boolean {
    return this.device.onGpu;
  }
}

export async function createGpujsBackend(options: GpujsBackendOptions = {}): Promise<GpujsBackend> {
  const backend = new GpujsBackend(options);
  await backend.start();
  return backend;
}
