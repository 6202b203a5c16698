import { describe, expect, it } from 'vitest';
import { setterFor, type RuntimeSurface } from '../../../shared/chain/hyperparameters.js';

const runtime = (specVersion: number, calls: string[], storage: string[] = []): RuntimeSurface => ({
  specVersion,
  hasCall: (pallet, call) => calls.includes(`${pallet}.${call}`),
  hasStorage: (pallet, item) => storage.includes(`${pallet}.${item}`),
});
const admin = ['sudo_set_tempo', 'sudo_set_activity_cutoff', 'sudo_set_kappa', 'sudo_set_weights_set_rate_limit'].map((c) => `AdminUtils.${c}`);
/** spec 218-era: AdminUtils setters only, ActivityCutoff in blocks. */
const old = runtime(218, [...admin, 'AdminUtils.sudo_set_max_weight_limit']);
/** spec 425: dynamic tempo, owner tempo controls on SubtensorModule. */
const spec425 = runtime(425, [...admin, 'SubtensorModule.set_tempo', 'SubtensorModule.set_activity_cutoff_factor'], ['SubtensorModule.ActivityCutoffFactorMilli']);
/** spec ≥ 431: AdminUtils takes the owner's tempo and factor. */
const spec431 = runtime(459, [...admin, 'AdminUtils.sudo_set_activity_cutoff_factor', 'SubtensorModule.set_tempo', 'SubtensorModule.set_activity_cutoff_factor'], ['SubtensorModule.ActivityCutoffFactorMilli']);

describe('setterFor: the hyperparameter table per runtime', () => {
  it('tempo: root only before dynamic tempo, the owner on SubtensorModule at 425, the owner on AdminUtils from 431', () => {
    expect(setterFor('tempo', old)).toEqual({ pallet: 'AdminUtils', call: 'sudo_set_tempo', root: true });
    expect(setterFor('tempo', spec425)).toEqual({ pallet: 'SubtensorModule', call: 'set_tempo', root: false });
    expect(setterFor('tempo', spec425, true)).toEqual({ pallet: 'AdminUtils', call: 'sudo_set_tempo', root: true });
    expect(setterFor('tempo', spec431)).toEqual({ pallet: 'AdminUtils', call: 'sudo_set_tempo', root: false });
  });

  it('activity cutoff: the factor where the epoch reads it, blocks before', () => {
    expect(setterFor('activity_cutoff_factor_milli', spec425)).toEqual({ pallet: 'SubtensorModule', call: 'set_activity_cutoff_factor', root: false });
    expect(setterFor('activity_cutoff_factor_milli', spec431)).toEqual({ pallet: 'AdminUtils', call: 'sudo_set_activity_cutoff_factor', root: false });
    expect(setterFor('activity_cutoff', old)).toEqual({ pallet: 'AdminUtils', call: 'sudo_set_activity_cutoff', root: false });
    expect(setterFor('activity_cutoff', spec425)).toMatchObject({ refused: expect.stringContaining('reads activity_cutoff_factor_milli'), hint: expect.stringContaining('activity_cutoff_factor_milli') });
    expect(setterFor('activity_cutoff_factor_milli', old)).toMatchObject({ refused: 'spec 218 has no activity-cutoff factor' });
  });

  it('a removed setter is refused, saying what became of the value', () => {
    expect(setterFor('max_weights_limit', old)).toEqual({ pallet: 'AdminUtils', call: 'sudo_set_max_weight_limit', root: false });
    expect(setterFor('max_weights_limit', spec425)).toEqual({ refused: 'spec 425 has no AdminUtils.sudo_set_max_weight_limit (to set max_weights_limit)', hint: expect.stringContaining('stays 65535') });
  });

  it('keeps the root split of the others, and refuses what is not a settable hyperparameter', () => {
    expect(setterFor('kappa', spec431)).toEqual({ pallet: 'AdminUtils', call: 'sudo_set_kappa', root: true });
    expect(setterFor('burn', spec425)).toMatchObject({ refused: '"burn" is not a hyperparameter flopnet can set' });
  });
});
