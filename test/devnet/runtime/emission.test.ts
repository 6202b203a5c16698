import { describe, expect, it } from 'vitest';
import {
  blockEmission,
  blockStep,
  blocksUntilNextEpoch,
  distribute,
  isEpochDue,
  newSubnetEmissionState,
  type DistributionInput,
  type SubnetEmissionState,
} from '../../../devnet/runtime/emission.js';
import { epoch } from '../../../shared/math/yuma.js';

const TAO = 1_000_000_000n;

/** Subnet 1, tempo 10, registered at block 100, start_call done at once. */
function started(): SubnetEmissionState {
  return { ...newSubnetEmissionState(1, 10, 100), firstEmissionBlockNumber: 101, subtokenEnabled: true };
}

/** Runs blockStep for blocks from..to inclusive, collecting the blocks whose epoch ran. */
function run(state: SubnetEmissionState, from: number, to: number) {
  const epochs: number[] = [];
  for (let b = from; b <= to; b++) {
    const r = blockStep(state, b);
    state = r.state;
    if (r.epochDue) epochs.push(b);
  }
  return { state, epochs };
}

describe('blockEmission', () => {
  it('is 1 alpha per block and halves as issuance passes 10.5 M, 15.75 M, … of 21 M', () => {
    expect(blockEmission(0n)).toBe(TAO);
    expect(blockEmission(10_500_000n * TAO - 1n)).toBe(TAO);
    expect(blockEmission(10_500_000n * TAO)).toBe(TAO / 2n);
    expect(blockEmission(15_750_000n * TAO)).toBe(TAO / 4n);
    expect(blockEmission(21_000_000n * TAO)).toBe(0n);
  });
});

describe('blockStep: coinbase', () => {
  it('splits each block: owner cut 11796/65535, then half to miners and half to validators', () => {
    const { state, alphaOutEmission } = blockStep(started(), 101);
    expect(alphaOutEmission).toBe(TAO);
    // cut = 1e9 × ⌊11796 × 2^32 / 65535⌋ / 2^32 = 179 995 422.29… → 179 995 422 rao (exact: 179 995 422.29).
    expect(state.pendingOwnerCut).toBe(179_995_422n);
    // The remaining 820 004 577.7 alpha-rao is halved and each half floored.
    expect(state.pendingServerEmission).toBe(410_002_288n);
    expect(state.pendingValidatorEmission).toBe(410_002_288n);
  });

  it('gives the owner nothing when OwnerCutEnabled is off', () => {
    const { state } = blockStep({ ...started(), ownerCutEnabled: false }, 101);
    expect(state.pendingOwnerCut).toBe(0n);
    expect(state.pendingServerEmission).toBe(TAO / 2n);
    expect(state.pendingValidatorEmission).toBe(TAO / 2n);
  });

  it('emits nothing before start_call, though the epoch schedule still runs', () => {
    const { state, epochs } = run(newSubnetEmissionState(1, 10, 100), 101, 109);
    expect(state.pendingServerEmission + state.pendingValidatorEmission + state.pendingOwnerCut).toBe(0n);
    expect(epochs).toEqual([109]);
  });

  it('does not modify the state it is given', () => {
    const before = started();
    const copy = structuredClone(before);
    blockStep(before, 109);
    expect(before).toEqual(copy);
  });
});

