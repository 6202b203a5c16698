import { describe, expect, it } from 'vitest';
import { ChainCallError, ChainTimeoutError } from '../../shared/chain/errors.js';
import { commitHash } from '../../shared/chain/commit.js';
import { createLogger } from '../../shared/log.js';
import { ValidatorStore } from '../../validator/store/db.js';
import { epochStartAfter, WeightSetter, type SubnetWeightRules, type WeightsChain } from '../../validator/weight-setter.js';

const HOTKEY = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const NETUID = 2;
const rules = (over: Partial<SubnetWeightRules> = {}): SubnetWeightRules => ({
  tempo: 10, weightsRateLimit: 5, commitRevealEnabled: false, revealPeriodEpochs: 1,
  minAllowedWeights: 1, maxWeightLimit: 65535, weightsVersion: 0, lastEpochBlock: 0, ...over,
});
const weights = { uids: [1, 2], values: [65535, 21845] };

/** A chain that checks reveals against commits with the real commit hash, and can fail on demand. */
class FakeChain implements WeightsChain {
  block = 100;
  calls: string[] = [];
  failures: unknown[] = [];
  commits: string[] = [];
  set?: { uids: readonly number[]; values: readonly number[] };
  private next(call: string): void {
    this.calls.push(call);
    const failure = this.failures.shift();
    if (failure) throw failure;
  }
  async setWeights(p: { uids: readonly number[]; values: readonly number[]; versionKey: number }) {
    this.next('set_weights');
    this.set = p;
    return { blockNumber: ++this.block };
  }
  async commitWeights(p: { uids: readonly number[]; values: readonly number[]; salt: readonly number[]; versionKey: number }) {
    this.next('commit_weights');
    const hash = commitHash({ hotkey: HOTKEY, netuid: NETUID, ...p });
    this.commits.push(hash);
    return { blockNumber: ++this.block, hash };
  }
  async revealWeights(p: { uids: readonly number[]; values: readonly number[]; salt: readonly number[]; versionKey: number }) {
    this.next('reveal_weights');
    const hash = commitHash({ hotkey: HOTKEY, netuid: NETUID, ...p });
    if (!this.commits.includes(hash)) throw new ChainCallError('SubtensorModule.reveal_weights', 'SubtensorModule.InvalidRevealCommitHashNotMatch', { code: 'E_COMMIT_REVEAL' });
    this.set = p;
    return { blockNumber: ++this.block };
  }
}

function setup(chain = new FakeChain(), store = ValidatorStore.open(':memory:', { netuid: NETUID, hotkey: HOTKEY })) {
  const lines: string[] = [];
  const setter = new WeightSetter({
    chain, store, netuid: NETUID, versionKey: 1000,
    log: createLogger({ level: 'info', write: (l) => lines.push(l) }),
    sleep: async () => {},
  });
  return { chain, store, setter, lines };
}

