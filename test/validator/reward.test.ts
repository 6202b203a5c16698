import { describe, expect, it } from 'vitest';
import { parseIncentives } from '../../validator/incentives.js';
import { classScore, getRewards, reward } from '../../validator/reward.js';
import type { ChallengeResult } from '../../validator/result.js';

const incentives = parseIncentives({ classes: { fp32: { draw: 1, reward: 1 }, bf16: { draw: 1, reward: 0.25 } } });
const base: ChallengeResult = {
  round: 1,
  uid: 3,
  hotkey: '5Hot',
  challenge: { precision: 'fp32', m: 2, n: 64, k: 128 },
  seconds: 0.5,
  tflops: 2,
  verdict: 'verified',
  reason: 'ok',
};

describe('reward', () => {
  it('is verified TFLOPS times the class reward weight', () => {
    expect(reward(base, incentives)).toBe(2);
    expect(reward({ ...base, challenge: { ...base.challenge!, precision: 'bf16' } }, incentives)).toBe(0.5);
  });

  it('is zero for every failure, whatever TFLOPS the result carries', () => {
    for (const verdict of ['failed', 'no_answer', 'unreachable'] as const) {
      expect(reward({ ...base, verdict, reason: 'x' }, incentives)).toBe(0);
    }
  });

  it('is zero for a class the config does not pay for and for non-finite throughput', () => {
    expect(reward({ ...base, challenge: { ...base.challenge!, precision: 'fp8' } }, incentives)).toBe(0);
    expect(reward({ ...base, tflops: Number.NaN }, incentives)).toBe(0);
    expect(reward({ ...base, tflops: Number.POSITIVE_INFINITY }, incentives)).toBe(0);
  });

  it('maps over results in order', () => {
    expect(getRewards([base, { ...base, verdict: 'failed' }], incentives)).toEqual([2, 0]);
  });
});

describe('classScore', () => {
  it('is Σ reward × EMA over the classes the config pays for', () => {
    expect(classScore({ fp32: 3, bf16: 8 }, incentives)).toBe(3 + 0.25 * 8);
    // fp8 is not paid for; a class never measured counts 0; non-finite averages count 0.
    expect(classScore({ fp32: 3, fp8: 1000 }, incentives)).toBe(3);
    expect(classScore({}, incentives)).toBe(0);
    expect(classScore({ fp32: Number.NaN, bf16: 4 }, incentives)).toBe(1);
  });
});
