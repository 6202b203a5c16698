/**
 * The client's timelocked commit against the devnet: the call found in the runtime's metadata,
 * the reveal round computed from the chain's schedule and clock, and the chain applying the weights.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnet, type TestDevnet } from '../../helpers/devnet.js';
import { connect, weightsCalls, type ChainClient } from '../../../shared/chain/index.js';
import { revealRoundDynamic, roundAt } from '../../../shared/chain/timelock/index.js';
import { devnetBeacon } from '../../../devnet/pallets/drand.js';
import { createOpenSubnet, devKeys, type DevKeys } from './fixtures.js';

let devnet: TestDevnet;
let client: ChainClient;
let keys: DevKeys;
let netuid: number;
const TEMPO = 10;

const num = async (pallet: string, item: string, ...args: unknown[]) => Number((await client.api.query[pallet]![item]!(...args)).toString());

beforeAll(async () => {
  keys = await devKeys();
  devnet = await startDevnet({ defaultTempo: TEMPO });
  client = await connect({ endpoint: devnet.endpoint, txTimeoutMs: 20_000 });
  netuid = await createOpenSubnet(client, keys);
  await client.burnedRegister({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid });
  await client.burnedRegister({ coldkey: keys.charlie, hotkey: keys.charlieHk.address, netuid });
  await client.addStake({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid, amount: 100_000_000_000n });
  await devnet.newBlock(TEMPO + 1);
});

afterAll(async () => {
  await client?.close();
  await devnet?.close();
});

describe('timelocked commits through the chain client', () => {
  it('finds the timelocked mechanism call in the devnet`s metadata, with the Drand pallet', () => {
    expect(weightsCalls(client).timelocked).toBe('commit_timelocked_mechanism_weights');
  });

  it('encrypts to the round the chain`s schedule and clock give, and the chain applies the weights in the reveal epoch', async () => {
    await client.setHyperparameter({ signer: keys.alice, netuid, name: 'commit_reveal_weights_enabled', value: true, sudo: true });
    const head = await client.blockNumber();
    const state = {
      lastEpochBlock: await num('subtensorModule', 'lastEpochBlock', netuid),
      pendingEpochAt: await num('subtensorModule', 'pendingEpochAt', netuid),
      subnetEpochIndex: await num('subtensorModule', 'subnetEpochIndex', netuid),
      tempo: TEMPO,
      blocksSinceLastStep: await num('subtensorModule', 'blocksSinceLastStep', netuid),
      currentBlock: head,
    };
    const now = (await num('timestamp', 'now')) / 1000;
    const lastStored = await num('drand', 'lastStoredRound');
    // The devnet's beacon is current with its clock.
    expect(lastStored).toBe(roundAt(devnetBeacon(), now));
    const expected = Math.max(revealRoundDynamic({ state, revealPeriodEpochs: 1, blockTime: 0.25, now, beacon: devnetBeacon() }), lastStored + 1);

    const { revealRound, result } = await client.commitTimelockedWeights({ hotkey: keys.bobHk, netuid, uids: [2], values: [65535] });
    expect(revealRound).toBe(expected);
    expect(result.events.find((e) => e.method === 'TimelockedWeightsCommitted')?.data[3]).toBe(revealRound);

    const row = async () => (await client.getWeights({ netuid })).rows.find((r) => r.hotkey === keys.bobHk.address);
    for (let i = 0; i < 2 * TEMPO && !(await row())?.weights.length; i++) await devnet.newBlock(1);
    expect((await row())!.weights).toEqual([{ uid: 2, value: 65535 }]);
    expect(await num('drand', 'lastStoredRound')).toBeGreaterThanOrEqual(revealRound);
  });
});
