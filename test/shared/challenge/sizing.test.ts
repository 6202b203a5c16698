import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gemmWorkingSet, SIZING, sizeChallenge } from '../../../shared/challenge/sizing.js';
import { PRECISIONS, MAX_DIM, MAX_GEMMS } from '../../../shared/challenge/types.js';

describe('sizeChallenge', () => {
  it('aims at the target seconds at the verified throughput (±20% jitter, m rounded down to whole GEMMs)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PRECISIONS), fc.double({ min: 0.001, max: 50, noNaN: true }), fc.double({ min: 1, max: 30, noNaN: true }), (precision, tflops, targetSeconds) => {
        const size = sizeChallenge({ precision, tflops, targetSeconds, memoryBytes: 80e9 });
        expect(size.flops).toBe(2 * size.m * size.n * size.n * size.k);
        // Shapes are rounded down and m to whole GEMMs: at worst half the work (1.99 GEMMs → 1), never more.
        expect(size.expectedSeconds).toBeGreaterThan(targetSeconds * 0.8 * 0.5);
        expect(size.expectedSeconds).toBeLessThanOrEqual(targetSeconds * 1.2);
        expect(size.deadlineMs).toBeGreaterThanOrEqual(Math.min(SIZING.maxDeadlineMs, size.expectedSeconds * 3000));
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

  it('starts an unknown miner small and ramps by at most 8× the last verified work', () => {
    const first = sizeChallenge({ precision: 'bf16', memoryBytes: 80e9 });
    expect(first.flops).toBeLessThanOrEqual(SIZING.startFlops * 1.2);
    let previous = first.flops;
    for (let i = 0; i < 12; i++) {
      const next = sizeChallenge({ precision: 'bf16', memoryBytes: 80e9, tflops: 800, previousFlops: previous });
      expect(next.flops).toBeLessThanOrEqual(previous * SIZING.rampFactor);
      previous = next.flops;
    }
    // An H100's bf16 rate is reached within a dozen rounds: ~10 s of work.
    expect(previous / 800e12).toBeGreaterThan(5);
  });

  it('varies the shape between rounds', () => {
    const shapes = new Set(Array.from({ length: 20 }, () => {
      const s = sizeChallenge({ precision: 'fp32', tflops: 50, memoryBytes: 80e9 });
      return `${s.m}x${s.n}x${s.k}`;
    }));
    expect(shapes.size).toBeGreaterThan(10);
  });
});
