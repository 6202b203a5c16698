/**
 * The runtime APIs SDK clients call first (bittensor v10's `metagraph()` and
 * `get_subnet_hyperparameters()`), with spec 425's typed results, decoded by an unmodified
 * @polkadot/api from the v15 metadata the devnet serves. SelectiveMetagraph indexes are
 * `SelectiveMetagraphIndex::from_index` in `pallets/subtensor/src/rpc_info/metagraph.rs`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, setupSubnet, type Session, type TestSubnet } from './support.js';

const INDEX = { netuid: 0, numUids: 30, hotkeys: 52, axons: 55, validatorPermit: 57, alphaStake: 67, validators: 72 };

describe('SubnetInfoRuntimeApi metagraph and hyperparameters', () => {
  let s: Session;
  let net: TestSubnet;
  beforeAll(async () => {
    s = await openSession();
    net = await setupSubnet(s);
  });
  afterAll(() => s?.close());
  const call = () => (s.api.call as any).subnetInfoRuntimeApi;

  it('get_metagraph: every uid with its hotkey, coldkey, permit and alpha stake', async () => {
    const m = (await call().getMetagraph(net.netuid)).unwrap();
    expect(m.netuid.toNumber()).toBe(net.netuid);
    expect(m.numUids.toNumber()).toBe(4);
    expect(m.hotkeys.map((h: { toString(): string }) => h.toString())).toEqual([net.ownerHot.address, net.validatorHot.address, ...net.minerHots.map((h) => h.address)]);
    expect(m.coldkeys[1].toString()).toBe(net.validator.address);
    expect(m.validatorPermit.map((p: { isTrue: boolean }) => p.isTrue)).toEqual([true, true, false, false]);
    const stake = (await s.api.query.subtensorModule.totalHotkeyAlpha(net.validatorHot.address, net.netuid)) as unknown as { toBigInt(): bigint };
    expect(m.alphaStake[1].toBigInt()).toBe(stake.toBigInt());
    expect(m.totalStake[1].toBigInt()).toBe(stake.toBigInt());
    expect(m.axons).toHaveLength(4);
    expect((await call().getMetagraph(99)).isNone).toBe(true);
  });

  it('get_selective_metagraph: only the requested fields are Some', async () => {
    const m = (await call().getSelectiveMetagraph(net.netuid, [INDEX.hotkeys, INDEX.alphaStake, INDEX.validators])).unwrap();
    expect(m.hotkeys.unwrap().length).toBe(4);
    expect(m.alphaStake.unwrap()[1].toBigInt()).toBeGreaterThan(0n);
    expect(m.validators.unwrap().map((u: { toNumber(): number }) => u.toNumber())).toEqual([0, 1]);
    expect(m.numUids.isNone).toBe(true);
    expect(m.axons.isNone).toBe(true);
    expect(m.netuid.toNumber()).toBe(net.netuid);
  });

  it('get_subnet_hyperparams_v3: named, typed entries in the order spec 425 lists them', async () => {
    const entries = (await call().getSubnetHyperparamsV3(net.netuid)).unwrap();
    const byName = new Map(entries.map((e: any) => [new TextDecoder().decode(e.name.toU8a(true)), e.value]));
    expect([...byName.keys()].slice(0, 5)).toEqual(['kappa', 'immunity_period', 'min_allowed_weights', 'max_weights_limit', 'tempo']);
    const tempo = byName.get('tempo') as any;
    expect(tempo.type).toBe('U16');
    expect(tempo.asU16.toNumber()).toBe(10);
    expect((byName.get('commit_reveal_weights_enabled') as any).asBool.isFalse).toBe(true);
    expect((byName.get('activity_cutoff_factor') as any).asU32.toNumber()).toBe(13_889);
  });
});
