import { describe, expect, it } from 'vitest';
import { DEFAULT_OPENED_ROWS, pickColumns, pickRows, rowsToDetect, sampleDistinct } from '../../../shared/challenge/openings.js';

/** mulberry32: a fast seeded PRNG so the simulation is repeatable (the protocol itself uses the CSPRNG). */
function seeded(seed: number): (max: number) => number {
  return (max) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * max);
  };
}

describe('openings', () => {
  it('open s distinct rows inside the challenge, from the CSPRNG by default', () => {
    const challenge = { id: 'a'.repeat(32), m: 3, n: 20 };
    const request = pickRows(challenge, 48);
    expect(request.rows).toHaveLength(48);
    const leaves = new Set(request.rows.map((r) => r.matrix * 20 + r.row));
    expect(leaves.size).toBe(48);
    for (const r of request.rows) {
      expect(r.matrix).toBeLessThan(3);
      expect(r.row).toBeLessThan(20);
    }
    expect(pickRows({ ...challenge, m: 1, n: 5 }, 48).rows).toHaveLength(5);
    expect(new Set(pickColumns(100, 7)).size).toBe(7);
    expect(sampleDistinct(3, 3)).toEqual([0, 1, 2]);
  });

  it('catch a miner that skipped 10% of the rows in ≥ 99% of rounds with the default s', () => {
    expect(rowsToDetect(0.1, 0.99)).toBe(44);
    expect(DEFAULT_OPENED_ROWS).toBeGreaterThanOrEqual(rowsToDetect(0.1, 0.99));
    const random = seeded(7);
    const challenge = { id: 'b'.repeat(32), m: 8, n: 128 };
    const rounds = 20_000;
    let passed = 0;
    for (let i = 0; i < rounds; i++) {
      // The cheater skips a random 10% of the 1024 rows, then the validator opens DEFAULT_OPENED_ROWS.
      const skipped = new Set(sampleDistinct(102, 1024, random));
      const request = pickRows(challenge, DEFAULT_OPENED_ROWS, random);
      if (request.rows.every((r) => !skipped.has(r.matrix * 128 + r.row))) passed++;
    }
    // (1 − f)^s = 0.9^48 ≈ 0.0063 (slightly less without replacement); 3σ above it is still < 1%.
    expect(passed / rounds).toBeLessThan(0.0063 + 3 * Math.sqrt(0.0063 / rounds));
    expect(passed / rounds).toBeLessThan(0.01);
  });
});
