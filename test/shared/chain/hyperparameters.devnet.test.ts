/**
 * The subnet owner sets tempo and the activity-cutoff factor through whichever calls the runtime has
 * (SubtensorModule on spec 425, AdminUtils from spec 431), within subtensor's bounds; a setter the
 * runtime removed, or one the epoch ignores, is refused before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import { CallUnsupportedError } from '../../../shared/chain/index.js';
import { subnetPerTest } from './fixtures.js';

const subnet = subnetPerTest();

describe('owner-set tempo and activity-cutoff factor', () => {
  it('spec 425: SubtensorModule.set_tempo / set_activity_cutoff_factor, signed by the owner, bounded', async () => {
    const { keys, netuid, client: c } = await subnet({});
    const r = await c.setHyperparameter({ signer: keys.alice, netuid, name: 'tempo', value: 360 });
    expect(r.call).toBe('SubtensorModule.set_tempo');
    expect((await c.getHyperparameters({ netuid }))['tempo']).toBe(360);
    await expect(c.setHyperparameter({ signer: keys.alice, netuid, name: 'activity_cutoff_factor_milli', value: 999 })).rejects.toThrow(/ActivityCutoffFactorMilliOutOfBounds/);
    const f = await c.setHyperparameter({ signer: keys.alice, netuid, name: 'activity_cutoff_factor_milli', value: 20_000 });
    expect(f.call).toBe('SubtensorModule.set_activity_cutoff_factor');
    expect((await c.getHyperparameters({ netuid }))['activity_cutoff_factor_milli']).toBe(20_000);
    await expect(c.setHyperparameter({ signer: keys.bob, netuid, name: 'tempo', value: 720 })).rejects.toThrow(/BadOrigin/);
  });

  it('spec 425: root (Sudo.sudo) sets any tempo through AdminUtils.sudo_set_tempo, below the owner\'s MIN_TEMPO', async () => {
    const { keys, netuid, client: c } = await subnet({});
    const r = await c.setHyperparameter({ signer: keys.alice, netuid, name: 'tempo', value: 20, sudo: true });
    expect(r.call).toBe('Sudo.sudo(AdminUtils.sudo_set_tempo)');
    expect((await c.getHyperparameters({ netuid }))['tempo']).toBe(20);
  });

  it('spec 431+: AdminUtils.sudo_set_tempo from the owner (below MIN_TEMPO refused), and the factor on AdminUtils', async () => {
    const { keys, netuid, client: c } = await subnet({ runtime: { specVersion: 459, ownerTempo: 'admin-utils' } });
    await expect(c.setHyperparameter({ signer: keys.alice, netuid, name: 'tempo', value: 100 })).rejects.toThrow(/TempoOutOfBounds/);
    const r = await c.setHyperparameter({ signer: keys.alice, netuid, name: 'tempo', value: 720 });
    expect(r.call).toBe('AdminUtils.sudo_set_tempo');
    expect((await c.getHyperparameters({ netuid }))['tempo']).toBe(720);
    const f = await c.setHyperparameter({ signer: keys.alice, netuid, name: 'activity_cutoff_factor_milli', value: 5_000 });
    expect(f.call).toBe('AdminUtils.sudo_set_activity_cutoff_factor');
    expect((await c.getHyperparameters({ netuid }))['activity_cutoff_factor_milli']).toBe(5_000);
  });

  it('refuses max_weights_limit (setter removed) and activity_cutoff (ignored by the epoch) before sending', async () => {
    const { keys, netuid, client: c } = await subnet({});
    const removed = await c.setHyperparameter({ signer: keys.alice, netuid, name: 'max_weights_limit', value: 1000 }).catch((e: unknown) => e);
    expect(removed).toBeInstanceOf(CallUnsupportedError);
    expect(removed).toMatchObject({ message: expect.stringContaining('sudo_set_max_weight_limit'), hint: expect.stringContaining('stays 65535') });
    const ignored = await c.setHyperparameter({ signer: keys.alice, netuid, name: 'activity_cutoff', value: 5000 }).catch((e: unknown) => e);
    expect(ignored).toMatchObject({ message: expect.stringContaining('activity_cutoff_factor_milli') });
  });
});