describe('weight setter, commit-reveal off', () => {
  it('waits until blocks since the last update reach the interval, then sets weights and records them', async () => {
    const { chain, store, setter } = setup();
    const early = await setter.step({ block: 100, lastUpdate: 95, rules: rules(), weights });
    expect(early).toEqual([{ action: 'waiting', reason: '5 of 10 blocks since the last update', blocksLeft: 5 }]);
    expect(chain.calls).toEqual([]);
    const [outcome] = await setter.step({ block: 105, lastUpdate: 95, rules: rules(), weights });
    expect(outcome).toEqual({ action: 'set', block: 101, ...weights });
    expect(chain.set).toMatchObject({ ...weights, versionKey: 1000 });
    expect(store.weightSubmissions()[0]).toMatchObject({ kind: 'set', status: 'included', block: 101 });
  });

  it('retries transient failures with backoff', async () => {
    const { chain, setter } = setup();
    chain.failures.push(new ChainTimeoutError('SubtensorModule.set_weights', 12), new ChainTimeoutError('SubtensorModule.set_weights', 12));
    const [outcome] = await setter.step({ block: 200, lastUpdate: 0, rules: rules(), weights });
    expect(outcome!.action).toBe('set');
    expect(chain.calls).toEqual(['set_weights', 'set_weights', 'set_weights']);
  });

  it('does not retry a rejection; logs it by its chain error name with what to do', async () => {
    const { chain, store, setter, lines } = setup();
    chain.failures.push(new ChainCallError('SubtensorModule.set_weights', 'SubtensorModule.SettingWeightsTooFast', { code: 'E_RATE_LIMIT', hint: 'wait until weights_rate_limit blocks have passed' }));
    const [outcome] = await setter.step({ block: 200, lastUpdate: 0, rules: rules(), weights });
    expect(chain.calls).toEqual(['set_weights']);
    expect(outcome).toMatchObject({ action: 'failed', code: 'E_RATE_LIMIT', hint: expect.stringContaining('weights_rate_limit') });
    expect(lines.join('\n')).toContain('SettingWeightsTooFast');
    expect(lines.join('\n')).toContain('weights_rate_limit');
    expect(store.weightSubmissions()[0]).toMatchObject({ status: 'failed' });
  });

  it('refuses to send a version key older than the subnet requires', async () => {
    const { chain, setter } = setup();
    const [outcome] = await setter.step({ block: 200, lastUpdate: 0, rules: rules({ weightsVersion: 2000 }), weights });
    expect(outcome).toMatchObject({ action: 'failed', code: 'E_VERSION_KEY', hint: expect.stringContaining('upgrade') });
    expect(chain.calls).toEqual([]);
  });

  it('sends nothing when no miner has earned anything', async () => {
    const { chain, setter } = setup();
    expect(await setter.step({ block: 200, lastUpdate: 0, rules: rules(), weights: undefined })).toMatchObject([{ action: 'waiting' }]);
    expect(chain.calls).toEqual([]);
  });
});

describe('weight setter, commit-reveal on', () => {
  const cr = rules({ commitRevealEnabled: true, tempo: 10, lastEpochBlock: 100 });

  it('commits, waits for the next epoch, then reveals exactly what it committed', async () => {
    const { chain, setter } = setup();
    const [committed] = await setter.step({ block: 100, lastUpdate: 0, rules: cr, weights });
    expect(committed).toMatchObject({ action: 'committed', block: 101 });
    // Epochs start at 100, 110, ...: the commit at 101 is revealed from block 110.
    const waiting = await setter.step({ block: 105, lastUpdate: 101, rules: cr, weights });
    expect(waiting[0]).toMatchObject({ action: 'waiting', blocksLeft: 5 });
    expect(chain.calls).toEqual(['commit_weights']);
    const [revealed] = await setter.step({ block: 110, lastUpdate: 101, rules: cr, weights });
    expect(revealed).toMatchObject({ action: 'revealed', uids: weights.uids, values: weights.values });
    expect(chain.set).toMatchObject(weights);
  });

  it('reveals after a restart the commit made before it', async () => {
    const first = setup();
    await first.setter.step({ block: 100, lastUpdate: 0, rules: cr, weights });
    const second = setup(first.chain, first.store);
    const [revealed] = await second.setter.step({ block: 111, lastUpdate: 101, rules: cr, weights: undefined });
    expect(revealed).toMatchObject({ action: 'revealed', uids: weights.uids });
  });

  it('gives up on a commit the chain cannot match, and commits afresh', async () => {
    const { chain, store, setter } = setup();
    await setter.step({ block: 100, lastUpdate: 0, rules: cr, weights });
    chain.commits = [];
    const outcomes = await setter.step({ block: 125, lastUpdate: 101, rules: cr, weights });
    expect(outcomes[0]).toMatchObject({ action: 'failed', code: 'E_COMMIT_REVEAL' });
    expect(outcomes[1]).toMatchObject({ action: 'committed' });
    expect(store.weightSubmissions().map((s) => s.status)).toEqual(['included', 'expired']);
  });
});

