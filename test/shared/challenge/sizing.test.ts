import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gemmWorkingSet, SIZING, sizeChallenge } from '../../../shared/challenge/sizing.js';
import { PRECISIONS, MAX_DIM, MAX_GEMMS } from '../../../shared/challenge/types.js';

const gemmFlops = (s: { n: number; k: number }) => 2 * s.n * s.n * s.k;

describe('sizeChallenge', () => {
  it('makes one GEMM about 1/32 of the window at the measured throughput, and offers 8 windows of work', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PRECISIONS), fc.double({ min: 0.001, max: 50, noNaN: true }), fc.double({ min: 1, max: 30, noNaN: true }), (precision, tflops, windowSeconds) => {
        const size = sizeChallenge({ precision, tflops, windowSeconds, memoryBytes: 80e9 });
        const perWindow = (tflops * 1e12 * size.deadlineMs) / 1000;
        expect(size.flops).toBe(2 * size.m * size.n * size.n * size.k);
        expect(size.deadlineMs).toBe(Math.round(windowSeconds * 1000));
        expect(size.flopsPerSecond).toBe(tflops * 1e12);
        // Each dimension 0–15 % below the ideal (here ≥ 250) and rounded down to a multiple of 64:
        // at least (0.85·250 − 63) / 250 ≈ 0.6 of it, so the GEMM is at least 0.6³ ≈ 0.21 of its ideal.
        expect(gemmFlops(size)).toBeLessThanOrEqual(perWindow / SIZING.gemmsPerWindow);
        expect(gemmFlops(size)).toBeGreaterThan((perWindow / SIZING.gemmsPerWindow) * 0.2);
        // Enough GEMMs for a device up to `headroom` times faster to work to the end of the window (at
        // MAX_GEMMS, k is lengthened instead and rounded down to a multiple of 64).
        const least = size.m < MAX_GEMMS ? 1 : 0.99;
        expect(size.flops).toBeGreaterThanOrEqual(perWindow * SIZING.headroom * least);
        expect(size.flops).toBeLessThan(perWindow * SIZING.headroom + gemmFlops(size));
      }),
      { numRuns: 300 },
    );
  });

  it('stays within the schema bounds and the reported memory', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PRECISIONS), fc.double({ min: 1e-6, max: 5000, noNaN: true }), fc.double({ min: 2 ** 26, max: 2 ** 38, noNaN: true }), (precision, tflops, memoryBytes) => {
        const size = sizeChallenge({ precision, tflops, memoryBytes });
        expect(size.m).toBeGreaterThanOrEqual(1);
        expect(size.m).toBeLessThanOrEqual(MAX_GEMMS);
        expect(size.n).toBeLessThanOrEqual(MAX_DIM);
        expect(size.k).toBeLessThanOrEqual(SIZING.maxK);
        expect(gemmWorkingSet(precision, size.n, size.k)).toBeLessThanOrEqual(memoryBytes * SIZING.memoryFraction);
      }),
      { numRuns: 300 },
    );
  });

  it('sizes a miner never measured for the assumed pace', () => {
    const first = sizeChallenge({ precision: 'bf16', memoryBytes: 80e9 });
    expect(first.flopsPerSecond).toBe(SIZING.startFlopsPerSecond);
    expect(gemmFlops(first)).toBeLessThanOrEqual((SIZING.startFlopsPerSecond * 10) / SIZING.gemmsPerWindow);
    const assumed = sizeChallenge({ precision: 'bf16', memoryBytes: 80e9, startFlopsPerSecond: 1e12, windowSeconds: 1 });
    expect(assumed.flopsPerSecond).toBe(1e12);
    expect(assumed.flops).toBeGreaterThanOrEqual(1e12 * SIZING.headroom);
  });

  it('never makes a GEMM smaller than 128 × 128 × 128, however slow the miner (memory permitting)', () => {
    const slow = sizeChallenge({ precision: 'fp32', tflops: 1e-6, windowSeconds: 1, memoryBytes: 1e9 });
    expect(Math.min(slow.n, slow.k)).toBeGreaterThanOrEqual(SIZING.minDim);
    expect(slow.m).toBeGreaterThanOrEqual(1);
  });

  it('lengthens k when even the largest square GEMMs are too few for a fast device, then adds GEMMs', () => {
    // An H100 at bf16: 1024 GEMMs of 16384² × 16384 are 9 PFLOP, less than 8 windows of 10 s.
    const size = sizeChallenge({ precision: 'bf16', tflops: 900, memoryBytes: 80e9, windowSeconds: 10 });
    expect(size.k).toBe(SIZING.maxK);
    expect(size.m).toBeGreaterThan(SIZING.gemmsBeforeLongK);
    expect(size.flops).toBeGreaterThanOrEqual(900e12 * 10 * SIZING.headroom);
    // Between the two: k lengthens only as far as 1024 GEMMs need.
    const mid = sizeChallenge({ precision: 'bf16', tflops: 200, memoryBytes: 80e9, windowSeconds: 10 });
    expect(mid.k).toBeGreaterThan(SIZING.preferredDim);
    expect(mid.k).toBeLessThan(SIZING.maxK);
    expect(mid.m).toBeLessThanOrEqual(SIZING.gemmsBeforeLongK * 1.01); // k rounded down to a multiple of 64
  });

  it('measures a 40 PFLOP/s node over a 10 s window: the ceiling is 41–58 PFLOP/s with the shape jitter (protocol v3)', () => {
    const largest = sizeChallenge({ precision: 'fp8', tflops: 1e6, memoryBytes: 141e9, windowSeconds: 10, random: () => 1 - 2 ** -47 });
    expect(largest).toMatchObject({ m: MAX_GEMMS, k: SIZING.maxK });
    expect(largest.flops / 10).toBeGreaterThan(57e15);
    // The jitter's smallest n (15 % below) still offers a 40 PFLOP/s node more than its window.
    const smallest = sizeChallenge({ precision: 'fp8', tflops: 40_000, memoryBytes: 141e9, windowSeconds: 10, random: () => 0 });
    expect(smallest.m).toBe(MAX_GEMMS);
    expect(smallest.flops).toBeGreaterThan(40e15 * 10);
  });

  it('varies the shape between rounds', () => {
    const shapes = new Set(Array.from({ length: 20 }, () => {
      const s = sizeChallenge({ precision: 'fp32', tflops: 50, memoryBytes: 80e9 });
      return `${s.m}x${s.n}x${s.k}`;
    }));
    expect(shapes.size).toBeGreaterThan(10);
  });
});
