import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activityCutoffBlocks, epoch, isTopkNonzero, type SparseRow, type YumaInput, type YumaParams } from '../../../shared/math/yuma.js';
import { type Fixed, div, fromInt, normalize, ratio, toU16Proportion } from '../../../shared/math/fixed.js';

const PARAMS: YumaParams = {
  kappa: 32_767,
  bondsMovingAverage: 900_000,
  bondsPenalty: 65_535,
  maxAllowedValidators: 64,
  activityCutoffBlocks: 5_000,
  yuma3: true,
  liquidAlpha: null,
  stakeThreshold: 0n,
};

const TAO = 1_000_000_000n;

/** A subnet at block 1000 whose uids all registered at block 1 and set weights at block 990. */
function subnet(over: Partial<YumaInput> & { stake: bigint[] }): YumaInput {
  const n = over.stake.length;
  return {
    currentBlock: 1_000,
    weights: Array.from({ length: n }, () => []),
    bonds: Array.from({ length: n }, () => []),
    lastUpdate: Array(n).fill(990),
    blockAtRegistration: Array(n).fill(1),
    validatorPermit: Array(n).fill(false),
    ownerUid: null,
    lastMechanismStepBlock: 640,
    tempo: 360,
    raoEmission: TAO,
    ...over,
    params: { ...PARAMS, ...over.params },
  };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const sumBig = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);
const near = (actual: bigint, exact: number, tolerance = 3): void => {
  expect(Math.abs(Number(actual) - exact)).toBeLessThanOrEqual(tolerance);
};

