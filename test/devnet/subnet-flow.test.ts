/**
 * An unmodified @polkadot/api client drives a subnet's life on the devnet: register_network,
 * start_call, owner/root hyperparameters, burned_register, add_stake, serve_axon, set_weights, and
 * an epoch, reading events, storage and NeuronInfoRuntimeApi back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyringPair } from '@polkadot/keyring/types';
import { openSession, send, sudoResult, netuidFrom, type Session } from './support.js';

const TAO = 1_000_000_000n;
const ipv4 = (s: string): bigint => s.split('.').reduce((acc, part) => (acc << 8n) | BigInt(part), 0n);

describe('subnet lifecycle through @polkadot/api', () => {
  let s: Session;
  let alice: KeyringPair, bob: KeyringPair, charlie: KeyringPair;
  let ownerHot: KeyringPair, validatorHot: KeyringPair, minerHot: KeyringPair;
  let netuid: number;
  let subnetBlock: string;

  beforeAll(async () => {
    s = await openSession();
    [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((u) => s.keyring.addFromUri(u)) as [KeyringPair, KeyringPair, KeyringPair];
    ownerHot = s.keyring.addFromUri('//Alice//owner-hot');
    validatorHot = s.keyring.addFromUri('//Bob//validator-hot');
    minerHot = s.keyring.addFromUri('//Charlie//miner-hot');
  });
  afterAll(() => s?.close());

  it('exposes the chain properties and dev balances of a localnet', async () => {
    const props = s.api.registry.getChainProperties()!;
    expect(props.ss58Format.unwrap().toNumber()).toBe(42);
    expect(props.tokenDecimals.unwrap()[0]!.toNumber()).toBe(9);
    expect(props.tokenSymbol.unwrap()[0]!.toString()).toBe('TAO');
    const account = (await s.api.query.system.account(alice.address)) as unknown as { data: { free: { toBigInt(): bigint } } };
    expect(account.data.free.toBigInt()).toBe(1_000_000n * TAO);
    expect((await s.api.query.sudo.key()).toString()).toBe(alice.address);
  });

  it('registers a subnet for the 1000 TAO lock, with the owner hotkey as uid 0', async () => {
    const before = ((await s.api.query.system.account(alice.address)) as any).data.free.toBigInt();
    const cost = (await (s.api.call as any).subnetRegistrationRuntimeApi.getNetworkRegistrationCost()).toBigInt();
    expect(cost).toBe(1000n * TAO);
    const r = await send(s.api, s.api.tx.subtensorModule.registerNetwork(ownerHot.address), alice);
    expect(r.error).toBeUndefined();
    netuid = netuidFrom(r);
    subnetBlock = r.result.status.asInBlock.toHex();
    expect(netuid).toBe(1);
    const after = ((await s.api.query.system.account(alice.address)) as any).data.free.toBigInt();
    expect(before - after).toBe(1000n * TAO);
    expect((await s.api.query.subtensorModule.subnetOwner(netuid)).toString()).toBe(alice.address);
    expect((await s.api.query.subtensorModule.keys(netuid, 0)).toString()).toBe(ownerHot.address);
    expect((await s.api.query.subtensorModule.tempo(netuid)).toString()).toBe('10');
    expect((await s.api.query.subtensorModule.commitRevealWeightsEnabled(netuid)).toJSON()).toBe(true);
    // The next lock doubles the last one (and decays over 100 800 blocks).
    const next = (await (s.api.call as any).subnetRegistrationRuntimeApi.getNetworkRegistrationCost()).toBigInt();
    expect(next).toBeGreaterThan(1999n * TAO);
    expect(next).toBeLessThanOrEqual(2000n * TAO);
  });

  it('refuses add_stake before start_call, then starts emission', async () => {
    const refused = await send(s.api, s.api.tx.subtensorModule.addStake(ownerHot.address, netuid, 10n * TAO), alice);
    expect(refused.error).toBe('subtensorModule.SubtokenDisabled');
    const r = await send(s.api, s.api.tx.subtensorModule.startCall(netuid), alice);
    expect(r.events.map((e) => e.method)).toContain('FirstEmissionBlockNumberSet');
    expect((await s.api.query.subtensorModule.subtokenEnabled(netuid)).toJSON()).toBe(true);
  });

  it('lets the owner turn commit-reveal off and only root set the weights rate limit', async () => {
    const cr = await send(s.api, s.api.tx.adminUtils.sudoSetCommitRevealWeightsEnabled(netuid, false), alice);
    expect(cr.error).toBeUndefined();
    const byOwner = await send(s.api, s.api.tx.adminUtils.sudoSetWeightsSetRateLimit(netuid, 0), alice);
    expect(byOwner.error).toBe('BadOrigin');
    const byRoot = await send(s.api, s.api.tx.sudo.sudo(s.api.tx.adminUtils.sudoSetWeightsSetRateLimit(netuid, 0)), alice);
    expect(sudoResult(s.api, byRoot)).toBe('ok');
    expect((await s.api.query.subtensorModule.weightsSetRateLimit(netuid)).toString()).toBe('0');
    const notOwner = await send(s.api, s.api.tx.adminUtils.sudoSetMinAllowedWeights(netuid, 1), bob);
    expect(notOwner.error).toBe('BadOrigin');
  });

  it('registers hotkeys with burned_register, charging the burn and emitting NeuronRegistered', async () => {
    const free = async (who: KeyringPair): Promise<bigint> => ((await s.api.query.system.account(who.address)) as any).data.free.toBigInt();
    const before = await free(bob);
    const v = await send(s.api, s.api.tx.subtensorModule.burnedRegister(netuid, validatorHot.address), bob);
    // A new subnet's burn starts at 1 TAO and decays by 2^(-1/360) per block; each registration raises it by 26 %.
    const charged = before - (await free(bob));
    expect(charged).toBeLessThanOrEqual(TAO);
    expect(charged).toBeGreaterThan((TAO * 98n) / 100n);
    const burn = (await s.api.query.subtensorModule.burn(netuid)) as unknown as { toBigInt(): bigint };
    expect(burn.toBigInt()).toBe((charged * 126n) / 100n);
    const registered = v.events.find((e) => e.method === 'NeuronRegistered')!;
    expect(registered.data).toEqual([netuid, 1, validatorHot.address]);
    const m = await send(s.api, s.api.tx.subtensorModule.burnedRegister(netuid, minerHot.address), charlie);
    expect(m.events.find((e) => e.method === 'NeuronRegistered')!.data[1]).toBe(2);
    expect((await s.api.query.subtensorModule.uids(netuid, minerHot.address)).toJSON()).toBe(2);
    expect((await s.api.query.subtensorModule.owner(minerHot.address)).toString()).toBe(charlie.address);
    expect((await s.api.query.subtensorModule.subnetworkN(netuid)).toString()).toBe('3');
    const again = await send(s.api, s.api.tx.subtensorModule.burnedRegister(netuid, minerHot.address), charlie);
    expect(again.error).toBe('subtensorModule.HotKeyAlreadyRegisteredInSubNet');
  });

  it('stakes TAO through the subnet pool: the fee off the input, then constant product', async () => {
    const reserve = async (item: 'subnetTAO' | 'subnetAlphaIn') => ((await s.api.query.subtensorModule[item](netuid)) as unknown as { toBigInt(): bigint }).toBigInt();
    const [tao, alphaIn] = [await reserve('subnetTAO'), await reserve('subnetAlphaIn')];
    const amount = 100n * TAO;
    const fee = (amount * 33n) / 65535n;
    const expected = (alphaIn * (amount - fee)) / (tao + amount - fee);
    const r = await send(s.api, s.api.tx.subtensorModule.addStake(validatorHot.address, netuid, amount), bob);
    const added = r.events.find((e) => e.method === 'StakeAdded')!;
    expect(added.data).toEqual([bob.address, validatorHot.address, Number(amount), Number(expected), netuid, Number(fee)]);
    // The pool had 1000 TAO against 1000 alpha, so 100 TAO buys noticeably less than 100 alpha.
    expect(expected).toBeLessThan((amount * 92n) / 100n);
    const alpha = (await s.api.query.subtensorModule.totalHotkeyAlpha(validatorHot.address, netuid)) as unknown as { toBigInt(): bigint };
    expect(alpha.toBigInt()).toBe(expected);
    expect(await reserve('subnetTAO')).toBe(tao + amount - fee);
    expect(await reserve('subnetAlphaIn')).toBe(alphaIn - expected);
  });

  it('serves an axon and refuses 127.0.0.1 as subtensor does (pool-level Custom error 11)', async () => {
    const r = await send(s.api, s.api.tx.subtensorModule.serveAxon(netuid, 1, ipv4('10.0.0.2'), 8091, 4, 4, 0, 0), minerHot);
    expect(r.events.find((e) => e.method === 'AxonServed')!.data).toEqual([netuid, minerHot.address]);
    const axon = (await s.api.query.subtensorModule.axons(netuid, minerHot.address)).toJSON() as Record<string, unknown>;
    expect(axon).toMatchObject({ version: 1, port: 8091, ipType: 4, protocol: 4 });
    expect(BigInt(axon['ip'] as number)).toBe(ipv4('10.0.0.2'));
    await expect(send(s.api, s.api.tx.subtensorModule.serveAxon(netuid, 1, ipv4('127.0.0.1'), 8092, 4, 4, 0, 0), validatorHot)).rejects.toThrow(
      '1010: Invalid Transaction: Custom error: 11',
    );
  });

  it('refuses weights from a validator without a permit until an epoch grants it', async () => {
    const early = await send(s.api, s.api.tx.subtensorModule.setWeights(netuid, [2], [65535], 0), validatorHot);
    expect(early.error).toBe('subtensorModule.NeuronNoValidatorPermit');
    await s.devnet.newBlock(10);
    const permits = (await s.api.query.subtensorModule.validatorPermit(netuid)).toJSON();
    expect(permits).toEqual([true, true, false]);
  });

  it('sets weights, then an epoch pays the miner incentive and the validator dividends', async () => {
    const r = await send(s.api, s.api.tx.subtensorModule.setWeights(netuid, [2], [1000], 0), validatorHot);
    expect(r.events.find((e) => e.method === 'WeightsSet')!.data).toEqual([netuid, 1]);
    expect((await s.api.query.subtensorModule.weights(netuid, 1)).toJSON()).toEqual([[2, 65535]]);
    await s.devnet.newBlock(10);
    const incentive = (await s.api.query.subtensorModule.incentive(netuid)).toJSON() as number[];
    const dividends = (await s.api.query.subtensorModule.dividends(netuid)).toJSON() as number[];
    expect(incentive).toEqual([0, 0, 65535]);
    expect(dividends[1]).toBe(65535);
    const minerStake = (await s.api.query.subtensorModule.totalHotkeyAlpha(minerHot.address, netuid)) as unknown as { toBigInt(): bigint };
    expect(minerStake.toBigInt()).toBeGreaterThan(0n);
    const neurons = (await (s.api.call as any).neuronInfoRuntimeApi.getNeuronsLite(netuid)).toJSON() as Record<string, unknown>[];
    expect(neurons).toHaveLength(3);
    expect(neurons[2]).toMatchObject({ hotkey: minerHot.address, coldkey: charlie.address, uid: 2, netuid, incentive: 65535 });
    expect((neurons[2]!['axonInfo'] as { port: number }).port).toBe(8091);
    expect(neurons[1]).toMatchObject({ validatorPermit: true, dividends: 65535 });
    const one = (await (s.api.call as any).neuronInfoRuntimeApi.getNeuronLite(netuid, 1)).toJSON() as Record<string, unknown>;
    expect(one['hotkey']).toBe(validatorHot.address);
    const hyper = (await (s.api.call as any).subnetInfoRuntimeApi.getSubnetHyperparams(netuid)).toJSON() as Record<string, unknown>;
    expect(hyper).toMatchObject({ tempo: 10, weightsRateLimit: 0, commitRevealWeightsEnabled: false, minAllowedWeights: 1, maxValidators: 64 });
  });

  it('unstakes alpha back to TAO through the pool, and refuses more than the coldkey holds', async () => {
    const free = async () => ((await s.api.query.system.account(bob.address)) as any).data.free.toBigInt() as bigint;
    const reserve = async (item: 'subnetTAO' | 'subnetAlphaIn') => ((await s.api.query.subtensorModule[item](netuid)) as unknown as { toBigInt(): bigint }).toBigInt();
    const [tao, alphaIn, before] = [await reserve('subnetTAO'), await reserve('subnetAlphaIn'), await free()];
    const amount = 10n * TAO;
    const fee = (amount * 33n) / 65535n;
    const expected = (tao * (amount - fee)) / (alphaIn + amount - fee);
    const r = await send(s.api, s.api.tx.subtensorModule.removeStake(validatorHot.address, netuid, amount), bob);
    expect(r.events.find((e) => e.method === 'StakeRemoved')!.data).toEqual([bob.address, validatorHot.address, Number(expected), Number(amount), netuid, Number(fee)]);
    expect((await free()) - before).toBe(expected);
    const tooMuch = await send(s.api, s.api.tx.subtensorModule.removeStake(validatorHot.address, netuid, 1_000_000n * TAO), bob);
    expect(tooMuch.error).toBe('subtensorModule.NotEnoughStakeToWithdraw');
  });

  it('reads state at an older block with api.at', async () => {
    const past = await s.api.at(subnetBlock);
    expect(((await past.query.subtensorModule.subnetworkN(netuid)) as any).toNumber()).toBe(1);
    expect(((await s.api.query.subtensorModule.subnetworkN(netuid)) as any).toNumber()).toBe(3);
  });
});
