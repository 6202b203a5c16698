import { describe, expect, it } from 'vitest';
import { chooseMechanism, timelockedCall, type WeightsCalls } from '../../../shared/chain/weights-mechanism.js';

/** A runtime by the calls its metadata lists (opentensor/subtensor dispatches.rs at those specs). */
const runtime = (...calls: string[]) => (pallet: string, call: string) => calls.includes(`${pallet}.${call}`);

const SPEC_425 = runtime('SubtensorModule.commit_timelocked_weights', 'SubtensorModule.commit_timelocked_mechanism_weights', 'SubtensorModule.commit_crv3_mechanism_weights', 'Drand.write_pulse');
/** spec 299/300: commit_timelocked_weights and the older commit_crv3_weights side by side, no mechanisms yet. */
const SPEC_300 = runtime('SubtensorModule.commit_crv3_weights', 'SubtensorModule.commit_timelocked_weights', 'Drand.write_pulse');
/** spec 293–298: CR v3 only, decoding the payload without the hotkey. */
const SPEC_295 = runtime('SubtensorModule.commit_crv3_weights', 'Drand.write_pulse');

describe('timelockedCall (by metadata)', () => {
  it('prefers the mechanism call, then commit_timelocked_weights, then CR v3', () => {
    expect(timelockedCall(SPEC_425)).toBe('commit_timelocked_mechanism_weights');
    expect(timelockedCall(SPEC_300)).toBe('commit_timelocked_weights');
    expect(timelockedCall(SPEC_295)).toBe('commit_crv3_weights');
  });

  it('offers none without the Drand pallet (no pulses, no reveal) or without the calls', () => {
    expect(timelockedCall(runtime('SubtensorModule.commit_timelocked_weights'))).toBe(false);
    expect(timelockedCall(runtime('SubtensorModule.commit_weights', 'Drand.write_pulse'))).toBe(false);
  });

  it('makes commit-reveal subnets commit timelocked where the runtime has it, hash commit-reveal otherwise', () => {
    const calls = (timelocked: WeightsCalls['timelocked']): WeightsCalls => ({ specVersion: 425, setWeights: true, hashCommitReveal: 'salted', timelocked });
    const all = ['set_weights', 'hash-commit-reveal', 'timelocked'] as const;
    expect(chooseMechanism(calls('commit_crv3_weights'), true, all)).toEqual({ mechanism: 'timelocked' });
    expect(chooseMechanism(calls(false), true, all)).toEqual({ mechanism: 'hash-commit-reveal' });
    expect(chooseMechanism(calls('commit_timelocked_weights'), false, all)).toEqual({ mechanism: 'set_weights' });
  });
});