describe('epoch: two validators, three miners, one validator disagreeing', () => {
  // uid 0: validator A, 3000 alpha; uid 1: validator B, 1000 alpha; uids 2, 3, 4: miners, no stake.
  // Both validators held a permit last epoch and set weights recently.
  // A weighs miners 2:1:1 (stored u16 65534, 32767, 32767 → row-normalised 0.5, 0.25, 0.25).
  // B puts everything on miner 4 (65535 → 1.0): it disagrees with the majority.
  const input = subnet({
    stake: [3000n * TAO, 1000n * TAO, 0n, 0n, 0n],
    validatorPermit: [true, true, false, false, false],
    weights: [[[2, 65_534], [3, 32_767], [4, 32_767]], [[4, 65_535]], [], [], []],
  });
  const out = epoch(input);

  it('normalises stake and keeps the two validators permitted', () => {
    // S = (0.75, 0.25, 0, 0, 0); StakeWeight = ⌊S × 65535⌋.
    expect(out.stakeWeight).toEqual([49_151, 16_383, 0, 0, 0]);
    // Top-64 among nonzero stakes: only the two validators.
    expect(out.validatorPermit).toEqual([true, true, false, false, false]);
    expect(out.active).toEqual([true, true, true, true, true]);
  });

  it('takes the stake-weighted median per miner as consensus', () => {
    // κ = ⌊32767 × 2^32 / 65535⌋ / 2^32 ≈ 0.4999924, so the threshold Σs − κ ≈ 0.5000076.
    // Miner 2: scores A 0.5 (s 0.75), B 0 (s 0.25): F(0) = 0.25, F(0.5) = 1 > 0.5000076 → C = 0.5.
    // Miner 3: A 0.25, B 0 → C = 0.25.  Miner 4: A 0.25, B 1.0: F(0.25) = 0.75 → C = 0.25.
    // Validators' columns: nobody weighs them → C = 0.
    expect(out.consensus).toEqual([0, 0, 32_767, 16_383, 16_383]);
  });

  it('clips the disagreeing validator and lowers its trust', () => {
    // A's weights are all at or below consensus: VT = 0.5 + 0.25 + 0.25 = 1.
    // B's 1.0 on miner 4 is clipped to C = 0.25: VT = 0.25 → ⌊0.25 × 65535⌋ = 16383.
    expect(out.validatorTrust).toEqual([65_535, 16_383, 0, 0, 0]);
  });

  it('pays miners by clipped, stake-weighted weight', () => {
    // R_2 = 0.75 × 0.5 = 0.375; R_3 = 0.75 × 0.25 = 0.1875; R_4 = 0.75 × 0.25 + 0.25 × 0.25 = 0.25.
    // ΣR = 0.8125 → I = (6/13, 3/13, 4/13) → ⌊I × 65535⌋ = 30246, 15123, 20164.
    expect(out.incentive).toEqual([0, 0, 30_246, 15_123, 20_164]);
  });

  it('pays validators by bonds: the agreeing one earns more per stake', () => {
    // First epoch, no stored bonds. Yuma3: B' = α × W̄ with α = 1 − 0.9 = 0.1.
    // Column-normalised: miner 2 and 3 bonds are all A's (1.0); miner 4 is shared 0.5 / 0.5.
    // A: 0.75 × (6/13 + 3/13 + 0.5 × 4/13) = 0.75 × 11/13;  B: 0.25 × (0.5 × 4/13) = 0.5/13.
    // Normalised: D = (33/35, 2/35) → ⌊D × 65535⌋ = 61790, 3744.
    expect(out.dividends).toEqual([61_790, 3_744, 0, 0, 0]);
  });

  it('splits raoEmission between incentive and dividends', () => {
    // E = ΣI + ΣD ≈ 2, so miners get I/2 and validators D/2 of 1 alpha (within a few rao of
    // fixed-point truncation).
    near(out.serverEmission[2]!, 230_769_230.77);
    near(out.serverEmission[3]!, 115_384_615.38);
    near(out.serverEmission[4]!, 153_846_153.85);
    near(out.validatorEmission[0]!, 471_428_571.43);
    near(out.validatorEmission[1]!, 28_571_428.57);
    expect(out.serverEmission.slice(0, 2)).toEqual([0n, 0n]);
    expect(out.validatorEmission.slice(2)).toEqual([0n, 0n, 0n]);
    // Emission (stored) is the combined share, per uid.
    out.emission.forEach((e, i) => near(e, Number(out.serverEmission[i]! + out.validatorEmission[i]!), 3));
    expect(sumBig(out.emission)).toBeLessThanOrEqual(TAO);
    expect(sumBig(out.emission)).toBeGreaterThan(TAO - 10n);
  });

  it('stores bonds for permitted validators, quantised to u16', () => {
    // B' = 0.1 × W̄, floored at 2^-32, then ⌊× 65535⌋: 0.1 × 0.5 → 3276, 0.1 × 0.25 → 1638.
    expect(out.bonds[0]).toEqual([[2, 3_276], [3, 1_638], [4, 1_638]]);
    expect(out.bonds[1]).toEqual([[4, 1_638]]);
    expect(out.bonds.slice(2)).toEqual([[], [], []]);
  });

  it('does not modify its input', () => {
    const copy = structuredClone(input);
    epoch(input);
    expect(input).toEqual(copy);
  });
});

