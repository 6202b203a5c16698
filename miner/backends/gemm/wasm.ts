/**
 * The WebAssembly SIMD GEMM kernel: the default where the machine has no BLAS, with nothing to install
 * beyond `npm ci` (no compiler, no native module). gemm.wasm is built from ./wasm-source.ts.
 *
 * One shared WebAssembly memory holds, for the product in progress, each band's rows of A packed in
 * panels of MR rows, B in panels of NR columns, C, and one scratch tile per band. Every worker thread of
 * the CPU backend instantiates the module on that memory (the module and memory travel in workerData),
 * so a product is two rounds of tasks: pack (B in one chunk per thread, A band by band, read from the
 * generation stage's shared buffers) and multiply (each band's rows of C, then copied to the product's
 * C). Packing and copying cost O(n·k + n²) next to the O(n²·k) of the product.
 *
 * The memory grows to the largest product seen and stays there until the backend closes (WebAssembly
 * memory cannot shrink); a product whose packed operands and result pass 4 GiB (wasm32's limit: fp32 at
 * n = k ≈ 18 000) is handed to the JavaScript reference.
 */
import { readFileSync } from 'node:fs';
import { FlopnetError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import { bands, splitBands, type GemmKernel, type GemmOperands, type RowBands, type TaskRunner } from './kernel.js';
import { WASM_TILES, type WasmTile } from './wasm-source.js';

// The project's lib settings (ES2023, no DOM) do not declare WebAssembly; Node provides it.
export type WasmModule = { readonly __wasmModule?: never };
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmExports {
  gemm_f32(ap: number, bp: number, c: number, ldc: number, rows: number, cols: number, k: number, scratch: number): void;
  gemm_f64(ap: number, bp: number, c: number, ldc: number, rows: number, cols: number, k: number, scratch: number): void;
}
const WA = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => WasmModule;
    Instance: new (module: WasmModule, imports: object) => { exports: unknown };
    Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  };
}).WebAssembly;

const PAGE = 65536;
/** wasm32 addresses 4 GiB. */
const MAX_PAGES = 65536;

export const GEMM_WASM_URL = new URL('./gemm.wasm', import.meta.url);

/** What every thread needs to run the kernel: the compiled module and the shared memory. */
export interface WasmGemmShared {
  module: WasmModule;
  memory: WasmMemory;
}

/** Compiles gemm.wasm and creates its memory (one page; grown per product). Throws where either fails. */
export function createWasmGemmShared(bytes: Uint8Array = readFileSync(GEMM_WASM_URL)): WasmGemmShared {
  const module = new WA.Module(bytes);
  const memory = new WA.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  return { module, memory };
}

/** A binary64 or binary32 view of (part of) a shared buffer. */
const floats = (buffer: SharedArrayBuffer, wide: boolean, byteOffset = 0, length?: number): Float32Array | Float64Array =>
  wide ? new Float64Array(buffer, byteOffset, length) : new Float32Array(buffer, byteOffset, length);

const tileOf = (wide: boolean): WasmTile => (wide ? WASM_TILES.f64 : WASM_TILES.f32);
const align16 = (x: number) => Math.ceil(x / 16) * 16;
const roundUp = (x: number, to: number) => Math.ceil(x / to) * to;

/** Byte addresses of one product's regions in the shared memory. */
export interface WasmLayout {
  /** One MR×NR scratch tile per band, from here. */
  scratch: number;
  /** Each band's A panels (⌈rows/MR⌉ of them). */
  ap: number[];
  /** B's panels (⌈n/NR⌉ of them, all columns). */
  bp: number;
  /** C, n×n: a band's rows at their own row index. */
  c: number;
  end: number;
}

export function wasmLayout(wide: boolean, n: number, k: number, rows: RowBands): WasmLayout {
  const t = tileOf(wide);
  const scratch = 0;
  let at = align16(scratch + rows.length * t.mr * t.nr * t.bytes);
  const ap = rows.map(([from, to]) => {
    const here = at;
    at = align16(at + roundUp(to - from, t.mr) * k * t.bytes);
    return here;
  });
  const bp = at;
  const c = align16(bp + roundUp(n, t.nr) * k * t.bytes);
  return { scratch, ap, bp, c, end: c + n * n * t.bytes };
}

export interface WasmPackTask {
  type: 'wasm-pack';
  wide: boolean;
  k: number;
  /** Rows from..to of `source` (A, or Bᵀ whose rows are B's columns) into panels of `width` rows at byte address `at`. */
  source: SharedArrayBuffer;
  from: number;
  to: number;
  width: number;
  at: number;
}

export interface WasmMultiplyTask {
  type: 'wasm-multiply';
  wide: boolean;
  n: number;
  k: number;
  /** The band: rows from..to of C. */
  from: number;
  to: number;
  /** Byte addresses: the band's A panels, B's panels, C, the band's scratch tile. */
  ap: number;
  bp: number;
  cw: number;
  scratch: number;
  /** The product's C, where the band's rows are copied. */
  c: SharedArrayBuffer;
}

