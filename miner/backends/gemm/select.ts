/**
 * Which GEMM kernel the CPU backend runs: the fastest of those that pass the start-up self-test.
 *
 * A BLAS library (found as ./blas.ts says, self-tested in a child process by ./probe.ts) and the
 * WebAssembly kernel (self-tested on the worker threads it will run on) are timed on one 512³ binary32
 * product when both pass; the JavaScript reference needs no test and is never faster. Every kernel
 * that is not the reference then runs behind spot checks (./selftest.ts): a wrong entry hands the
 * product, and every later one, to the next kernel down, so a library that fails only at some shape
 * or load still never reaches a commitment.
 */
import { FlopnetError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import { BlasGemm, BlasLibrary, blasCandidates, namedBlas } from './blas.js';
import { JsGemm } from './js.js';
import { GEMM_KERNELS, type GemmKernel, type GemmKernelName, type GemmOperands, type RowBands, type TaskRunner } from './kernel.js';
import { probeBlas } from './probe.js';
import { selfTest, spotCheck } from './selftest.js';
import { timeGemm, timingOperands } from './timing.js';
import { WasmGemm, type WasmGemmShared } from './wasm.js';

export type GemmPreference = 'auto' | GemmKernelName;
export const GEMM_PREFERENCES = ['auto', ...GEMM_KERNELS] as const satisfies readonly GemmPreference[];

export interface KernelReport {
  kernel: GemmKernelName;
  ok: boolean;
  /** What the kernel is, or why it cannot run here. */
  detail: string;
  /** Measured on the selection product (binary32, 512³), when more than one kernel passed. */
  gflops?: number;
}

export interface GemmSelection {
  /** The chosen kernel behind spot checks, falling back down the list on a wrong entry. */
  kernel: GemmKernel;
  report: KernelReport[];
}

export interface SelectGemmOptions {
  pool: TaskRunner;
  threads: number;
  /** 'auto' (default): the fastest that passes; a kernel's name: that kernel or an error saying why not. */
  prefer?: GemmPreference;
  /** `--blas PATH`: only that library (else FLOPNET_BLAS, else the search list). */
  blas?: string;
  /** The WebAssembly kernel's module and memory, or why they could not be made. */
  wasm?: WasmGemmShared | Error;
  log: Logger;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Timing product: big enough to time arithmetic (~1 ms for a BLAS on 2 cores), small enough to cost nothing. */
const TIMING_DIM = 512;
const TIMING_SECONDS = 0.05;

export async function selectGemmKernel(options: SelectGemmOptions): Promise<GemmSelection> {
  const { pool, threads, log } = options;
  const prefer = options.prefer ?? 'auto';
  const reference = new JsGemm(pool);
  const report: KernelReport[] = [];
  const passed: GemmKernel[] = [];
  const consider = (name: GemmKernelName) => prefer === 'auto' || prefer === name;

  // The BLAS self-test runs in a child process while the WebAssembly one runs on the worker threads.
  const named = namedBlas(options.blas);
  const blasPaths = named ? [named] : blasCandidates();
  const blasProbe = consider('blas') ? probeBlas(blasPaths, threads) : undefined;

  if (consider('wasm')) {
    if (options.wasm === undefined || options.wasm instanceof Error) {
      report.push({ kernel: 'wasm', ok: false, detail: `WebAssembly kernel unavailable: ${options.wasm?.message ?? 'not loaded'}` });
    } else {
      const kernel = new WasmGemm(options.wasm, pool, reference, log);
      const fault = await selfTest((operands) => kernel.multiply(operands)).catch((error: unknown) => `error: ${message(error)}`);
      if (fault) report.push({ kernel: 'wasm', ok: false, detail: `self-test failed: ${fault}` });
      else {
        passed.push(kernel);
        report.push({ kernel: 'wasm', ok: true, detail: kernel.detail });
      }
    }
  }
  if (blasProbe) {
    const answers = await blasProbe;
    const good = answers.find((a) => a.ok);
    let library: BlasLibrary | string | undefined;
    try {
      library = good && BlasLibrary.open(good.path, threads);
    } catch (error) {
      library = `${good!.path} passed its self-test but does not load here: ${message(error)}`;
    }
    if (library instanceof BlasLibrary) {
      const kernel = new BlasGemm(library);
      passed.push(kernel);
      report.push({ kernel: 'blas', ok: true, detail: kernel.detail });
    } else if (library) {
      report.push({ kernel: 'blas', ok: false, detail: library });
    } else {
      const failed = answers.filter((a) => named || !a.missing);
      const detail = failed.length > 0 ? failed.map((a) => `${a.path}: ${a.reason}`).join('; ') : `no BLAS library found (tried ${blasPaths.join(', ')})`;
      report.push({ kernel: 'blas', ok: false, detail });
    }
  }
  if (consider('js')) {
    passed.push(reference);
    report.push({ kernel: 'js', ok: true, detail: reference.detail });
  }

  if (prefer !== 'auto' && passed.length === 0) {
    throw new FlopnetError(`the ${prefer} GEMM kernel cannot run here: ${report[0]!.detail}`, {
      code: 'E_GEMM_UNAVAILABLE',
      hint: prefer === 'blas' ? 'apt-get install libopenblas0 (or point --blas at a CBLAS library), or use --gemm auto' : 'use --gemm auto',
    });
  }
  const fast = passed.filter((k) => k !== reference);
  if (fast.length > 1) {
    const operands = timingOperands('fp32', TIMING_DIM, TIMING_DIM);
    for (const kernel of fast) report.find((r) => r.kernel === kernel.name)!.gflops = (await timeGemm(kernel, operands, undefined, TIMING_SECONDS)).tflops * 1000;
    fast.sort((x, y) => report.find((r) => r.kernel === y.name)!.gflops! - report.find((r) => r.kernel === x.name)!.gflops!);
  }
  const chain = [...fast, reference];
  for (const r of report) log.debug(`GEMM kernel ${r.kernel}: ${r.ok ? 'passed' : 'unavailable'}`, { detail: r.detail, ...(r.gflops ? { gflops: r.gflops } : {}) });
  return { kernel: new CheckedGemm(chain, log), report };
}

/**
 * The chosen kernel with its fallbacks: each product is spot-checked unless the reference computed it;
 * a wrong entry drops the kernel for good and the next one recomputes the product.
 */
export class CheckedGemm implements GemmKernel {
  constructor(
    private readonly chain: GemmKernel[],
    private readonly log: Logger,
  ) {}

  get name(): GemmKernelName {
    return this.chain[0]!.name;
  }

  get detail(): string {
    return this.chain[0]!.detail;
  }

  async multiply(operands: GemmOperands, rows?: RowBands): Promise<void> {
    for (;;) {
      const kernel = this.chain[0]!;
      await kernel.multiply(operands, rows);
      if (this.chain.length === 1) return;
      const fault = spotCheck(operands, rows);
      if (!fault) return;
      this.chain.shift();
      this.log.error(`GEMM kernel ${kernel.name} computed a wrong entry; the ${this.chain[0]!.name} kernel takes over`, { fault, kernel: kernel.detail });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.chain.map((k) => k.close()));
  }
}
