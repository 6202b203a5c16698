/**
 * Registration on a runtime with miner collateral (spec ≥ 435): the owner sets the lock share, the
 * client says before registering what is burned and what is locked, and the chain takes exactly that:
 * the coldkey pays the total, the hotkey holds the locked part as stake, recorded as collateral.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainClient } from '../../../shared/chain/index.js';
import { openSubnetOn, type DevKeys } from './fixtures.js';

let client: ChainClient;
let keys: DevKeys;
let netuid: number;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ client, keys, netuid, close } = await openSubnetOn({ runtime: { specVersion: 459, collateral: true } }));
});
afterAll(async () => {
  await close?.();
});

const free = async (address: string) => (await client.getBalance({ address })).free;

describe('miner registration collateral', () => {
  it('without a lock share the whole price is burned', async () => {
    const cost = await client.getRegistrationCost({ netuid, hotkey: keys.bobHk.address, coldkey: keys.bob.address });
    expect(cost).toMatchObject({ collateral: true, locked: 0n, requirement: 0n });
    expect(cost.burned).toBe(cost.total);
  });

  it('at a 50 % lock share: half burned, half staked to the hotkey and locked, and the coldkey pays the sum', async () => {
    await client.setHyperparameter({ signer: keys.alice, netuid, name: 'collateral_lock_share', value: 32768 });
    const cost = await client.getRegistrationCost({ netuid, hotkey: keys.charlieHk.address, coldkey: keys.charlie.address });
    expect(cost.locked).toBeGreaterThan(0n);
    expect(cost.locked - cost.burned).toBeLessThan(cost.total / 1000n);
    const before = await free(keys.charlie.address);
    const { result } = await client.burnedRegister({ coldkey: keys.charlie, hotkey: keys.charlieHk.address, netuid });
    // The burn decays one block (× 2^(-1/360)) between the quote and the block that includes it.
    const paid = before - (await free(keys.charlie.address));
    expect(paid).toBeLessThanOrEqual(cost.total);
    expect(paid).toBeGreaterThan((cost.total * 997n) / 1000n);
    const locked = result.events.find((e) => e.method === 'CollateralLocked');
    expect(locked).toBeDefined();
    const stake = (await client.getMetagraph({ netuid })).neurons.find((n) => n.hotkey === keys.charlieHk.address)!.alphaStake;
    expect(stake).toBeGreaterThan(0n);
    const stored = (await client.api.query.subtensorModule.minerCollateral(netuid, keys.charlieHk.address, keys.charlie.address)).toJSON() as { locked: number };
    expect(BigInt(stored.locked)).toBe(stake);
  });

  it('refuses a lock share above 95 %', async () => {
    await expect(client.setHyperparameter({ signer: keys.alice, netuid, name: 'collateral_lock_share', value: 65535, sudo: true })).rejects.toThrow(/CollateralLockShareTooHigh/);
  });
});
