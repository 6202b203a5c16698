import { describe, expect, it } from 'vitest';
import { ChainCallError, ChainTimeoutError } from '../../shared/chain/errors.js';
import { commitHash } from '../../shared/chain/commit.js';
import { createLogger } from '../../shared/log.js';
import { ValidatorStore } from '../../validator/store/db.js';
import type { WeightsCalls } from '../../shared/chain/weights-mechanism.js';
import { backoffBlocks, epochStartAfter, WeightSetter, weightsHistory, type SubnetWeightRules, type WeightsChain } from '../../validator/weight-setter.js';

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
  runtime: WeightsCalls = { specVersion: 425, setWeights: true, hashCommitReveal: 'salted', timelocked: false };
  weightsCalls() {
    return this.runtime;
  }
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
    chain, store, netuid: NETUID, versionKey: 1000, staleTempos: 2,
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

describe('weight setter, never silent', () => {
  const unknown = () => new ChainCallError('SubtensorModule.set_weights', 'SubtensorModule.SomethingNew', { code: 'E_CHAIN_CALL' });

  it('backs a failing chain off in blocks (2, 4, 8, capped at a tempo), never retrying every block', async () => {
    const { chain, setter } = setup();
    const attempts: number[] = [];
    for (let block = 200; block < 260; block++) {
      chain.failures.push(unknown());
      const before = chain.calls.length;
      await setter.step({ block, lastUpdate: 0, rules: rules(), weights });
      if (chain.calls.length > before) attempts.push(block);
      chain.failures.length = 0;
    }
    expect(attempts).toEqual([200, 202, 206, 214, 224, 234, 244, 254]);
    expect([1, 2, 3, 4, 5].map((f) => backoffBlocks(f, 10))).toEqual([2, 4, 8, 10, 10]);
  });

  it('raises the health signal after two tempos without landed weights, loudly and once per tempo, and clears it', async () => {
    const { chain, setter, lines } = setup();
    for (let block = 200; block <= 225; block++) {
      chain.failures.push(unknown());
      chain.block = block;
      await setter.step({ block, lastUpdate: 0, rules: rules(), weights });
      chain.failures.length = 0;
    }
    expect(setter.health()).toMatchObject({ status: 'stale', blocksSinceLanded: 25, thresholdBlocks: 20, mechanism: 'set_weights', lastError: expect.stringContaining('SubtensorModule.SomethingNew') });
    expect(lines.filter((l) => l.includes('WEIGHTS NOT LANDING'))).toHaveLength(1);
    // The backoff is capped at a tempo, so the next attempt comes and lands.
    for (let block = 226; setter.health().status === 'stale' && block < 260; block++) {
      chain.block = block;
      await setter.step({ block, lastUpdate: 0, rules: rules(), weights });
    }
    expect(setter.health()).toMatchObject({ status: 'ok', consecutiveFailures: 0 });
    expect(lines.join('\n')).toContain('weights are landing on chain again');
  });

  it('expires a commit whose reveal keeps failing with an error it does not know, then commits afresh', async () => {
    const { chain, store, setter } = setup();
    const cr = rules({ commitRevealEnabled: true, tempo: 20, lastEpochBlock: 100 });
    await setter.step({ block: 100, lastUpdate: 0, rules: cr, weights });
    const reveals = () => chain.calls.filter((c) => c === 'reveal_weights').length;
    const expired = () => store.weightSubmissions().some((w) => w.status === 'expired');
    for (let block = 120; block < 140 && !expired(); block++) {
      chain.failures.push(new ChainCallError('SubtensorModule.reveal_weights', 'SubtensorModule.SomethingNew', { code: 'E_CHAIN_CALL' }));
      await setter.step({ block, lastUpdate: 101, rules: cr, weights });
      chain.failures.length = 0;
    }
    expect(reveals()).toBe(3);
    expect(store.weightSubmissions().find((w) => w.status === 'expired')).toMatchObject({ kind: 'commit', error: expect.stringContaining('3 reveals failed') });
    // The stuck commit no longer blocks: a newer commit goes on chain (in that step or within the backoff).
    const fresh = () => store.weightSubmissions().some((w, i, all) => w.kind === 'commit' && w.status === 'included' && i < all.findIndex((x) => x.status === 'expired'));
    for (let block = 130; block < 150 && !fresh(); block++) await setter.step({ block, lastUpdate: 101, rules: cr, weights });
    expect(fresh()).toBe(true);
  });

  it('refuses the unsalted, interval-based commit-reveal once, naming the runtime, and never calls the chain', async () => {
    const { chain, setter, lines } = setup();
    chain.runtime = { specVersion: 185, setWeights: true, hashCommitReveal: 'unsalted', timelocked: false };
    for (let block = 200; block < 230; block++) await setter.step({ block, lastUpdate: 0, rules: rules({ commitRevealEnabled: true }), weights });
    expect(chain.calls).toEqual([]);
    const refusals = lines.filter((l) => l.includes('cannot set weights'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('spec 185');
    expect(refusals[0]).toContain('commit_reveal_weights_enabled false');
    expect(setter.health()).toMatchObject({ status: 'stale', mechanism: null });
  });
});

/** A runtime with timelocked commits: the chain reveals them itself at the drand round. */
class TimelockChain extends FakeChain {
  round = 5_000;
  override runtime: WeightsCalls = { specVersion: 425, setWeights: true, hashCommitReveal: 'salted', timelocked: 'commit_timelocked_mechanism_weights' };
  async commitTimelocked(p: { uids: readonly number[]; values: readonly number[]; versionKey: number }) {
    this.calls.push('commit_timelocked_weights');
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.set = p;
    return { blockNumber: ++this.block, revealRound: ++this.round };
  }
}

describe('weight setter, timelocked commit-reveal', () => {
  const cr = rules({ commitRevealEnabled: true, tempo: 10, lastEpochBlock: 100 });

  it('commits timelocked, records the drand round, and never sends a reveal; a restart has nothing to do but commit again', async () => {
    const { chain, store, setter } = setup(new TimelockChain());
    const [committed] = await setter.step({ block: 100, lastUpdate: 0, rules: cr, weights });
    expect(committed).toEqual({ action: 'committed', block: 101, ...weights, landed: true, revealRound: 5_001 });
    expect(store.weightSubmissions()[0]).toMatchObject({ kind: 'timelocked', status: 'included', block: 101, revealRound: 5_001 });
    expect(store.pendingCommits()).toEqual([]);
    const restarted = setup(chain, store);
    expect(await restarted.setter.step({ block: 115, lastUpdate: 101, rules: cr, weights })).toEqual([{ action: 'committed', block: 102, ...weights, landed: true, revealRound: 5_002 }]);
    expect(chain.calls).toEqual(['commit_timelocked_weights', 'commit_timelocked_weights']);
    expect(restarted.setter.health()).toMatchObject({ status: 'ok', mechanism: 'timelocked', lastLandedBlock: 102 });
  });

  it('retries a transient failure; backs off after the chain`s refusal (a round already passed)', async () => {
    const { chain, store, setter } = setup(new TimelockChain());
    chain.failures.push(new ChainTimeoutError('SubtensorModule.commit_timelocked_mechanism_weights', 12));
    expect((await setter.step({ block: 100, lastUpdate: 0, rules: cr, weights }))[0]).toMatchObject({ action: 'committed' });
    chain.failures.push(new ChainCallError('SubtensorModule.commit_timelocked_mechanism_weights', 'SubtensorModule.InvalidRevealRound', { code: 'E_COMMIT_REVEAL' }));
    const [failed] = await setter.step({ block: 120, lastUpdate: 101, rules: cr, weights });
    expect(failed).toMatchObject({ action: 'failed', code: 'E_COMMIT_REVEAL', error: expect.stringMatching(/InvalidRevealRound/) });
    expect((await setter.step({ block: 121, lastUpdate: 101, rules: cr, weights }))[0]).toMatchObject({ action: 'waiting', reason: expect.stringMatching(/backing off/) });
    expect(chain.calls).toEqual(['commit_timelocked_weights', 'commit_timelocked_weights', 'commit_timelocked_weights']);
    expect(store.weightSubmissions().map((s) => s.status)).toEqual(['failed', 'included']);
  });

  it('counts an included timelocked commit as landed in the report', () => {
    const store = ValidatorStore.open(':memory:', { netuid: NETUID, hotkey: HOTKEY });
    const id = store.addWeightSubmission({ kind: 'timelocked', createdAt: 5, uids: [1], weights: [1], salt: undefined, versionKey: 1, commitHash: undefined, status: 'pending' });
    store.updateWeightSubmission(id, { status: 'included', block: 40, revealRound: 9 });
    expect(weightsHistory(store.weightSubmissions())).toMatchObject({ lastLanded: { block: 40, kind: 'timelocked' }, failedSince: 0 });
  });
});

describe('weightsHistory (what `flopnet validator report` shows)', () => {
  it('finds the last landed submission and counts the failures since', () => {
    const store = ValidatorStore.open(':memory:', { netuid: NETUID, hotkey: HOTKEY });
    const add = (kind: 'set' | 'commit', status: 'included' | 'failed' | 'expired' | 'revealed', block?: number, error?: string) => {
      const id = store.addWeightSubmission({ kind, createdAt: 1000, uids: [1], weights: [1], salt: undefined, versionKey: 0, commitHash: undefined, status: 'pending' });
      store.updateWeightSubmission(id, { status, ...(block !== undefined ? { block } : {}), ...(error ? { error } : {}) });
    };
    expect(weightsHistory(store.weightSubmissions())).toEqual({ failedSince: 0 });
    add('commit', 'revealed', 50);
    add('set', 'included', 60);
    add('set', 'failed', undefined, 'SubtensorModule.SomethingNew');
    add('commit', 'expired', 70, 'reveal window passed');
    expect(weightsHistory(store.weightSubmissions())).toEqual({ lastLanded: { block: 60, at: 1000, kind: 'set' }, failedSince: 2, lastError: 'reveal window passed' });
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