describe('blockStep: epoch schedule', () => {
  it('runs the first epoch at r − (netuid mod tempo) + tempo, then every tempo blocks', () => {
    // Registered at 100 on netuid 1 with tempo 10: LastEpochBlock = 99, first epoch at 109.
    expect(newSubnetEmissionState(1, 10, 100).lastEpochBlock).toBe(99);
    expect(blocksUntilNextEpoch(started(), 100)).toBe(9);
    const { state, epochs } = run(started(), 101, 130);
    expect(epochs).toEqual([109, 119, 129]);
    expect(state.subnetEpochIndex).toBe(3);
    expect(state.lastEpochBlock).toBe(129);
    expect(state.lastMechanismStepBlock).toBe(129);
  });

  it('drains the whole tempo of pending emission into the epoch and hands over the previous step block', () => {
    let state = run(started(), 101, 108).state; // 8 emitting blocks
    const r = blockStep(state, 109); // the 9th, and the epoch
    state = r.state;
    expect(r.drained).toEqual({
      pendingServerEmission: 9n * 410_002_288n,
      pendingValidatorEmission: 9n * 410_002_288n,
      pendingOwnerCut: 9n * 179_995_422n,
      raoEmission: 18n * 410_002_288n,
      lastMechanismStepBlock: 0,
    });
    expect(state.pendingServerEmission + state.pendingValidatorEmission + state.pendingOwnerCut).toBe(0n);
    expect(state.blocksSinceLastStep).toBe(0);
    expect(blockStep(run(state, 110, 118).state, 119).drained?.lastMechanismStepBlock).toBe(109);
  });

  it('defers a due epoch past the per-block cap to the next block', () => {
    const before = run(started(), 101, 108).state;
    const deferred = blockStep(before, 109, { epochAllowed: false });
    expect(deferred.epochDue).toBe(false);
    expect(deferred.epochDeferred).toBe(true);
    expect(deferred.state.pendingEpochAt).toBe(110);
    expect(deferred.state.subnetEpochIndex).toBe(0);
    const ran = blockStep(deferred.state, 110);
    expect(ran.epochDue).toBe(true);
    expect(ran.drained?.pendingServerEmission).toBe(10n * 410_002_288n);
    expect(ran.state.pendingEpochAt).toBe(0);
    expect(ran.state.lastEpochBlock).toBe(110);
  });

  it('skips an epoch on inconsistent input: the slot is used, the emission carries over', () => {
    const before = run(started(), 101, 108).state;
    const skipped = blockStep(before, 109, { inputConsistent: false });
    expect(skipped.epochDue).toBe(false);
    expect(skipped.epochSkipped).toBe(true);
    expect(skipped.state.lastEpochBlock).toBe(109);
    expect(skipped.state.subnetEpochIndex).toBe(1);
    expect(skipped.state.pendingServerEmission).toBe(9n * 410_002_288n);
    expect(skipped.state.lastMechanismStepBlock).toBe(0);
  });

  it('never runs an epoch with tempo 0', () => {
    const state = { ...started(), tempo: 0 };
    expect(isEpochDue(state, 1_000_000)).toBe(false);
    expect(blocksUntilNextEpoch(state, 5)).toBe(Number.POSITIVE_INFINITY);
  });

  it('forces an epoch after 50 400 blocks without one', () => {
    const state = { ...started(), tempo: 65_535, lastEpochBlock: 0, blocksSinceLastStep: 50_400 };
    expect(blockStep(state, 60_000).epochDue).toBe(true);
  });
});