describe('epoch: masks', () => {
  it('ignores the weights of a validator that had no permit last epoch, and gives it one for next', () => {
    // Equal stakes; uid 0 held a permit, uid 1 did not (it just staked). uid 1 weighs miner 3 only.
    const out = epoch(
      subnet({
        stake: [TAO, TAO, 0n, 0n],
        validatorPermit: [true, false, false, false],
        weights: [[[2, 65_535]], [[3, 65_535]], [], []],
      }),
    );
    // Only uid 0's weights count: all incentive to miner 2, none to miner 3.
    expect(out.incentive).toEqual([0, 0, 65_535, 0]);
    // uid 1's stake is outside the active stake, so it earns no dividends this epoch...
    expect(out.dividends).toEqual([65_535, 0, 0, 0]);
    // ...but it is in the top-k now, so next epoch its weights will count.
    expect(out.validatorPermit).toEqual([true, true, false, false]);
    // And it holds no bond row yet: with no weights used, its EMA row is empty.
    expect(out.bonds[1]).toEqual([]);
  });

  it('leaves an inactive validator out of consensus, incentive and dividends', () => {
    // uid 1 last set weights at block 100; cutoff 500 blocks; now 1000: 100 + 500 < 1000 → inactive.
    const out = epoch(
      subnet({
        stake: [TAO, 9n * TAO, 0n, 0n],
        validatorPermit: [true, true, false, false],
        lastUpdate: [990, 100, 0, 0],
        weights: [[[2, 65_535]], [[3, 65_535]], [], []],
        params: { ...PARAMS, activityCutoffBlocks: 500 },
      }),
    );
    expect(out.active).toEqual([true, false, false, false]);
    // Despite 90 % of the stake, uid 1 moves nothing: consensus on miner 3 is 0 and it gets no incentive.
    expect(out.consensus).toEqual([0, 0, 65_535, 0]);
    expect(out.incentive).toEqual([0, 0, 65_535, 0]);
    expect(out.dividends).toEqual([65_535, 0, 0, 0]);
    // It keeps its permit (stake still ranks), and StakeWeight still shows its stake.
    expect(out.validatorPermit).toEqual([true, true, false, false]);
    expect(out.stakeWeight).toEqual([6_553, 58_981, 0, 0]);
  });

  it('drops weights set before the target uid was re-registered', () => {
    // Validator 0 set weights at block 500 on miners 1 and 2. Miner 2's slot was taken by a new
    // hotkey at block 600: the old weight was meant for someone else (LastUpdate_0 = 500 ≤ 600).
    const out = epoch(
      subnet({
        stake: [TAO, 0n, 0n],
        validatorPermit: [true, false, false],
        lastUpdate: [500, 0, 0],
        blockAtRegistration: [1, 1, 600],
        weights: [[[1, 65_535], [2, 65_535]], [], []],
        lastMechanismStepBlock: 0,
      }),
    );
    expect(out.incentive).toEqual([0, 65_535, 0]);
    // The new bond row follows the weights that count: miner 1 alone.
    expect(out.bonds[0]!.map(([j]) => j)).toEqual([1]);
  });

  it('with commit-reveal, drops weights committed before the target registered', () => {
    // Validator 0 committed at block 500 and revealed at 990 (LastUpdate 990). Miner 2 registered at
    // 600: the reveal is newer, but the weights were chosen before the miner existed.
    const base = subnet({
      stake: [TAO, 0n, 0n],
      validatorPermit: [true, false, false],
      blockAtRegistration: [1, 1, 600],
      weights: [[[1, 65_535], [2, 65_535]], [], []],
    });
    expect(epoch(base).incentive).toEqual([0, 32_767, 32_767]);
    expect(epoch({ ...base, commitBlock: [500, null, null] }).incentive).toEqual([0, 65_535, 0]);
  });

  it('drops stored bonds to a uid registered since the last epoch', () => {
    // Last epoch at block 900, so uids registered at ≥ 901 are new; miner 2 registered at 950.
    // The stored bond row of validator 0 still points at miner 2's previous holder.
    const out = epoch(
      subnet({
        stake: [TAO, 0n, 0n],
        validatorPermit: [true, false, false],
        blockAtRegistration: [1, 1, 950],
        lastUpdate: [990, 0, 0],
        lastMechanismStepBlock: 900,
        weights: [[[1, 65_535]], [], []],
        bonds: [[[1, 6_553], [2, 60_000]], [], []],
      }),
    );
    // Miner 2's bond is gone; miner 1's decays and grows: 0.1 × 1 + 0.9 × 6553/65535 ≈ 0.18999.
    expect(out.bonds[0]).toEqual([[1, 12_451]]);
  });

  it('lets the owner keep its self-weight, its permit and its sub-threshold stake', () => {
    // uid 0 is the owner's hotkey with 1 alpha, below StakeThreshold 10 alpha; it weighs only itself.
    // uid 1 is a validator with 100 alpha weighing uids 0 and 2 equally; uid 2 a miner with 5 alpha.
    const owned = {
      stake: [TAO, 100n * TAO, 5n * TAO],
      validatorPermit: [false, true, false],
      weights: [[[0, 65_535]], [[0, 65_535], [2, 65_535]], []] as SparseRow[],
      params: { ...PARAMS, stakeThreshold: 10n * TAO },
    };
    const out = epoch(subnet({ ...owned, ownerUid: 0 }));
    // Stake: the owner's 1 counts despite the threshold, the miner's 5 does not: S = (1/101, 100/101, 0).
    expect(out.stakeWeight).toEqual([648, 64_886, 0]);
    // The owner's permit is forced (its stored false is overridden) in both the mask and the new permits.
    expect(out.validatorPermit).toEqual([true, true, false]);
    // Its self-weight survives the diagonal mask: column 0 has 1.0 (stake 1/101) and 0.5 (100/101), so
    // C_0 = 0.5 and the owner's row clips to 0.5: VT_0 = 0.5 → 32767.
    expect(out.validatorTrust[0]).toBe(32_767);
    // Without the exemptions uid 0 is an ordinary uid: no permit (stake below threshold), no self-weight.
    const plain = epoch(subnet({ ...owned, validatorPermit: [true, true, false] }));
    expect(plain.stakeWeight).toEqual([0, 65_535, 0]);
    expect(plain.validatorTrust[0]).toBe(0);
    expect(plain.validatorPermit).toEqual([false, true, false]);
  });
});