/** A runtime with timelocked commits: the chain reveals them itself at the drand round. */
class TimelockChain extends FakeChain {
  round = 5_000;
  async commitTimelocked(p: { uids: readonly number[]; values: readonly number[]; versionKey: number }) {
    this.calls.push('commit_timelocked_weights');
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.set = p;
    return { blockNumber: ++this.block, revealRound: ++this.round };
  }
}

describe('weight setter, timelocked commit-reveal', () => {
  const tl = rules({ commitRevealEnabled: true, timelocked: true, tempo: 10, lastEpochBlock: 100 });

  it('commits timelocked, records the drand round, and never sends a reveal', async () => {
    const { chain, store, setter } = setup(new TimelockChain());
    const [committed] = await setter.step({ block: 100, lastUpdate: 0, rules: tl, weights });
    expect(committed).toEqual({ action: 'committed', block: 101, ...weights, revealRound: 5_001 });
    expect(store.weightSubmissions()[0]).toMatchObject({ kind: 'timelocked', status: 'included', block: 101, revealRound: 5_001 });
    expect(store.pendingCommits()).toEqual([]);
    // A restart inside the reveal epoch: nothing to reveal; the next interval simply commits again.
    const restarted = setup(chain, store);
    expect(await restarted.setter.step({ block: 115, lastUpdate: 101, rules: tl, weights })).toEqual([{ action: 'committed', block: 102, ...weights, revealRound: 5_002 }]);
    expect(chain.calls).toEqual(['commit_timelocked_weights', 'commit_timelocked_weights']);
  });

  it('retries a transient failure, and reports the chain`s refusal (an expired round) without retrying', async () => {
    const { chain, store, setter } = setup(new TimelockChain());
    chain.failures.push(new ChainTimeoutError('SubtensorModule.commit_timelocked_mechanism_weights', 12));
    expect((await setter.step({ block: 100, lastUpdate: 0, rules: tl, weights }))[0]).toMatchObject({ action: 'committed' });
    chain.failures.push(new ChainCallError('SubtensorModule.commit_timelocked_mechanism_weights', 'SubtensorModule.InvalidRevealRound', { code: 'E_COMMIT_REVEAL' }));
    const [failed] = await setter.step({ block: 120, lastUpdate: 101, rules: tl, weights });
    expect(failed).toMatchObject({ action: 'failed', code: 'E_COMMIT_REVEAL', error: expect.stringMatching(/InvalidRevealRound/) });
    expect(chain.calls).toEqual(['commit_timelocked_weights', 'commit_timelocked_weights', 'commit_timelocked_weights']);
    expect(store.weightSubmissions().map((s) => s.status)).toEqual(['failed', 'included']);
  });

  it('falls back to the hash commit when the chain cannot commit timelocked', async () => {
    const { chain, setter } = setup();
    expect((await setter.step({ block: 100, lastUpdate: 0, rules: tl, weights }))[0]).toMatchObject({ action: 'committed', block: 101 });
    expect(chain.calls).toEqual(['commit_weights']);
  });
});

describe('epoch schedule', () => {
  it('counts tempo blocks from LastEpochBlock (HEAD)', () => {
    expect(epochStartAfter(101, { tempo: 10, lastEpochBlock: 100 }, 1)).toBe(110);
    expect(epochStartAfter(125, { tempo: 10, lastEpochBlock: 100 }, 1)).toBe(130);
    expect(epochStartAfter(101, { tempo: 10, lastEpochBlock: 100 }, 1, 2)).toBe(120);
    // Read later, when LastEpochBlock has moved past the commit.
    expect(epochStartAfter(101, { tempo: 10, lastEpochBlock: 120 }, 1)).toBe(110);
  });

  it('uses (block + netuid + 1) mod (tempo + 1) = 0 without it', () => {
    // netuid 1, tempo 10: epochs at blocks 9, 20, 31, ...
    expect(epochStartAfter(9, { tempo: 10 }, 1)).toBe(20);
    expect(epochStartAfter(10, { tempo: 10 }, 1)).toBe(20);
    expect(epochStartAfter(20, { tempo: 10 }, 1)).toBe(31);
  });
});
