import { describe, expect, it } from 'vitest';
import { stakeWeightedMedian, subnetCapacity, type ValidatorCapacity } from '../../../shared/capacity/consensus.js';
import type { ClassTflops } from '../../../shared/capacity/commitment.js';

const TAO = 1_000_000_000n;
const f = (value: number, tao: number) => ({ value, stake: BigInt(tao) * TAO });
function validator(uid: number, tao: number, tflops: ClassTflops, miners?: Record<number, ClassTflops>): ValidatorCapacity {
  return {
    uid,
    hotkey: `5V${uid}`,
    stake: BigInt(tao) * TAO,
    block: 100 + uid,
    commitment: { round: 7, verifiedMiners: 3, tflops, ...(miners ? { miners: new Map(Object.entries(miners).map(([u, t]) => [Number(u), t])) } : {}) },
  };
}

describe('stakeWeightedMedian', () => {
  it('is the one figure when one validator reports', () => {
    expect(stakeWeightedMedian([f(12.5, 40)])).toBe(12.5);
  });

  it('is what validators holding more than half the stake report at least', () => {
    expect(stakeWeightedMedian([f(1, 30), f(2, 30), f(3, 40)])).toBe(2);
    expect(stakeWeightedMedian([f(1, 10), f(2, 10), f(3, 81)])).toBe(3);
  });

  it('takes the lower figure when the stake splits exactly in two (a tie never overstates)', () => {
    expect(stakeWeightedMedian([f(1, 50), f(3, 50)])).toBe(1);
    expect(stakeWeightedMedian([f(3, 50), f(1, 25), f(1, 25)])).toBe(1);
    expect(stakeWeightedMedian([f(4, 10), f(4, 10)])).toBe(4);
  });

  it('cannot be moved by a validator holding a minority of the stake, whatever it claims', () => {
    const honest = [f(10, 30), f(11, 30), f(10.5, 30)];
    const truth = stakeWeightedMedian(honest);
    for (const claim of [0, 1e9, 10.7, 1e-9]) expect(stakeWeightedMedian([...honest, f(claim, 9)])).toBe(truth);
  });

  it('has no value without stake, and ignores validators with none', () => {
    expect(stakeWeightedMedian([])).toBeUndefined();
    expect(stakeWeightedMedian([f(5, 0)])).toBeUndefined();
    expect(stakeWeightedMedian([f(5, 0), f(2, 1)])).toBe(2);
  });
});

describe('subnetCapacity', () => {
  it('takes the median per class; a class a validator did not report counts as zero from it', () => {
    const c = subnetCapacity([validator(1, 60, { fp32: 2, bf16: 8 }), validator(2, 30, { fp32: 3 }), validator(3, 10, { fp32: 900, fp8: 1e6 })]);
    expect(c.tflops).toEqual({ fp32: 2, bf16: 8, fp8: 0 });
    expect(c).toMatchObject({ validators: 3, stake: 100n * TAO });
  });

  it('takes per-miner figures over the validators that committed them, and drops miners the majority of those saw nothing of', () => {
    const c = subnetCapacity([
      validator(1, 50, { fp32: 3 }, { 4: { fp32: 1 }, 5: { fp32: 2 } }),
      validator(2, 30, { fp32: 3 }, { 4: { fp32: 1.2 }, 9: { fp32: 500 } }),
      validator(3, 20, { fp32: 3 }),
    ]);
    expect(c.minerFigures).toEqual({ validators: 2, stake: 80n * TAO });
    // uid 5: 2 from 50 of 80 → 2; uid 9: only the 30-stake validator saw it → 0, dropped.
    expect(c.miners).toEqual([
      { uid: 4, tflops: { fp32: 1 } },
      { uid: 5, tflops: { fp32: 2 } },
    ]);
  });

  it('is empty without validators', () => {
    expect(subnetCapacity([])).toEqual({ tflops: {}, validators: 0, stake: 0n, miners: [], minerFigures: { validators: 0, stake: 0n } });
  });
});