describe('epoch: consensus quantile', () => {
  it('follows kappa: a higher kappa lowers consensus to what a larger majority supports', () => {
    // Three validators weigh miner 3 with 1.0 / 0.5 (+0.5 on miner 4) / 0 (all on miner 4),
    // stakes 0.5 / 0.25 / 0.25.
    const base = {
      stake: [2n * TAO, TAO, TAO, 0n, 0n],
      validatorPermit: [true, true, true, false, false],
      weights: [[[3, 65_535]], [[3, 65_535], [4, 65_535]], [[4, 65_535]], [], []] as SparseRow[],
    };
    // κ ≈ 0.5: F(0) = 0.25, F(0.5) = 0.5, F(1) = 1; the first F above 1 − κ ≈ 0.50001 is at x = 1.
    expect(epoch(subnet(base)).consensus[3]).toBe(65_535);
    // κ = 0.7: threshold 0.3; F(0.5) = 0.5 > 0.3 → C = 0.5.
    expect(epoch(subnet({ ...base, params: { ...PARAMS, kappa: 45_875 } })).consensus[3]).toBe(32_767);
    // κ = 0.9: threshold 0.1; F(0) = 0.25 > 0.1 → C = 0.
    expect(epoch(subnet({ ...base, params: { ...PARAMS, kappa: 58_982 } })).consensus[3]).toBe(0);
  });
});

