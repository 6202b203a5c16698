/**
 * A validator never goes silent on a chain error it does not recognise. On the devnet, with commit-reveal
 * on, every reveal_weights is made to fail in its block with a module error the weight setter has no rule
 * for (dev_failNext: injected below the weight setter, the chain client and @polkadot/api all real). The
 * setter backs off instead of retrying every block, expires the stuck commit so it cannot block later
 * weights, raises its health signal, and once the failure stops its weights land again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import type { TestDevnet } from '../helpers/devnet.js';
import { subnetWithValidator } from '../shared/chain/fixtures.js';
import type { ChainClient } from '../../shared/chain/index.js';
import { createLogger } from '../../shared/log.js';
import { ValidatorStore } from '../../validator/store/db.js';
import { defaultStrategies, WeightSetter, weightsChainFor, type SubnetWeightRules, type WeightOutcome } from '../../validator/weight-setter.js';

const TEMPO = 10;
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const validatorKey = keyring.addFromUri('//flopnet-test-weight-setter');

let devnet: TestDevnet;
let client: ChainClient;
let netuid: number;
let setter: WeightSetter;
let store: ValidatorStore;
const lines: string[] = [];
/** Every outcome with the block it was decided at. */
const history: { block: number; outcome: WeightOutcome }[] = [];

beforeAll(async () => {
  const net = await subnetWithValidator(validatorKey.address, { defaultTempo: TEMPO });
  ({ devnet, client, netuid } = net);
  await client.setHyperparameter({ signer: net.keys.alice, netuid, name: 'commit_reveal_weights_enabled', value: true, sudo: true });
  store = ValidatorStore.open(':memory:', { netuid, hotkey: validatorKey.address });
  setter = new WeightSetter({
    chain: weightsChainFor(client, validatorKey, netuid),
    store,
    netuid,
    versionKey: 0,
    staleTempos: 2,
    retry: { attempts: 2, baseDelayMs: 1 },
    log: createLogger({ level: 'info', write: (l) => lines.push(l) }),
    // The reveal transaction is what fails here: hash commit-reveal, though the devnet also commits timelocked.
    strategies: defaultStrategies().filter((s) => s.mechanism !== 'timelocked'),
  });
});

afterAll(async () => {
  store?.close();
  await client?.close();
  await devnet?.close();
});

async function rules(): Promise<SubnetWeightRules> {
  const hp = await client.getHyperparameters({ netuid });
  const lastEpoch = (await client.api.query.subtensorModule.lastEpochBlock(netuid)).toString();
  return {
    tempo: Number(hp['tempo']),
    weightsRateLimit: Number(hp['weights_rate_limit']),
    commitRevealEnabled: hp['commit_reveal_weights_enabled'] === true,
    revealPeriodEpochs: Number(hp['commit_reveal_period']),
    minAllowedWeights: Number(hp['min_allowed_weights']),
    maxWeightLimit: 65535,
    weightsVersion: Number(hp['weights_version']),
    lastEpochBlock: Number(lastEpoch),
  };
}

/** One decision at the current block (the validator's self-weight), then one new block. */
async function step(): Promise<void> {
  const metagraph = await client.getMetagraph({ netuid });
  const self = metagraph.neurons.find((n) => n.hotkey === validatorKey.address)!;
  const block = await client.blockNumber();
  for (const outcome of await setter.step({ block, lastUpdate: self.lastUpdate, rules: await rules(), weights: { uids: [self.uid], values: [65535] } })) history.push({ block, outcome });
  await devnet.newBlock(1);
}

const reveals = () => history.filter((h) => h.outcome.action === 'failed' && h.outcome.error.includes('InputLengthsUnequal')).map((h) => h.block);

describe('weight setter against a chain error it does not recognise', () => {
  it('backs off, expires the stuck commit, commits afresh and raises the health signal', async () => {
    await devnet.failNext('SubtensorModule.reveal_weights', 'SubtensorModule.InputLengthsUnequal', 1_000);
    const start = await client.blockNumber();
    while ((await client.blockNumber()) < start + 6 * TEMPO) await step();
    const blocks = (await client.blockNumber()) - start;

    const failed = reveals();
    expect(failed.length).toBeGreaterThan(0);
    // Never a retry every block: consecutive failed reveals are at least two blocks apart.
    expect(failed.every((b, i) => i === 0 || b - failed[i - 1]! >= 2)).toBe(true);
    expect(failed.length).toBeLessThan(blocks / 3);
    // The stuck commit was given up, naming the chain error, and did not block a fresh commit.
    const rows = store.weightSubmissions(100);
    expect(rows.some((r) => r.kind === 'commit' && r.status === 'expired')).toBe(true);
    expect(rows.filter((r) => r.kind === 'commit').length).toBeGreaterThanOrEqual(2);
    expect(lines.join('\n')).toMatch(/reveal_weights failed.*SubtensorModule\.InputLengthsUnequal/);
    expect(setter.health()).toMatchObject({ status: 'stale', mechanism: 'hash-commit-reveal', lastError: expect.stringMatching(/InputLengthsUnequal|expired/) });
    expect(lines.some((l) => l.includes('WEIGHTS NOT LANDING'))).toBe(true);
  });

  it('lands weights again once the failure stops, and the health signal clears', async () => {
    await devnet.clearFailures();
    for (let i = 0; i < 5 * TEMPO && !history.some((h) => h.outcome.action === 'revealed'); i++) await step();
    const revealed = history.find((h) => h.outcome.action === 'revealed');
    expect(revealed).toBeDefined();
    const { rows } = await client.getWeights({ netuid });
    expect(rows.find((r) => r.hotkey === validatorKey.address)?.weights).toEqual([{ uid: rows.find((r) => r.hotkey === validatorKey.address)!.uid, value: 65535 }]);
    expect(setter.health()).toMatchObject({ status: 'ok', consecutiveFailures: 0 });
    expect(lines.join('\n')).toContain('weights are landing on chain again');
  });
});
