import { describe, expect, it } from 'vitest';
import { colOfB, matrixKey, rowOfA } from '../../../shared/challenge/elements.js';
import { entryBound, referenceDot, tau, UNIT_ROUNDOFF } from '../../../shared/challenge/tolerance.js';
import { roundToMantissa } from '../../../miner/backends/adversary.js';
import type { Precision } from '../../../shared/challenge/types.js';

const seed = new Uint8Array(32).fill(5);
const vectors = (precision: Precision, k: number, i: number) => ({
  a: rowOfA(precision, matrixKey(seed, 'A', i), i, k),
  b: colOfB(precision, matrixKey(seed, 'B', i), i, k),
});

/** Normalised error |c − ref| / (u·√k·√S), the quantity τ bounds (docs/protocol.md §7). */
const normalised = (precision: Precision, c: number, ref: { value: number; sumSquares: number }, k: number) =>
  Math.abs(c - ref.value) / (UNIT_ROUNDOFF[precision] * Math.sqrt(k) * Math.sqrt(ref.sumSquares));

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

describe('tolerance', () => {
  it('uses the documented τ per class (flat for fp32/fp64, k^1/4 above 4096 for tensor-core classes)', () => {
    expect([4096, 16384, 65536].map((k) => tau('fp32', k))).toEqual([6, 6, 6]);
    expect([4096, 16384, 65536].map((k) => tau('fp64', k))).toEqual([8, 8, 8]);
    expect(tau('tf32', 64)).toBe(32);
    expect(tau('tf32', 4096)).toBe(32);
    expect(tau('tf32', 16384)).toBeCloseTo(32 * Math.SQRT2, 12);
    expect(tau('tf32', 65536)).toBe(64);
    expect(tau('bf16', 65536)).toBe(32);
    expect(tau('fp16', 65536)).toBe(48);
    expect(tau('fp8', 65536)).toBe(64);
    expect(entryBound('fp32', 100, 4)).toBeCloseTo(6 * 2 ** -24 * 10 * 2, 20);
  });

  it('computes the fp64 reference to within an ulp of the exact sum (compensated), unlike a plain sum', () => {
    const k = 4096;
    let plainWorst = 0;
    for (let i = 0; i < 8; i++) {
      const { a, b } = vectors('fp64', k, i);
      // Every element is an integer multiple of 2^-53, so each product is an integer multiple of 2^-106.
      let exact = 0n;
      for (let l = 0; l < k; l++) exact += BigInt(a[l]! * 2 ** 53) * BigInt(b[l]! * 2 ** 53);
      const exactValue = Number(exact) / 2 ** 106; // correctly rounded: Number(BigInt) rounds to nearest
      const ref = referenceDot('fp64', a, b, k);
      expect(Math.abs(ref.value - exactValue)).toBeLessThanOrEqual(Math.abs(exactValue) * 2 ** -52 + 2 ** -100);
      let plain = 0;
      for (let l = 0; l < k; l++) plain += a[l]! * b[l]!;
      plainWorst = Math.max(plainWorst, Math.abs(plain - exactValue));
    }
    expect(plainWorst).toBeGreaterThan(0);
  });

  it('leaves an honest fp32-accumulating miner far inside τ', () => {
    const k = 2048;
    const errors: number[] = [];
    for (let i = 0; i < 64; i++) {
      const { a, b } = vectors('fp32', k, i);
      let acc = 0;
      for (let l = 0; l < k; l++) acc = Math.fround(acc + a[l]! * b[l]!);
      errors.push(normalised('fp32', acc, referenceDot('fp32', a, b, k), k));
    }
    expect(Math.max(...errors)).toBeLessThan(tau('fp32', k) / 2);
  });

  it('puts a miner with TF32-rounded inputs where §9.2 predicts: median ≈ 0.674·2^-10/(√12·u·√k)', () => {
    const k = 1024;
    const errors: number[] = [];
    for (let i = 0; i < 200; i++) {
      const { a, b } = vectors('fp32', k, i);
      let cheat = 0;
      for (let l = 0; l < k; l++) cheat += roundToMantissa(a[l]!, 10) * roundToMantissa(b[l]!, 10);
      errors.push(normalised('fp32', Math.fround(cheat), referenceDot('fp32', a, b, k), k));
    }
    const predicted = (0.674 * 2 ** -10) / (Math.sqrt(12) * 2 ** -24 * Math.sqrt(k));
    expect(median(errors) / predicted).toBeGreaterThan(0.7);
    expect(median(errors) / predicted).toBeLessThan(1.3);
    expect(errors.filter((r) => r <= tau('fp32', k)).length).toBeLessThan(200 * 0.1);
  });
});
