import { describe, expect, it } from 'vitest';
import { chooseWeightsMechanism } from '../../../shared/chain/actions/getWeightsMechanism.js';

/** A runtime by the calls its metadata lists. */
const runtime = (...calls: string[]) => (pallet: string, call: string) => calls.includes(`${pallet}.${call}`);

const SPEC_425 = runtime(
  'SubtensorModule.set_weights',
  'SubtensorModule.set_mechanism_weights',
  'SubtensorModule.commit_weights',
  'SubtensorModule.commit_timelocked_weights',
  'SubtensorModule.commit_timelocked_mechanism_weights',
  'Drand.write_pulse',
);
/** spec 299/300: timelocked commits and the older commit_crv3_weights side by side, no mechanisms yet. */
const SPEC_300 = runtime('SubtensorModule.set_weights', 'SubtensorModule.commit_weights', 'SubtensorModule.commit_crv3_weights', 'SubtensorModule.commit_timelocked_weights', 'Drand.write_pulse');
/** spec 293–298: CR v3 only, decoding the payload without the hotkey. */
const SPEC_295 = runtime('SubtensorModule.set_weights', 'SubtensorModule.commit_weights', 'SubtensorModule.commit_crv3_weights', 'Drand.write_pulse');
/** pre-drand runtimes: hash commit-reveal only. */
const SPEC_218 = runtime('SubtensorModule.set_weights', 'SubtensorModule.commit_weights');

describe('chooseWeightsMechanism (by metadata)', () => {
  it('sets weights directly when commit-reveal is off, through the mechanism call where it exists', () => {
    expect(chooseWeightsMechanism(SPEC_425, false, 4)).toEqual({ kind: 'set', call: 'set_mechanism_weights' });
    expect(chooseWeightsMechanism(SPEC_300, false, 4)).toEqual({ kind: 'set', call: 'set_weights' });
  });

  it('commits timelocked (v4) on runtimes with commit_timelocked_*, preferring the mechanism call', () => {
    expect(chooseWeightsMechanism(SPEC_425, true, 4)).toEqual({ kind: 'timelocked', call: 'commit_timelocked_mechanism_weights', version: 4 });
    expect(chooseWeightsMechanism(SPEC_300, true, 4)).toEqual({ kind: 'timelocked', call: 'commit_timelocked_weights', version: 4 });
  });

  it('commits CR v3 where only commit_crv3_weights exists', () => {
    expect(chooseWeightsMechanism(SPEC_295, true, undefined)).toEqual({ kind: 'crv3', call: 'commit_crv3_weights', version: 3 });
  });

  it('falls back to the hash commit without drand, or when the runtime wants a version flopnet cannot encode', () => {
    expect(chooseWeightsMechanism(SPEC_218, true, undefined)).toEqual({ kind: 'hash', call: 'commit_weights' });
    expect(chooseWeightsMechanism(SPEC_425, true, 5)).toMatchObject({ kind: 'hash', reason: expect.stringMatching(/version 5/) });
  });
});
