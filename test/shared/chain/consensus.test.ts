import { describe, expect, it } from 'vitest';
import { diagnoseConsensus, type ConsensusNeuron } from '../../../shared/chain/consensus.js';

const TAO = 1_000_000_000n;
const neuron = (uid: number, stake: bigint, over: Partial<ConsensusNeuron> = {}): ConsensusNeuron => ({
  uid, hotkey: `hk${uid}`, stake, validatorPermit: true, lastUpdate: 100, setsWeights: false, ...over,
});
const base = { kappa: 32767, activityCutoffBlocks: 138, currentBlock: 150, ownerHotkey: 'hk0' };

describe('diagnoseConsensus', () => {
  it('the owner holds most stake and a permit but sets no weights: a lone validator stays below kappa, with the figures and the fix', () => {
    const d = diagnoseConsensus({ ...base, neurons: [neuron(0, 900n * TAO), neuron(1, 100n * TAO, { setsWeights: true }), neuron(2, 0n, { validatorPermit: false })] });
    expect(d.canForm).toBe(false);
    expect(d).toMatchObject({ activeStake: 1000n * TAO, settingStake: 100n * TAO, settingShare: 0.1 });
    expect(d.summary).toBe('consensus cannot form: validators setting weights hold 10.0% of the active validator stake (100.00 τ of 1000.00 τ), below kappa 50.0%');
    expect(d.silent).toEqual([{ uid: 0, hotkey: 'hk0', stake: 900n * TAO, share: 0.9, owner: true, inactiveFrom: 239 }]);
    expect(d.fix).toContain("the subnet owner's hotkey hk0 (uid 0) holds 90.0% of the active validator stake (900.00 τ)");
    expect(d.fix).toContain('block 239');
  });

  it('counts the starting validator as setting weights, and as permitted before its first epoch', () => {
    const neurons = [neuron(0, 100n * TAO), neuron(1, 900n * TAO)];
    expect(diagnoseConsensus({ ...base, neurons }).canForm).toBe(false);
    expect(diagnoseConsensus({ ...base, neurons, assumeSetting: 'hk1' })).toMatchObject({ canForm: true, settingShare: 0.9 });
    const noPermitYet = [neuron(0, 100n * TAO), neuron(1, 900n * TAO, { validatorPermit: false, lastUpdate: 0 })];
    expect(diagnoseConsensus({ ...base, neurons: noPermitYet, assumeSetting: 'hk1' })).toMatchObject({ canForm: true, activeStake: 1000n * TAO });
  });

  it('forms at exactly kappa, and not a rao below it (the stake giving no weight must not exceed 1 − kappa)', () => {
    const at = diagnoseConsensus({ ...base, kappa: 32768, neurons: [neuron(0, 32767n), neuron(1, 32768n, { setsWeights: true })] });
    expect(at.canForm).toBe(true);
    const below = diagnoseConsensus({ ...base, kappa: 32768, neurons: [neuron(0, 32768n), neuron(1, 32767n, { setsWeights: true })] });
    expect(below.canForm).toBe(false);
  });

  it('leaves out validators past the activity cutoff and those without a permit (the owner always has one)', () => {
    const d = diagnoseConsensus({
      ...base,
      currentBlock: 300,
      neurons: [neuron(0, 900n * TAO, { lastUpdate: 100, validatorPermit: false }), neuron(1, 100n * TAO, { setsWeights: true, lastUpdate: 290 }), neuron(2, 500n * TAO, { validatorPermit: false, lastUpdate: 290 })],
    });
    expect(d).toMatchObject({ canForm: true, activeStake: 100n * TAO, silent: [] });
  });

  it('says so when no active validator holds stake', () => {
    expect(diagnoseConsensus({ ...base, neurons: [neuron(1, 0n, { setsWeights: true })] })).toMatchObject({ canForm: false, summary: 'consensus cannot form: no validator with a permit and stake is active' });
  });
});
