import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codeOf } from '../helpers/protocol.js';
import { MAX_FIRST_GEMM_SHARE, RateLimiter, SHORT_GEMM_MS, admit, checkChallenge, takeToken } from '../../miner/policy.js';
import { SIZING, sizeChallenge } from '../../shared/challenge/sizing.js';
import { PRECISIONS } from '../../shared/challenge/types.js';
import { challenge, metagraph, neuron } from './fixtures.js';

const TAO = 1_000_000_000n;
const graph = metagraph([
  neuron(0, 'permit', { validatorPermit: true, stake: 0n }),
  neuron(1, 'rich', { stake: 500n * TAO }),
  neuron(2, 'poor', { stake: 10n * TAO }),
]);

describe('policy', () => {
  it('admits permit holders; others only at or above the minimum stake, when one is set', () => {
    expect(admit(graph, 'permit', { minStake: undefined }).uid).toBe(0);
    expect(codeOf(() => admit(graph, 'rich', { minStake: undefined }))).toBe('E_NO_PERMIT');
    expect(admit(graph, 'rich', { minStake: 500n * TAO }).uid).toBe(1);
    expect(codeOf(() => admit(graph, 'poor', { minStake: 500n * TAO }))).toBe('E_NO_PERMIT');
    expect(codeOf(() => admit(graph, 'nobody', { minStake: 0n }))).toBe('E_NOT_REGISTERED');
    expect(codeOf(() => admit(undefined, 'permit', { minStake: undefined }))).toBe('E_NOT_REGISTERED');
  });

  it('token bucket: a burst, then the sustained rate, with the wait until the next token', () => {
    const opts = { ratePerMinute: 60, rateBurst: 2 };
    let r = takeToken(undefined, 0, opts);
    expect(r.allowed).toBe(true);
    r = takeToken(r.bucket, 0, opts);
    expect(r.allowed).toBe(true);
    r = takeToken(r.bucket, 0, opts);
    expect(r).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
    // One token per second at 60/min; refills never exceed the burst.
    expect(takeToken(r.bucket, 999, opts).allowed).toBe(false);
    expect(takeToken(r.bucket, 1_000, opts).allowed).toBe(true);
    expect(takeToken(r.bucket, 3_600_000, opts).bucket.tokens).toBe(1);
  });

  it('keeps one bucket per validator', () => {
    const limiter = new RateLimiter({ ratePerMinute: 60, rateBurst: 1 });
    limiter.take('a', 0);
    expect(codeOf(() => limiter.take('a', 10))).toBe('E_RATE_LIMITED');
    expect(codeOf(() => limiter.take('b', 10))).toBe('ok');
  });
});

describe('what a conforming validator never sends', () => {
  const slot = { index: 21, endBlock: 110, own: true };
  const check = (over: Parameters<typeof challenge>[0], limits: Parameters<typeof checkChallenge>[1] = {}) => codeOf(() => checkChallenge(challenge(over), limits));

  it('a window above the protocol\'s 600 s', () => {
    expect(SIZING.maxWindowMs).toBe(600_000);
    expect(check({ deadlineMs: 600_000 })).toBe('ok');
    expect(check({ deadlineMs: 600_001 })).toBe('E_WINDOW_TOO_LONG');
    expect(check({ deadlineMs: 3_600_000 })).toBe('E_WINDOW_TOO_LONG');
  });

  it('a shape off the sizing grid: n and k multiples of 64 up to their bounds (or below 128), k at least n less 15 %', () => {
    for (const [n, k] of [[128, 128], [16384, 65536], [16384, 13888], [64, 64], [54, 63], [127, 100], [1024, 832]]) expect(check({ n, k }), `${n}×${k}`).toBe('ok');
    for (const [n, k] of [[130, 128], [128, 200], [16448, 16448], [16384, 65600], [16384, 1], [16384, 128], [1024, 768], [128, 1]]) expect(check({ n, k }), `${n}×${k}`).toBe('E_OFF_GRID');
  });

  it('a window that ends after the slot it belongs to', () => {
    expect(check({ deadlineMs: 5_000 }, { windowLimitMs: 5_000, slot })).toBe('ok');
    expect(check({ deadlineMs: 5_001 }, { windowLimitMs: 5_000, slot })).toBe('E_WINDOW_PAST_SLOT');
    expect(() => checkChallenge(challenge({ deadlineMs: 9_000 }), { windowLimitMs: -20, slot })).toThrow(/your slot 21 \(ends at block 110\): 0 ms are left/);
    // Before the miner has measured the block time there is no limit.
    expect(check({ deadlineMs: 600_000 }, { slot })).toBe('ok');
  });

  it('a first GEMM larger than 128³ and longer than a quarter of the window (and than 250 ms) at the device\'s pace', () => {
    // 2·1024³ FLOPs at 1 GFLOP/s: 2.1 s.
    const big = { n: 1024, k: 1024 };
    expect(check({ ...big, deadlineMs: 8_600 }, { flopsPerSecond: 1e9 })).toBe('ok');
    expect(check({ ...big, deadlineMs: 8_500 }, { flopsPerSecond: 1e9 })).toBe('E_GEMM_TOO_LONG');
    expect(check({ ...big, deadlineMs: 1_000 })).toBe('ok'); // pace not yet measured
    // 2·192³ FLOPs at 60 MFLOP/s: 236 ms, more than a quarter of a 0.5 s window but never refused.
    const mid = { n: 192, k: 192, deadlineMs: 500 };
    expect(MAX_FIRST_GEMM_SHARE * 500).toBeLessThan(236);
    expect(check(mid, { flopsPerSecond: 60e6 })).toBe('ok');
    expect(check(mid, { flopsPerSecond: 50e6 })).toBe('E_GEMM_TOO_LONG'); // 283 ms > SHORT_GEMM_MS
    expect(SHORT_GEMM_MS).toBe(250);
    // Sizing's smallest GEMM, 128³, is never refused: a device too slow for it has nothing smaller to do.
    expect(check({ n: 128, k: 128, deadlineMs: 500 }, { flopsPerSecond: 1e6 })).toBe('ok');
  });

  it('never refuses what sizeChallenge makes for a device at the pace it was sized for', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PRECISIONS),
        fc.oneof(fc.integer({ min: 1_024, max: 2 ** 31 }), fc.integer({ min: 2 ** 31, max: 2 ** 38 })),
        fc.integer({ min: 1, max: 600_000 }),
        fc.double({ min: -9, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (precision, memoryBytes, windowMs, log10Tflops, unit) => {
          const size = sizeChallenge({ precision, memoryBytes, windowSeconds: windowMs / 1000, tflops: 10 ** log10Tflops, random: () => unit });
          const c = challenge({ precision, m: size.m, n: size.n, k: size.k, deadlineMs: size.deadlineMs });
          // The window and the shape always conform.
          expect(codeOf(() => checkChallenge(c, {}))).toBe('ok');
          // The first GEMM is at most 1/32 of the window at that pace, or sizing's smallest.
          expect(codeOf(() => checkChallenge(c, { flopsPerSecond: size.flopsPerSecond }))).toBe('ok');
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