/**
 * Rows from..to of `src` (k wide) into panels of `width` rows from element `dstBase` of `dst`: element
 * (i, l) of panel p at ((p·k + l)·width + i). The last panel's rows past `to` are zeros.
 */
function packPanels(src: Float32Array | Float64Array, from: number, to: number, k: number, width: number, dst: Float32Array | Float64Array, dstBase: number): void {
  for (let p = from; p < to; p += width) {
    const panel = dstBase + ((p - from) / width) * k * width;
    for (let i = 0; i < width; i++) {
      const row = p + i;
      if (row < to) {
        const s = row * k;
        for (let l = 0, d = panel + i; l < k; l++, d += width) dst[d] = src[s + l]!;
      } else {
        for (let l = 0, d = panel + i; l < k; l++, d += width) dst[d] = 0;
      }
    }
  }
}

/** One thread's instance of the kernel on the shared memory. */
export class WasmGemmThread {
  private readonly exports: WasmExports;

  constructor(private readonly shared: WasmGemmShared) {
    this.exports = new WA.Instance(shared.module, { env: { memory: shared.memory } }).exports as WasmExports;
  }

  pack({ wide, k, source, from, to, width, at }: WasmPackTask): void {
    packPanels(floats(source, wide), from, to, k, width, floats(this.shared.memory.buffer, wide), at / (wide ? 8 : 4));
  }

  /** The band's rows of C, computed in the shared memory and copied to the product's C. */
  multiply({ wide, n, k, from, to, ap, bp, cw, scratch, c }: WasmMultiplyTask): void {
    const rows = to - from;
    const bandC = cw + from * n * (wide ? 8 : 4);
    (wide ? this.exports.gemm_f64 : this.exports.gemm_f32)(ap, bp, bandC, n, rows, n, k, scratch);
    floats(c, wide).set(floats(this.shared.memory.buffer, wide, bandC, rows * n), from * n);
  }
}

/**
 * The kernel as the CPU backend uses it: lays out and grows the memory, then runs the pack and multiply
 * rounds on the worker threads (which were started with `shared` in their workerData).
 */
export class WasmGemm implements GemmKernel {
  readonly name = 'wasm' as const;
  readonly detail: string;
  private warnedTooBig = false;

  constructor(
    private readonly shared: WasmGemmShared,
    private readonly pool: TaskRunner,
    /** Takes products too big for 4 GiB of WebAssembly memory. */
    private readonly fallback: GemmKernel,
    private readonly log: Logger,
  ) {
    this.detail = `WebAssembly SIMD, ${pool.size} worker threads`;
  }

  /** Every row of a band depends only on its own row of A and on B: any bands give the same bits. */
  async multiply(operands: GemmOperands, wanted: RowBands = [[0, operands.n]]): Promise<void> {
    const { precision, n, k, a, bt, c } = operands;
    const wide = precision === 'fp64';
    const t = tileOf(wide);
    const threads = this.pool.size;
    // Two pieces per thread balance a machine where other work takes a core for a while.
    const rows = splitBands(wanted, threads > 1 ? threads * 2 : 1, t.mr);
    const layout = wasmLayout(wide, n, k, rows);
    if (!this.reserve(layout.end)) {
      if (!this.warnedTooBig) this.log.warn('GEMM too big for WebAssembly memory: the JavaScript reference computes it', { n, k, bytes: layout.end });
      this.warnedTooBig = true;
      return this.fallback.multiply(operands, wanted);
    }
    // B whole (every band reads all of it) in one chunk per thread, A band by band; then the products.
    const packB = bands(n, threads, t.nr).map(([from, to]): WasmPackTask => ({ type: 'wasm-pack', wide, k, source: bt, from, to, width: t.nr, at: layout.bp + (from / t.nr) * k * t.nr * t.bytes }));
    const packA = rows.map(([from, to], i): WasmPackTask => ({ type: 'wasm-pack', wide, k, source: a, from, to, width: t.mr, at: layout.ap[i]! }));
    await Promise.all([...packB, ...packA].map((task) => this.pool.run(task)));
    const scratch = (i: number) => layout.scratch + i * t.mr * t.nr * t.bytes;
    await Promise.all(
      rows.map(([from, to], i) => this.pool.run({ type: 'wasm-multiply', wide, n, k, from, to, ap: layout.ap[i]!, bp: layout.bp, cw: layout.c, scratch: scratch(i), c })),
    );
  }

  /** Grows the memory to hold `bytes`; false when wasm32 cannot. */
  private reserve(bytes: number): boolean {
    const pages = Math.ceil(bytes / PAGE);
    if (pages > MAX_PAGES) return false;
    const have = this.shared.memory.buffer.byteLength / PAGE;
    if (pages <= have) return true;
    try {
      this.shared.memory.grow(pages - have);
      return true;
    } catch (error) {
      throw new FlopnetError(`WebAssembly memory cannot grow to ${pages} pages: ${error instanceof Error ? error.message : String(error)}`, {
        code: 'E_GEMM_MEMORY',
        hint: 'the machine is out of memory for this GEMM; smaller challenges fit',
        cause: error,
      });
    }
  }

  async close(): Promise<void> {}
}
