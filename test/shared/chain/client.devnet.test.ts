/**
 * The chain client against the embedded devnet, through the public API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnet, type TestDevnet } from '../../helpers/devnet.js';
import {
  connect,
  MetagraphSync,
  CallUnsupportedError,
  ChainCallError,
  ChainRejectedError,
  SubnetNotFoundError,
  buildCall,
  convertWeightsForEmit,
  type ChainClient,
  type Metagraph,
  type TxResult,
} from '../../../shared/chain/index.js';
import { createOpenSubnet, devKeys, type DevKeys } from './fixtures.js';

let devnet: TestDevnet;
let client: ChainClient;
let keys: DevKeys;
let netuid: number;

beforeAll(async () => {
  keys = await devKeys();
  devnet = await startDevnet({ defaultTempo: 10 });
  client = await connect({ endpoint: devnet.endpoint, txTimeoutMs: 20_000 });
  netuid = await createOpenSubnet(client, keys);
});

afterAll(async () => {
  await client?.close();
  await devnet?.close();
});

describe('chain client on the devnet', () => {
  it('creates a subnet owned by the signer, with its hotkey as uid 0', async () => {
    expect(netuid).toBeGreaterThanOrEqual(1);
    expect(await client.listSubnets()).toContain(netuid);
    const info = await client.getSubnetInfo({ netuid });
    expect(info).toMatchObject({ netuid, owner: keys.alice.address, ownerHotkey: keys.aliceHk.address, n: 1, started: true, commitReveal: false });
    expect(await client.getUid({ netuid, hotkey: keys.aliceHk.address })).toBe(0);
  });

  it('reads back the hyperparameters it set', async () => {
    const hp = await client.getHyperparameters({ netuid });
    expect(hp).toMatchObject({ commit_reveal_weights_enabled: false, weights_rate_limit: 0, admin_freeze_window: 0 });
    expect(typeof hp['tempo']).toBe('number');
  });

  it('lands two quick registrations from one coldkey (distinct nonces), each with its own uid', async () => {
    const [a, b] = await Promise.all([
      client.burnedRegister({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid }),
      client.burnedRegister({ coldkey: keys.bob, hotkey: keys.bobHk2.address, netuid }),
    ]);
    expect(new Set([a.uid, b.uid])).toEqual(new Set([1, 2]));
    expect(a.result.events.some((e) => e.section === 'SubtensorModule' && e.method === 'NeuronRegistered')).toBe(true);
  });

  it('serves IPv4 and IPv6 axons and shows them in the metagraph', async () => {
    await client.serveAxon({ hotkey: keys.bobHk, netuid, ip: '203.0.113.7', port: 8091 });
    await client.serveAxon({ hotkey: keys.bobHk2, netuid, ip: '2001:db8::7', port: 9000 });
    const m = await client.getMetagraph({ netuid });
    const byHotkey = new Map(m.neurons.map((n) => [n.hotkey, n]));
    expect(byHotkey.get(keys.bobHk.address)?.axon).toMatchObject({ ip: '203.0.113.7', port: 8091, ipType: 4, protocol: 4 });
    expect(byHotkey.get(keys.bobHk2.address)?.axon).toMatchObject({ ip: '2001:db8::7', port: 9000, ipType: 6 });
    expect(byHotkey.get(keys.bobHk.address)?.coldkey).toBe(keys.bob.address);
  });

  it('adds and removes stake', async () => {
    await client.addStake({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid, amount: 50_000_000_000n });
    const staked = (await client.getMetagraph({ netuid })).neurons.find((n) => n.hotkey === keys.bobHk.address)!.stake;
    expect(staked).toBeGreaterThan(0n);
    await client.removeStake({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid, amount: staked / 2n });
    const after = (await client.getMetagraph({ netuid })).neurons.find((n) => n.hotkey === keys.bobHk.address)!.stake;
    expect(after).toBeLessThan(staked);
    expect(after).toBeGreaterThan(0n);
  });

  it('reads the same metagraph from the runtime API and from storage', async () => {
    const json = (m: Metagraph) => JSON.stringify({ ...m, block: 0 }, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    const [api, storage] = await Promise.all([client.getMetagraph({ netuid, source: 'runtime-api' }), client.getMetagraph({ netuid, source: 'storage' })]);
    expect(api.neurons.length).toBe(3);
    expect(json(storage)).toBe(json(api));
    expect(api.neurons.every((n) => n.blockAtRegistration > 0)).toBe(true);
  });

  it('sets weights and shows who set them at which block', async () => {
    const { uids, values } = convertWeightsForEmit([1, 2], [0.75, 0.25]);
    const result = await client.setWeights({ hotkey: keys.aliceHk, netuid, uids, values });
    const { rows } = await client.getWeights({ netuid });
    const row = rows.find((r) => r.hotkey === keys.aliceHk.address);
    expect(row).toMatchObject({ uid: 0, block: result.blockNumber, weights: [{ uid: 1, value: 65535 }, { uid: 2, value: 21845 }] });
  });

  it('commits and reveals weights with the hash the chain recomputes', async () => {
    // Through sudo: the owner may change a setting only once per 2 tempos, and the fixture already did.
    await client.setHyperparameter({ signer: keys.alice, netuid, name: 'commit_reveal_weights_enabled', value: true, sudo: true });
    try {
      await expect(client.setWeights({ hotkey: keys.aliceHk, netuid, uids: [1], values: [65535] })).rejects.toMatchObject({ error: 'SubtensorModule.CommitRevealEnabled', code: 'E_COMMIT_REVEAL' });
      const salt = [1, 2, 3, 4, 5, 6, 7, 8];
      const { hash, result } = await client.commitWeights({ hotkey: keys.aliceHk, netuid, uids: [1, 2], values: [65535, 100], salt });
      expect(result.events.find((e) => e.method === 'WeightsCommitted')?.data[2]).toBe(hash);
      await expect(client.revealWeights({ hotkey: keys.aliceHk, netuid, uids: [1, 2], values: [65535, 100], salt })).rejects.toMatchObject({ code: 'E_COMMIT_REVEAL' });
      // The reveal window is the epoch after the commit's; where that starts depends on where in its
      // epoch the commit landed, so step block by block (refusals before it must be commit-reveal ones).
      const tempo = Number((await client.getHyperparameters({ netuid }))['tempo']);
      let revealed: TxResult | undefined;
      for (let i = 0; i < 3 * tempo && !revealed; i++) {
        await devnet.newBlock(1);
        revealed = await client.revealWeights({ hotkey: keys.aliceHk, netuid, uids: [1, 2], values: [65535, 100], salt }).catch((e: unknown) => {
          expect(e).toMatchObject({ code: 'E_COMMIT_REVEAL' });
          return undefined;
        });
      }
      if (!revealed) throw new Error(`no reveal accepted within ${3 * tempo} blocks of the commit`);
      expect(revealed.events.some((e) => e.method === 'WeightsRevealed')).toBe(true);
      const row = (await client.getWeights({ netuid })).rows.find((r) => r.uid === 0);
      expect(row?.weights).toEqual([{ uid: 1, value: 65535 }, { uid: 2, value: 100 }]);
    } finally {
      await client.setHyperparameter({ signer: keys.alice, netuid, name: 'commit_reveal_weights_enabled', value: false, sudo: true });
    }
  });

  it('publishes a commitment and reads it back', async () => {
    const result = await client.setCommitment({ hotkey: keys.bobHk, netuid, fields: ['flopnet:v1', new Uint8Array([0, 255])] });
    const commitments = await client.getCommitments({ netuid });
    expect(commitments).toContainEqual({ hotkey: keys.bobHk.address, block: result.blockNumber, fields: ['flopnet:v1', '0x00ff'] });
  });

  it('follows new blocks with MetagraphSync', async () => {
    const sync = new MetagraphSync(client, { netuid, everyBlocks: 2 });
    const first = await sync.start();
    const next = new Promise<Metagraph>((resolve) => sync.once('update', resolve));
    await devnet.newBlock(3);
    const updated = await next;
    sync.stop();
    expect(updated.block).toBeGreaterThanOrEqual(first.block + 2);
    expect(sync.neuron(keys.bobHk.address)?.uid).toBeDefined();
  });
});

describe('chain errors on the devnet', () => {
  it('names a module error with a hint: registering a hotkey twice', async () => {
    const error = await client.burnedRegister({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainCallError);
    expect(error).toMatchObject({ error: 'SubtensorModule.HotKeyAlreadyRegisteredInSubNet', code: 'E_ALREADY_REGISTERED' });
  });

  it('reports an unregistered hotkey serving an axon', async () => {
    const error = await client.serveAxon({ hotkey: keys.charlieHk, netuid, ip: '203.0.113.8', port: 8091 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_NOT_REGISTERED' });
    expect((error as Error).message).toMatch(/HotKeyNotRegisteredInNetwork/);
  });

  it('reports a loopback axon address as the chain refuses it', async () => {
    const error = await client.serveAxon({ hotkey: keys.bobHk, netuid, ip: '127.0.0.1', port: 8091 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_BAD_AXON' });
  });

  it('reports too little balance', async () => {
    const error = await client.burnedRegister({ coldkey: keys.pauper, hotkey: keys.pauperHk.address, netuid }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_BALANCE' });
  });

  it('reports stake to a hotkey the chain does not know', async () => {
    await expect(client.addStake({ coldkey: keys.bob, hotkey: keys.pauperHk.address, netuid, amount: 1_000_000_000n })).rejects.toMatchObject({ code: 'E_NOT_REGISTERED' });
  });

  it('reports a netuid that does not exist', async () => {
    await expect(client.getMetagraph({ netuid: 999 })).rejects.toBeInstanceOf(SubnetNotFoundError);
    await expect(client.burnedRegister({ coldkey: keys.bob, hotkey: keys.charlieHk.address, netuid: 999 })).rejects.toMatchObject({ code: 'E_SUBNET_NOT_FOUND' });
  });

  it('reports a root-only setting signed by a non-sudo key', async () => {
    const error = await client.setHyperparameter({ signer: keys.bob, netuid, name: 'weights_rate_limit', value: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainRejectedError);
    expect(error).toMatchObject({ code: 'E_NOT_SUDO' });
  });

  it('reports an owner setting signed by someone else as a bad origin', async () => {
    await expect(client.setHyperparameter({ signer: keys.bob, netuid, name: 'min_allowed_weights', value: 2 })).rejects.toMatchObject({ code: 'E_BAD_ORIGIN' });
  });

  it('refuses a hyperparameter name it does not know, listing the ones it does', async () => {
    await expect(client.setHyperparameter({ signer: keys.alice, netuid, name: 'no_such_thing', value: 1 })).rejects.toMatchObject({
      code: 'E_HYPERPARAM_NAME',
      hint: expect.stringContaining('weights_rate_limit'),
    });
    await expect(client.setHyperparameter({ signer: keys.alice, netuid, name: 'commit_reveal_weights_enabled', value: 'maybe' })).rejects.toMatchObject({ code: 'E_HYPERPARAM_VALUE' });
  });

  it('names a call the runtime lacks', () => {
    expect(() => buildCall(client, 'SubtensorModule', 'set_root_weights', {})).toThrow(CallUnsupportedError);
    expect(() => buildCall(client, 'SubtensorModule', 'set_root_weights', {})).toThrow(/SubtensorModule\.set_root_weights/);
  });
});
