/**
 * The simulator's detection rates against the numbers docs/protocol.md §9 states.
 */
import { describe, expect, it } from 'vitest';
import { cheapPrecisionPass, erf, FP16_ACCUMULATION_RHO, inventedRowsPass, roundedInputsRho } from '../../simulator/detection.js';

describe('§9.1 invented rows', () => {
  it('lets a miner that invented 10 % of its rows pass at most 0.9^48 = 0.0063 of the time', () => {
    const p = inventedRowsPass(1024 * 128, Math.round(0.1 * 1024 * 128));
    expect(p).toBeLessThanOrEqual(0.9 ** 48);
    expect(p).toBeGreaterThan(0.9 ** 48 * 0.98);
  });
  it('never lets fabrication pass and always lets honest work pass', () => {
    expect(inventedRowsPass(512, 512)).toBe(0);
    expect(inventedRowsPass(512, 0)).toBe(1);
  });
});

describe('§9.2 cheaper precision', () => {
  it('has the table normalised errors ρ', () => {
    expect(roundedInputsRho('fp32', 10, 4096)).toBeCloseTo(73.9, 1);
    expect(roundedInputsRho('fp32', 7, 65536)).toBeCloseTo(148, 0);
    expect(roundedInputsRho('tf32', 7, 16384)).toBeCloseTo(296, 0);
    expect(roundedInputsRho('bf16', 3, 65536)).toBeCloseTo(2365, -1);
    expect(roundedInputsRho('fp64', 23, 65536) / 1e6).toBeCloseTo(1.2, 1);
    expect(FP16_ACCUMULATION_RHO).toBeCloseTo(3344, 0);
  });
  it('gives the table per-entry pass rates, and rounds that never pass', () => {
    const entry = (p: Parameters<typeof cheapPrecisionPass>[0], rho: number, k: number) => cheapPrecisionPass(p, rho, k, 1);
    expect(entry('fp32', roundedInputsRho('fp32', 10, 4096), 4096)).toBeCloseTo(0.065, 3);
    // The table prints 0.26 for 0.2546.
    expect(entry('fp32', roundedInputsRho('fp32', 10, 65536), 65536)).toBeCloseTo(0.2546, 4);
    expect(entry('tf32', roundedInputsRho('tf32', 7, 65536), 65536)).toBeCloseTo(0.335, 3);
    expect(entry('bf16', roundedInputsRho('bf16', 3, 65536), 65536)).toBeCloseTo(0.011, 3);
    // The hardest case of the table, tf32 asked and bf16 used at k = 65536: a round passes ~3·10⁻⁴⁶.
    const round = cheapPrecisionPass('tf32', roundedInputsRho('tf32', 7, 65536), 65536);
    expect(round).toBeGreaterThan(1e-47);
    expect(round).toBeLessThan(1e-44);
  });
  it('computes erf to within 1.5e-7', () => {
    expect(erf(0)).toBeCloseTo(0, 6);
    expect(erf(0.5)).toBeCloseTo(0.5204998778, 6);
    expect(erf(2)).toBeCloseTo(0.995322265, 6);
  });
});