describe('distribute', () => {
  // uid 0, 1: validators; uid 2: a miner; uid 3: a miner hotkey of the subnet owner's coldkey;
  // uid 4: the subnet owner hotkey.
  const base: DistributionInput = {
    neurons: [
      { hotkey: 'valA', coldkey: 'coldA' },
      { hotkey: 'valB', coldkey: 'coldB', take: 0 },
      { hotkey: 'miner2', coldkey: 'cold2' },
      { hotkey: 'miner3', coldkey: 'owner' },
      { hotkey: 'ownerHot', coldkey: 'owner' },
    ],
    epoch: { serverEmission: [0n, 0n, 600n, 400n, 0n], validatorEmission: [750n, 250n, 0n, 0n, 0n] },
    drained: {
      pendingServerEmission: 1_000n,
      pendingValidatorEmission: 1_000n,
      pendingOwnerCut: 400n,
      raoEmission: 2_000n,
      lastMechanismStepBlock: 0,
    },
    subnetOwner: 'owner',
    subnetOwnerHotkey: 'ownerHot',
  };

  it('pays the owner cut, miners, and validators (take to the owner, the rest to the pool)', () => {
    const d = distribute(base);
    expect(d.stakeCredits).toEqual([
      { hotkey: 'ownerHot', coldkey: 'owner', amount: 400n, reason: 'owner-cut' },
      { hotkey: 'miner2', coldkey: 'cold2', amount: 600n, reason: 'incentive' },
      // valA's dividend: 1000 × 750/1000 = 750; take 18 %: 750 × 11796/65535 = 134.99 → 134.
      { hotkey: 'valA', coldkey: 'coldA', amount: 134n, reason: 'validator-take' },
    ]);
    // Nominators: ⌊750 − 134.997⌋ = 615; valB takes nothing, so its pool gets all 250.
    expect(d.hotkeyCredits).toEqual([
      { hotkey: 'valA', amount: 615n },
      { hotkey: 'valB', amount: 250n },
    ]);
    expect(d.alphaDividends).toEqual(d.hotkeyCredits);
    // The owner's own miner hotkey earns nothing: its 400 is burned.
    expect(d.burned).toBe(400n);
  });

  it('gives validators the miners’ half too when no miner earned incentive', () => {
    const d = distribute({ ...base, epoch: { ...base.epoch, serverEmission: [0n, 0n, 0n, 0n, 0n] } });
    expect(d.hotkeyCredits.find((c) => c.hotkey === 'valB')?.amount).toBe(500n);
    expect(d.burned).toBe(0n);
  });

  it('burns the owner cut when the subnet has no owner hotkey', () => {
    const d = distribute({ ...base, subnetOwnerHotkey: null });
    expect(d.stakeCredits.some((c) => c.reason === 'owner-cut')).toBe(false);
    expect(d.burned).toBe(400n + 400n);
  });
});

describe('coinbase and epoch together', () => {
  it('pays out what the tempo minted, less rounding, through epoch and distribution', () => {
    // Validator uid 0 (own coldkey), miners uid 1 and 2; weights 3:1; the owner hotkey holds no uid.
    let state = started();
    let drained;
    for (let b = 101; b <= 109; b++) {
      const r = blockStep(state, b);
      state = r.state;
      drained = r.drained;
    }
    expect(drained).toBeDefined();
    const out = epoch({
      currentBlock: 109,
      stake: [100n * TAO, 0n, 0n],
      weights: [[[1, 65_535], [2, 21_845]], [], []],
      bonds: [[], [], []],
      lastUpdate: [105, 0, 0],
      blockAtRegistration: [100, 100, 100],
      validatorPermit: [true, false, false],
      ownerUid: null,
      lastMechanismStepBlock: drained!.lastMechanismStepBlock,
      tempo: 10,
      raoEmission: drained!.raoEmission,
      params: {
        kappa: 32_767,
        bondsMovingAverage: 900_000,
        bondsPenalty: 65_535,
        maxAllowedValidators: 64,
        activityCutoffBlocks: 138,
        yuma3: true,
      },
    });
    const d = distribute({
      neurons: [
        { hotkey: 'val', coldkey: 'coldV' },
        { hotkey: 'm1', coldkey: 'c1' },
        { hotkey: 'm2', coldkey: 'c2' },
      ],
      epoch: out,
      drained: drained!,
      subnetOwner: 'owner',
      subnetOwnerHotkey: 'ownerHot',
    });
    const minted = 9n * TAO;
    const paid =
      d.stakeCredits.reduce((a, c) => a + c.amount, 0n) + d.hotkeyCredits.reduce((a, c) => a + c.amount, 0n) + d.burned;
    // 9 blocks × 1 alpha; each block loses ≤ 2 rao to flooring, the epoch and split a few more.
    expect(paid).toBeLessThanOrEqual(minted);
    expect(minted - paid).toBeLessThan(40n);
    // Miners split their half 3:1.
    const m1 = d.stakeCredits.find((c) => c.hotkey === 'm1')!.amount;
    const m2 = d.stakeCredits.find((c) => c.hotkey === 'm2')!.amount;
    expect(Number(m1) / Number(m2)).toBeCloseTo(3, 4);
    expect(m1 + m2).toBeGreaterThan(drained!.pendingServerEmission - 10n);
  });
});
