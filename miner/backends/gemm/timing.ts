/**
 * Timing a GEMM kernel alone: how the CPU backend picks between kernels (select.ts) and what benchmarks
 * put next to a challenge's credited rate (CpuBackend.measureGemm).
 */
import type { Precision } from '../../../shared/challenge/types.js';
import type { GemmRate } from '../backend.js';
import type { GemmKernel, GemmOperands, RowBands } from './kernel.js';

/**
 * Operands in the protocol's range (±0.5..1.5, random signs, which the spot checks' tolerance assumes),
 * made from a hash of the index rather than Philox: timing the product leaves generation out.
 */
export function timingOperands(precision: Precision, n: number, k: number): GemmOperands {
  const width = precision === 'fp64' ? 8 : 4;
  const operands = { precision, n, k, a: new SharedArrayBuffer(n * k * width), bt: new SharedArrayBuffer(n * k * width), c: new SharedArrayBuffer(n * n * width) };
  for (const [m, buffer] of [operands.a, operands.bt].entries()) {
    const values = width === 8 ? new Float64Array(buffer) : new Float32Array(buffer);
    for (let i = 0; i < values.length; i++) {
      let bits = Math.imul(i ^ (0x9e3779b9 + m), 0x85ebca6b);
      bits = Math.imul(bits ^ (bits >>> 13), 0xc2b2ae35);
      bits = (bits ^ (bits >>> 16)) >>> 0;
      values[i] = (bits & 1 ? -1 : 1) * (0.5 + bits / 2 ** 33);
    }
  }
  return operands;
}

/**
 * `kernel` on `operands` after one product to warm up, as many times as fill about `seconds` (at least
 * `minRuns`): wall-clock rate, and FLOPs per CPU-second of this process (the kernels run in it).
 */
export async function timeGemm(kernel: GemmKernel, operands: GemmOperands, rows: RowBands | undefined, seconds: number, minRuns = 3): Promise<GemmRate> {
  const flops = 2 * operands.n * operands.n * operands.k;
  let t0 = performance.now();
  await kernel.multiply(operands, rows);
  const first = performance.now() - t0;
  const repetitions = Math.max(minRuns, Math.min(1000, Math.round((seconds * 1000) / Math.max(first, 0.01))));
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < repetitions; i++) await kernel.multiply(operands, rows);
  const msPerGemm = (performance.now() - t0) / repetitions;
  const cpu = process.cpuUsage(cpu0);
  return { msPerGemm, tflops: flops / (msPerGemm / 1000) / 1e12, repetitions, cpuTflops: (flops * repetitions) / ((cpu.user + cpu.system) / 1e6) / 1e12 };
}
