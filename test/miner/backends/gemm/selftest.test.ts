import { describe, expect, it } from 'vitest';
import { JsGemm } from '../../../../miner/backends/gemm/js.js';
import type { GemmOperands } from '../../../../miner/backends/gemm/kernel.js';
import { protocolInputs, selfTest, spotCheck } from '../../../../miner/backends/gemm/selftest.js';
import { roundToFp16, roundToMantissa } from '../../../../miner/backends/adversary.js';
import { inlineRunner } from './kernels.js';

const reference = new JsGemm(inlineRunner(1));
const view = (o: GemmOperands, buffer: SharedArrayBuffer) => (o.precision === 'fp64' ? new Float64Array(buffer) : new Float32Array(buffer));

/** A kernel that computes C[r, c] = Σ f(A[r, l], Bᵀ[c, l]) with `step` accumulating, in plain loops. */
function naive(step: (sum: number, a: number, b: number) => number, index = (r: number, c: number, n: number) => r * n + c) {
  return (o: GemmOperands) => {
    const a = view(o, o.a);
    const bt = view(o, o.bt);
    const c = view(o, o.c);
    for (let r = 0; r < o.n; r++) {
      for (let col = 0; col < o.n; col++) {
        let sum = 0;
        for (let l = 0; l < o.k; l++) sum = step(sum, a[r * o.k + l]!, bt[col * o.k + l]!);
        c[index(r, col, o.n)] = sum;
      }
    }
  };
}

describe('GEMM self-test', () => {
  it('passes the JavaScript reference and an fp64 accumulation of any kernel', async () => {
    expect(await selfTest((o) => reference.multiply(o))).toBeUndefined();
    expect(await selfTest(naive((s, a, b) => s + a * b))).toBeUndefined();
  });

  it('catches one wrong entry', async () => {
    const fault = await selfTest((o) => {
      naive((s, a, b) => s + a * b)(o);
      view(o, o.c)[o.n + 1]! += 2 ** -8;
    });
    expect(fault).toMatch(/entry \(1, 1\) is .*expected .*exact value/);
  });

  it('catches a transposed product, an fp16 accumulation and inputs rounded to bf16', async () => {
    expect(await selfTest(naive((s, a, b) => s + a * b, (r, c, n) => c * n + r))).toMatch(/fp8 inputs/);
    expect(await selfTest(naive((s, a, b) => roundToFp16(s + a * b)))).toMatch(/fp8 inputs/);
    expect(await selfTest(naive((s, a, b) => Math.fround(s + roundToMantissa(a, 7) * roundToMantissa(b, 7))))).toMatch(/fp32 inputs.*tolerance/);
  });

  it('catches a NaN where the reference has a number', async () => {
    expect(await selfTest((o) => void view(o, o.c).fill(Number.NaN))).toMatch(/is NaN/);
  });
});

describe('GEMM spot check', () => {
  it('passes a right product and names an entry of a wrong one', async () => {
    const { operands } = protocolInputs({ inputs: 'bf16', precision: 'bf16', n: 40, k: 300 });
    await reference.multiply(operands);
    expect(spotCheck(operands, undefined, 64)).toBeUndefined();
    // Every entry short of its last product, as a kernel that drops a k step would be.
    const c = new Float32Array(operands.c);
    const a = new Float32Array(operands.a);
    const bt = new Float32Array(operands.bt);
    for (let r = 0; r < 40; r++) for (let col = 0; col < 40; col++) c[r * 40 + col]! -= a[r * 300 + 299]! * bt[col * 300 + 299]!;
    expect(spotCheck(operands)).toMatch(/^bf16 entry \(\d+, \d+\) is .* \(tolerance/);
  });

  it('checks only the rows computed: a product recomputed in some bands has stale rows elsewhere', async () => {
    const { operands } = protocolInputs({ inputs: 'fp32', precision: 'fp32', n: 30, k: 100 });
    await reference.multiply(operands, [[10, 12]]);
    // Rows outside 10..12 are zeros, which no honest product has.
    expect(spotCheck(operands, [[10, 12]], 200)).toBeUndefined();
    expect(spotCheck(operands, [[0, 30]], 200)).toMatch(/is 0, expected/);
  });
});
