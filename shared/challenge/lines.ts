/**
 * Whole lines of a matrix (rows of A, columns of B) in bulk, from the SIMD WebAssembly generator built from
 * ./lines-source.ts: ~1 ns per value on one core against ~12 ns for Philox call by call followed by the
 * element rule in JavaScript. The miner's generation stage and the validator's regenerated rows and
 * columns both go through ./elements.ts fillLines, which uses this where WebAssembly SIMD compiles and
 * its own reference loop elsewhere; test/shared/challenge/lines.test.ts holds the two to the same bits.
 *
 * Each thread (the main one, each worker) instantiates the module once, on first use, with its own
 * memory: the round keys, then a chunk of lines that is copied out to the caller's array (~0.2 ns per
 * value, cheaper than handing a WebAssembly memory to every consumer of the matrices).
 */
import { LINES_WASM } from './lines-wasm.js';
import { GROUPS, ROUND_KEY_BYTES, valuesPerGroup, type LineVariant } from './lines-source.js';
import type { MatrixKey } from './elements.js';

interface LinesExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  fill_narrow_f32(k0: number, k1: number, line: number, lines: number, calls: number, dst: number, stride: number, bits: number): void;
  fill_narrow_f64(k0: number, k1: number, line: number, lines: number, calls: number, dst: number, stride: number, bits: number): void;
  fill_wide_f64(k0: number, k1: number, line: number, lines: number, calls: number, dst: number, stride: number): void;
}

// The project's lib settings (ES2023, no DOM) do not declare WebAssembly; Node provides it.
const WA = (globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { exports: unknown } };
}).WebAssembly;

const PAGE = 65536;
/** Bytes of lines generated per call into the module, then copied out: small enough to stay in L2. */
const CHUNK_BYTES = 64 * 1024;

let instance: LinesExports | Error | undefined;

/** This thread's instance, or why it has none (WebAssembly SIMD missing, e.g. x86 without SSE4.1). */
function linesModule(): LinesExports | Error {
  if (instance === undefined) {
    try {
      instance = new WA.Instance(new WA.Module(Buffer.from(LINES_WASM, 'base64')), {}).exports as LinesExports;
    } catch (error) {
      instance = error instanceof Error ? error : new Error(String(error));
    }
  }
  return instance;
}

/** Why the SIMD generator cannot run on this machine, or undefined when it can. */
export function simdLinesUnavailable(): string | undefined {
  const module = linesModule();
  return module instanceof Error ? module.message : undefined;
}

/**
 * Lines first..first+count−1 of the matrix with key `key`, k values each, into `out` (line first + t at
 * t·k). `mantissaBits` is the class's p (52: fp64, whose values take two words each); a class below fp64
 * may go into a Float32Array or a Float64Array, fp64 only into a Float64Array. Returns false, having
 * written nothing, where the module is unavailable (simdLinesUnavailable says why).
 */
export function simdLines(mantissaBits: number, key: MatrixKey, first: number, count: number, k: number, out: Float32Array | Float64Array): boolean {
  const module = linesModule();
  if (module instanceof Error) return false;
  const wide = mantissaBits > 23;
  if (wide && !(out instanceof Float64Array)) throw new TypeError('fp64 values need a Float64Array');
  if (out.length < count * k) throw new RangeError(`${count} lines of ${k} need ${count * k} values, the array holds ${out.length}`);
  const variant: LineVariant = wide ? 'wide_f64' : out instanceof Float32Array ? 'narrow_f32' : 'narrow_f64';
  const bytes = out.BYTES_PER_ELEMENT;
  const perCall = wide ? 2 : 4;
  const calls = Math.ceil(k / perCall);
  const lineBytes = k * bytes;
  const perChunk = Math.max(1, Math.min(count, Math.floor(CHUNK_BYTES / lineBytes)));
  // The last line of a chunk may run past its end by less than one pass of the inner loop.
  const slack = GROUPS * valuesPerGroup(variant) * bytes;
  const dst = ROUND_KEY_BYTES;
  reserve(module, dst + perChunk * lineBytes + slack);
  for (let t = 0; t < count; t += perChunk) {
    const lines = Math.min(perChunk, count - t);
    const line = (first + t) >>> 0;
    if (variant === 'wide_f64') module.fill_wide_f64(key.k0, key.k1, line, lines, calls, dst, lineBytes);
    else if (variant === 'narrow_f32') module.fill_narrow_f32(key.k0, key.k1, line, lines, calls, dst, lineBytes, mantissaBits);
    else module.fill_narrow_f64(key.k0, key.k1, line, lines, calls, dst, lineBytes, mantissaBits);
    const values = lines * k;
    out.set(wide || variant === 'narrow_f64' ? new Float64Array(module.memory.buffer, dst, values) : new Float32Array(module.memory.buffer, dst, values), t * k);
  }
  return true;
}

function reserve(module: LinesExports, bytes: number): void {
  const have = module.memory.buffer.byteLength;
  if (bytes > have) module.memory.grow(Math.ceil((bytes - have) / PAGE));
}