describe('epoch: consensus matches subtensor\'s pivot search', () => {
  /** `weighted_median` from subtensor's epoch/math, transcribed as the reference. */
  function pivotMedian(stake: Fixed[], score: Fixed[], minority: Fixed, lo: Fixed, hi: Fixed): Fixed {
    let partition = stake.map((_, i) => i);
    for (let round = 0; round <= stake.length; round++) {
      if (partition.length === 0) return 0n;
      if (partition.length === 1) return score[partition[0]!]!;
      const pivot = score[partition[Math.floor(partition.length / 2)]!]!;
      const lower: number[] = [];
      const upper: number[] = [];
      let loStake = 0n;
      let hiStake = 0n;
      for (const i of partition) {
        if (score[i] === pivot) continue;
        if (score[i]! < pivot) {
          loStake += stake[i]!;
          lower.push(i);
        } else {
          hiStake += stake[i]!;
          upper.push(i);
        }
      }
      if (minority < lo + loStake && lower.length > 0) {
        partition = lower;
        hi = lo + loStake;
      } else if (hi - hiStake <= minority && upper.length > 0) {
        partition = upper;
        lo = hi - hiStake;
      } else {
        return pivot;
      }
    }
    return 0n;
  }

  it('for random stakes, weights and kappa', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 13n }), fc.integer({ min: 0, max: 65_535 })), {
          minLength: 1,
          maxLength: 9,
        }),
        fc.integer({ min: 0, max: 65_535 }),
        (validators, kappa) => {
          // Validators 0..v−1 split their weight between miner v (w) and miner v+1 (65535 − w), so
          // the row-normalised weight on miner v is w / 65535.
          const v = validators.length;
          const stake = [...validators.map(([s]) => s), 0n, 0n];
          const out = epoch(
            subnet({
              stake,
              validatorPermit: stake.map((_, i) => i < v),
              weights: stake.map((_, i) =>
                i < v ? [[v, validators[i]![1]], [v + 1, 65_535 - validators[i]![1]]] : [],
              ) as SparseRow[],
              params: { ...PARAMS, kappa },
            }),
          );
          const total = stake.reduce((a, b) => a + b, 0n);
          const voterStake = normalize(normalize(stake.slice(0, v).map((s) => ratio(s, total))).filter((s) => s > 0n));
          const voters = validators.filter((_, i) => ratio(stake[i]!, total) > 0n);
          const scores = voters.map(([, w]) => div(fromInt(w), fromInt(65_535)));
          const stakeSum = voterStake.reduce((a, b) => a + b, 0n);
          const minority = stakeSum - div(fromInt(kappa), fromInt(65_535));
          const expected = voters.length === 0 ? 0n : pivotMedian(voterStake, scores, minority, 0n, stakeSum);
          expect(out.consensus[v]).toBe(toU16Proportion(expected));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('epoch: zero emission fallback', () => {
  it('gives everything to validators by active stake when nobody earns incentive', () => {
    const out = epoch(subnet({ stake: [3n * TAO, TAO, 0n], validatorPermit: [true, true, false] }));
    expect(out.incentive).toEqual([0, 0, 0]);
    expect(out.dividends).toEqual([0, 0, 0]);
    expect(out.serverEmission).toEqual([0n, 0n, 0n]);
    // Active stake (0.75, 0.25) × 1 alpha.
    expect(out.validatorEmission).toEqual([750_000_000n, 250_000_000n, 0n]);
    expect(out.emission).toEqual([750_000_000n, 250_000_000n, 0n]);
  });

  it('falls back to raw stake when no validator is active and permitted', () => {
    // Nobody held a permit last epoch (a fresh subnet's first epoch).
    const out = epoch(subnet({ stake: [TAO, TAO, 2n * TAO], validatorPermit: [false, false, false] }));
    expect(out.validatorEmission).toEqual([250_000_000n, 250_000_000n, 500_000_000n]);
    expect(out.validatorPermit).toEqual([true, true, true]);
  });
});

describe('epoch: bonds moving average over two epochs', () => {
  it('Yuma3: B = 0.1 W̄ + 0.9 B_prev, stored as u16 proportions', () => {
    const first = subnet({
      stake: [TAO, 0n],
      validatorPermit: [true, false],
      weights: [[[1, 65_535]], []],
    });
    const one = epoch(first);
    // α = 1 − ⌊0.9 × 2^32⌋/2^32; B' = α × 1 ≈ 0.1 → ⌊0.1 × 65535⌋ = 6553.
    expect(one.bonds[0]).toEqual([[1, 6_553]]);
    const two = epoch({ ...first, currentBlock: 1_360, lastMechanismStepBlock: 1_000, bonds: one.bonds });
    // B = 6553/65535 = 0.099992; B' = 0.1 + 0.9 × 0.099992 = 0.1899931 → ⌊× 65535⌋ = 12451.
    expect(two.bonds[0]).toEqual([[1, 12_451]]);
  });

  it('classic: column-normalised EMA of stake-weighted weights, stored max-upscaled', () => {
    const params = { ...PARAMS, yuma3: false };
    // Epoch 1: two validators weigh miner 2 fully, stakes 3:1. ΔB = (0.75, 0.25) after column
    // normalisation; no prior bonds, so B' ∝ ΔB → normalised (0.75, 0.25) → upscaled (1, 1/3).
    // 1/3 × 65535 is exactly 21845, but B' = 0.1 × ΔB is floored at 2^-32 before the ratio is taken
    // (322122547 / 107374182 raw, a hair over 3), so the stored value is 21844.
    const first = subnet({
      stake: [3n * TAO, TAO, 0n],
      validatorPermit: [true, true, false],
      weights: [[[2, 65_535]], [[2, 65_535]], []],
      params,
    });
    const one = epoch(first);
    expect(one.bonds.slice(0, 2)).toEqual([[[2, 65_535]], [[2, 21_844]]]);
    expect(one.dividends).toEqual([49_151, 16_383, 0]);
    // Epoch 2: stakes now 1:1, so ΔB = (0.5, 0.5). Stored bonds (65535, 21844) normalise to
    // (0.750009, 0.249991). B' = 0.1 × ΔB + 0.9 × B = (0.725008, 0.274992) → dividends
    // ⌊× 65535⌋ = 47513, 18021 (0.725 and 0.275 exactly would give 47512, 18022: the stored u16
    // rounding of epoch 1 carries over). Stored upscaled: 0.274992 / 0.725008 → 24857.
    const two = epoch({
      ...first,
      stake: [TAO, TAO, 0n],
      currentBlock: 1_360,
      lastMechanismStepBlock: 1_000,
      bonds: one.bonds,
    });
    expect(two.dividends).toEqual([47_513, 18_021, 0]);
    expect(two.bonds.slice(0, 2)).toEqual([[[2, 65_535]], [[2, 24_857]]]);
  });

  it('liquid alpha moves bonds faster toward a weight above consensus than the fixed 0.1', () => {
    const base = subnet({
      stake: [TAO, 0n],
      validatorPermit: [true, false],
      weights: [[[1, 65_535]], []],
    });
    const fixed = epoch(base).bonds[0]![0]![1];
    const liquid = epoch({ ...base, params: { ...PARAMS, liquidAlpha: { low: 45_875, high: 58_982, steepness: 1000 } } })
      .bonds[0]![0]![1];
    // W = C = 1 and no bond: d = 0; σ = 1/(1 + e^(−(1000/100) × (0 − 0.5))) = 1/(1 + e^5) ≈ 0.006693;
    // α = low + σ × (high − low) = 0.700008 + 0.006693 × 0.2 ≈ 0.701346 → B' = α × 1 → 45962.
    expect(fixed).toBe(6_553);
    expect(liquid).toBe(45_962);
  });
});

describe('isTopkNonzero', () => {
  it('keeps the k largest nonzero values, higher uids winning ties', () => {
    const v = [fromInt(1), fromInt(2), fromInt(2), 0n, fromInt(1)];
    expect(isTopkNonzero(v, 2)).toEqual([false, true, true, false, false]);
    expect(isTopkNonzero(v, 3)).toEqual([false, true, true, false, true]);
    // Fewer uids than k: every nonzero one.
    expect(isTopkNonzero(v, 10)).toEqual([true, true, true, false, true]);
  });
});

describe('activityCutoffBlocks', () => {
  it('is the factor (per mille) times tempo, at least 1', () => {
    expect(activityCutoffBlocks(13_889, 360)).toBe(5_000);
    expect(activityCutoffBlocks(13_889, 10)).toBe(138);
    expect(activityCutoffBlocks(0, 360)).toBe(1);
  });
});

describe('epoch: properties', () => {
  const network = fc.integer({ min: 1, max: 10 }).chain((n) =>
    fc.record({
      stake: fc.array(fc.bigInt({ min: 0n, max: 10n ** 15n }), { minLength: n, maxLength: n }),
      weights: fc.array(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: 65_535 })), {
          selector: ([j]) => j,
          maxLength: n,
        }),
        { minLength: n, maxLength: n },
      ),
      validatorPermit: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      lastUpdate: fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: n, maxLength: n }),
      blockAtRegistration: fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: n, maxLength: n }),
      ownerUid: fc.option(fc.integer({ min: 0, max: n - 1 })),
      raoEmission: fc.bigInt({ min: 0n, max: 10n ** 12n }),
      yuma3: fc.boolean(),
      kappa: fc.integer({ min: 0, max: 65_535 }),
      maxAllowedValidators: fc.integer({ min: 1, max: 12 }),
    }),
  );
  type Network = typeof network extends fc.Arbitrary<infer T> ? T : never;
  const toInput = (r: Network): YumaInput =>
    subnet({
      stake: r.stake,
      weights: r.weights,
      validatorPermit: r.validatorPermit,
      lastUpdate: r.lastUpdate,
      blockAtRegistration: r.blockAtRegistration,
      ownerUid: r.ownerUid,
      raoEmission: r.raoEmission,
      params: { ...PARAMS, yuma3: r.yuma3, kappa: r.kappa, maxAllowedValidators: r.maxAllowedValidators, activityCutoffBlocks: 300 },
    });

  it('incentive and dividends each sum to 65535 (less at most one per uid) or to 0', () => {
    fc.assert(
      fc.property(network, (r) => {
        const out = epoch(toInput(r));
        const n = r.stake.length;
        for (const v of [out.incentive, out.dividends]) {
          const s = sum(v);
          expect(s === 0 || (s <= 65_535 && s >= 65_535 - n)).toBe(true);
        }
      }),
    );
  });

  it('never emits more than raoEmission', () => {
    fc.assert(
      fc.property(network, (r) => {
        const out = epoch(toInput(r));
        expect(sumBig(out.emission)).toBeLessThanOrEqual(r.raoEmission);
        expect(sumBig(out.serverEmission) + sumBig(out.validatorEmission)).toBeLessThanOrEqual(r.raoEmission);
      }),
    );
  });

  it('gives no incentive to a uid that no active, permitted, staked validator weighs', () => {
    fc.assert(
      fc.property(network, (r) => {
        const input = toInput(r);
        const out = epoch(input);
        const n = r.stake.length;
        for (let j = 0; j < n; j++) {
          const weighed = input.weights.some(
            (row, i) =>
              (input.validatorPermit[i] || input.ownerUid === i) &&
              input.lastUpdate[i]! + input.params.activityCutoffBlocks >= input.currentBlock &&
              r.stake[i]! > 0n &&
              (i !== j || input.ownerUid === i) &&
              input.lastUpdate[i]! > input.blockAtRegistration[j]! &&
              row.some(([k, w]) => k === j && w > 0),
          );
          if (!weighed) expect(out.incentive[j]).toBe(0);
        }
      }),
    );
  });

  it('grants at most maxAllowedValidators permits (plus the owner), only to staked uids', () => {
    fc.assert(
      fc.property(network, (r) => {
        const input = toInput(r);
        const out = epoch(input);
        const permitted = out.validatorPermit.filter(Boolean).length;
        expect(permitted).toBeLessThanOrEqual(input.params.maxAllowedValidators + (input.ownerUid === null ? 0 : 1));
        out.validatorPermit.forEach((p, i) => {
          if (p && i !== input.ownerUid) expect(r.stake[i]).toBeGreaterThan(0n);
        });
      }),
    );
  });
});
