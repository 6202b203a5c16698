import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertWeightsForEmit, normalizeMaxWeight, processWeightsForNetuid } from '../../../shared/chain/weights.js';

describe('convertWeightsForEmit', () => {
  it('max-upscales to u16, rounds as Python does (ties to even) and drops zeros', () => {
    // Python: [round(x / max(w) * 65535) for x in w] → [13107, 65535, 0, 32768, 0]
    expect(convertWeightsForEmit([0, 1, 2, 3, 4], [0.1, 0.5, 0, 0.25, 1e-6])).toEqual({ uids: [0, 1, 3], values: [13107, 65535, 32768] });
  });

  it('sets nothing when every weight is zero', () => {
    expect(convertWeightsForEmit([0, 1], [0, 0])).toEqual({ uids: [], values: [] });
  });

  it('refuses mismatched lengths, negative or non-finite weights and non-u16 uids', () => {
    expect(() => convertWeightsForEmit([0, 1], [1])).toThrow(/differ in length/);
    expect(() => convertWeightsForEmit([0], [-1])).toThrow(/non-negative/);
    expect(() => convertWeightsForEmit([0], [Number.NaN])).toThrow(/finite/);
    expect(() => convertWeightsForEmit([70000], [1])).toThrow(/not a u16/);
  });

  it('always puts 65535 on the largest weight and keeps every value in 1..65535, in input order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 64 }), (ws) => {
        const uids = ws.map((_, i) => i);
        const out = convertWeightsForEmit(uids, ws);
        if (Math.max(...ws) === 0) return out.uids.length === 0;
        return (
          out.values.includes(65535) &&
          out.values.every((v) => Number.isInteger(v) && v >= 1 && v <= 65535) &&
          out.uids.every((u, i) => i === 0 || u > out.uids[i - 1]!)
        );
      }),
    );
  });
});

describe('normalizeMaxWeight', () => {
  it('caps the largest entries so none exceeds the limit', () => {
    // Worked by hand from the SDK's algorithm: the cutoff is 3, so [10,1,1,1] → [3,1,1,1]/6.
    const y = normalizeMaxWeight([10, 1, 1, 1], 0.5);
    expect(y[0]).toBeCloseTo(0.5, 6);
    for (const v of y.slice(1)) expect(v).toBeCloseTo(1 / 6, 6);
  });

  it('is uniform when the limit cannot be met or all are zero', () => {
    expect(normalizeMaxWeight([5, 1], 0.1)).toEqual([0.5, 0.5]);
    expect(normalizeMaxWeight([0, 0, 0], 0.5)).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('stays a distribution when the inputs are subnormal (numpy gives NaN here)', () => {
    expect(normalizeMaxWeight([0, 0, 5e-324], 0.3333333333333334)).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  // The SDK's algorithm compares normalised weights against an absolute epsilon of 1e-7, so entries
  // within ~1e-6 of the total can slip past the cap (as in Python); the property uses weights well above.
  it('sums to 1 and respects the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 3, maxLength: 50 }), fc.double({ min: 0.05, max: 1, noNaN: true }), (xs, limit) => {
        const y = normalizeMaxWeight(xs, limit);
        const sum = y.reduce((a, b) => a + b, 0);
        const feasible = xs.length * limit > 1 && xs.some((x) => x > 0);
        return Math.abs(sum - 1) < 1e-9 && (!feasible || Math.max(...y) <= limit + 1e-6);
      }),
    );
  });
});

describe('processWeightsForNetuid', () => {
  const base = { n: 4, minAllowedWeights: 1, maxWeightLimit: 1 };

  it('keeps the positive weights, normalised to sum 1', () => {
    const r = processWeightsForNetuid({ ...base, uids: [0, 1, 2, 3], weights: [0, 3, 1, 0] });
    expect(r.uids).toEqual([1, 2]);
    expect(r.weights[0]).toBeCloseTo(0.75, 12);
    expect(r.weights[1]).toBeCloseTo(0.25, 12);
  });

  it('weights every uid uniformly when no weight is positive', () => {
    expect(processWeightsForNetuid({ ...base, uids: [0, 1], weights: [0, 0] })).toEqual({ uids: [0, 1, 2, 3], weights: [0.25, 0.25, 0.25, 0.25] });
  });

  it('pads to all uids when fewer weights are positive than min_allowed_weights, keeping their order', () => {
    const r = processWeightsForNetuid({ ...base, minAllowedWeights: 3, uids: [0, 1, 2, 3], weights: [0, 1, 0, 0] });
    expect(r.uids).toEqual([0, 1, 2, 3]);
    expect(r.weights.every((w) => w > 0)).toBe(true);
    expect(Math.max(...r.weights)).toBe(r.weights[1]);
  });

  it('drops the lowest quantile but keeps at least min_allowed_weights', () => {
    const r = processWeightsForNetuid({ ...base, minAllowedWeights: 2, uids: [0, 1, 2, 3], weights: [1, 2, 3, 4], excludeQuantile: 65535 });
    expect(r.uids).toEqual([2, 3]);
  });
});
