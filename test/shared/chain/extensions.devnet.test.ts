/**
 * Against a node that declares subtensor HEAD's signed extensions (ChargeTransactionPaymentWrapper and
 * the empty custom ones), flopnet's client describes them from the metadata at connect, so its
 * (mortal) transactions are signed as the node checks them — where an unmodified client is refused
 * (test/devnet/extensions.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { connect, taoToRao, type ChainClient } from '../../../shared/chain/index.js';
import { startDevnet, type TestDevnet } from '../../helpers/devnet.js';
import { createOpenSubnet, devKeys } from './fixtures.js';

describe('chain client on a runtime with custom signed extensions', () => {
  let devnet: TestDevnet;
  let client: ChainClient;
  beforeAll(async () => {
    await cryptoWaitReady();
    devnet = await startDevnet({ extensions: 'subtensor' });
    client = await connect({ endpoint: devnet.endpoint });
  });
  afterAll(async () => {
    await client?.close();
    await devnet?.close();
  });

  it('signs the wrapper tip and the empty extensions so two quick transfers land', async () => {
    expect(client.api.registry.signedExtensions).toContain('ChargeTransactionPaymentWrapper');
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const alice = keyring.addFromUri('//Alice');
    const dave = keyring.addFromUri('//Dave').address;
    const before = (await client.getBalance({ address: dave })).free;
    const [a, b] = await Promise.all([
      client.transfer({ from: alice, to: dave, amount: taoToRao(1) }),
      client.transfer({ from: alice, to: dave, amount: taoToRao(2) }),
    ]);
    expect(a.events.some((e) => e.section === 'Balances' && e.method === 'Transfer')).toBe(true);
    expect(b.blockNumber).toBeGreaterThan(0);
    expect((await client.getBalance({ address: dave })).free - before).toBe(taoToRao(3));
  });

  it('lands the subnet calls a validator and a miner send: subnet, registration, stake, axon, weights', async () => {
    const keys = await devKeys();
    const netuid = await createOpenSubnet(client, keys);
    await client.burnedRegister({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid });
    await client.addStake({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid, amount: taoToRao(10) });
    await client.serveAxon({ hotkey: keys.bobHk, netuid, ip: '203.0.113.9', port: 8091 });
    const set = await client.setWeights({ hotkey: keys.bobHk, netuid, uids: [1], values: [65535] });
    expect(set.events.some((e) => e.method === 'WeightsSet')).toBe(true);
  });
});
