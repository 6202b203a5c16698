/**
 * The metagraph is decoded with the types the connected runtime declares: every source (selective
 * metagraph, metagraph, neurons-lite, storage) gives the same neurons, on spec 425 and on a runtime
 * whose AxonInfo lists port before ip (spec 181–200), and a runtime without the runtime APIs falls back to
 * storage. Stake is alpha + root stake × TaoWeight, as the chain ranks permits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDevnet, type TestDevnet } from '../../helpers/devnet.js';
import { connect, type ChainClient, type Metagraph } from '../../../shared/chain/index.js';
import { metagraphSource } from '../../../shared/chain/actions/getMetagraph.js';
import { createOpenSubnet, devKeys } from './fixtures.js';

let devnet: TestDevnet | undefined;
let client: ChainClient | undefined;
afterEach(async () => {
  await client?.close();
  await devnet?.close();
});

const TAO = 1_000_000_000n;
const json = (m: Metagraph) => JSON.stringify({ ...m, block: 0 }, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

/** A subnet with a served miner axon and a validator staked on the subnet and on root. */
async function subnet(runtime: Parameters<typeof startDevnet>[0]) {
  const keys = await devKeys();
  devnet = await startDevnet(runtime);
  client = await connect({ endpoint: devnet.endpoint, txTimeoutMs: 20_000 });
  const netuid = await createOpenSubnet(client, keys);
  await client.burnedRegister({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid });
  await client.burnedRegister({ coldkey: keys.charlie, hotkey: keys.charlieHk.address, netuid });
  await client.addStake({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid, amount: 100n * TAO });
  await client.addStake({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid: 0, amount: 1000n * TAO });
  await client.serveAxon({ hotkey: keys.charlieHk, netuid, ip: '203.0.113.7', port: 8091 });
  return { keys, netuid, client };
}

describe('metagraph decoded from the runtime metadata', () => {
  it('spec 425: the selective metagraph first, every source agreeing, stake weighted with root × TaoWeight', async () => {
    const { keys, netuid, client } = await subnet({});
    expect(metagraphSource(client)).toBe('selective-metagraph');
    const sources = ['selective-metagraph', 'metagraph', 'neurons-lite', 'storage'] as const;
    const graphs = await Promise.all(sources.map((source) => client.getMetagraph({ netuid, source })));
    for (const g of graphs.slice(1)) expect(json(g)).toBe(json(graphs[0]!));
    const bob = graphs[0]!.neurons.find((n) => n.hotkey === keys.bobHk.address)!;
    const taoWeight = BigInt(((await client.api.query.subtensorModule.taoWeight()) as unknown as { toString(): string }).toString());
    expect(bob.rootStake).toBe(1000n * TAO);
    expect(bob.alphaStake).toBeGreaterThan(0n);
    expect(bob.stake).toBe(bob.alphaStake! + (1000n * TAO * taoWeight) / (1n << 64n));
    expect(bob.stake - bob.alphaStake!).toBeGreaterThan(50n * TAO);
    const miner = graphs[0]!.neurons.find((n) => n.hotkey === keys.charlieHk.address)!;
    expect(miner.axon).toMatchObject({ ip: '203.0.113.7', port: 8091, ipType: 4 });
    expect(graphs[0]!.neurons.every((n) => n.blockAtRegistration > 0)).toBe(true);
  });

  it('AxonInfo with port before ip (spec 200): every source still reads ip and port right', async () => {
    const { keys, netuid, client } = await subnet({ runtime: { specVersion: 200, axonFieldOrder: 'port-ip' } });
    for (const source of ['selective-metagraph', 'metagraph', 'neurons-lite', 'storage'] as const) {
      const miner = (await client.getMetagraph({ netuid, source })).neurons.find((n) => n.hotkey === keys.charlieHk.address)!;
      expect(miner.axon, source).toMatchObject({ ip: '203.0.113.7', port: 8091 });
    }
  });

  it('a runtime without the runtime APIs: storage, with the same result', async () => {
    const { keys, netuid, client } = await subnet({ runtime: { subtensorApis: false } });
    expect(metagraphSource(client)).toBe('storage');
    const m = await client.getMetagraph({ netuid });
    expect(m.neurons.map((n) => n.hotkey)).toEqual([keys.aliceHk.address, keys.bobHk.address, keys.charlieHk.address]);
    expect(m.neurons[2]!.axon).toMatchObject({ ip: '203.0.113.7', port: 8091 });
    await expect(client.getMetagraph({ netuid, source: 'runtime-api' })).rejects.toThrow(/declares no typed metagraph runtime API/);
  });
});
