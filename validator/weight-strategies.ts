/**
 * One strategy per way a runtime takes weights (shared/chain/weights-mechanism.ts): `set_weights`, hash
 * commit-reveal (CR v2: `commit_weights`, then `reveal_weights` in the epoch after), and timelocked
 * commits (CR v3/v4: the chain decrypts and applies them at a drand round). A strategy only
 * talks to the chain; WeightSetter (weight-setter.ts) chooses it from the runtime's metadata and wraps
 * every strategy in the same retries, backoff, stuck-commit expiry limits and health signal.
 *
 * A strategy never throws for a chain's verdict: it returns a `failed` outcome naming the chain error.
 */
import { randomInt } from 'node:crypto';
import type { WeightsCalls, WeightsMechanism } from '../shared/chain/weights-mechanism.js';
import { describeError, FlopnetError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { ValidatorStore, WeightSubmission } from './store/db.js';
import type { EmitWeights } from './weights.js';

/** The subnet hyperparameters weight setting depends on, read from chain before each decision. */
export interface SubnetWeightRules {
  tempo: number;
  weightsRateLimit: number;
  commitRevealEnabled: boolean;
  /** Epochs between a commit and its reveal (RevealPeriodEpochs; 1 by default). */
  revealPeriodEpochs: number;
  minAllowedWeights: number;
  /** u16; 65535 = no limit. */
  maxWeightLimit: number;
  /** The subnet's WeightsVersionKey: the version key sent must be ≥ it. */
  weightsVersion: number;
  /** Block of the subnet's last epoch (LastEpochBlock at HEAD); absent on runtimes without it. */
  lastEpochBlock?: number;
}

export interface Inclusion {
  blockNumber: number;
}

/** The chain as the weight setter needs it; the chain client satisfies it (weightsChainFor in weight-setter.ts). */
export interface WeightsChain {
  /** The weight calls the connected runtime declares (read from its metadata). */
  weightsCalls(): WeightsCalls;
  setWeights(p: { uids: readonly number[]; values: readonly number[]; versionKey: number }): Promise<Inclusion>;
  commitWeights(p: { uids: readonly number[]; values: readonly number[]; salt: readonly number[]; versionKey: number }): Promise<Inclusion & { hash: string }>;
  revealWeights(p: { uids: readonly number[]; values: readonly number[]; salt: readonly number[]; versionKey: number }): Promise<Inclusion>;
  /** A timelocked commit, encrypted to the drand round it returns (shared/chain/actions/commitTimelockedWeights). */
  commitTimelocked?(p: { uids: readonly number[]; values: readonly number[]; versionKey: number }): Promise<Inclusion & { revealRound: number }>;
}

export type WeightOutcome =
  | {
      action: 'set' | 'committed' | 'revealed';
      block: number;
      uids: number[];
      values: number[];
      /** Whether the weights are now in force on chain; default: true for `set` and `revealed`. */
      landed?: boolean;
      /** A timelocked commit's drand round: the chain applies the weights once its pulse is stored. */
      revealRound?: number;
    }
  | { action: 'waiting'; reason: string; blocksLeft?: number }
  | { action: 'failed'; error: string; code: string; hint?: string };

/** Whether an outcome put weights in force on chain. */
export function landed(outcome: WeightOutcome): outcome is Extract<WeightOutcome, { block: number }> {
  if (outcome.action === 'waiting' || outcome.action === 'failed') return false;
  return outcome.landed ?? (outcome.action === 'set' || outcome.action === 'revealed');
}

/** What a strategy gets at each decision. */
export interface StrategyContext {
  block: number;
  rules: SubnetWeightRules;
  netuid: number;
  versionKey: number;
  chain: WeightsChain;
  store: ValidatorStore;
  log: Logger;
  signal?: AbortSignal;
  /** Runs one chain call, retrying transient failures (timeouts, dropped connections) a bounded number of times. */
  attempt<T>(call: string, fn: () => Promise<T>): Promise<T>;
}

export interface WeightsStrategy {
  readonly mechanism: WeightsMechanism;
  /** Work due before any new submission at this block (reveals), and what came of it. */
  due(ctx: StrategyContext): Promise<WeightOutcome[]>;
  /** Why a new submission must wait (e.g. an unrevealed commit), or undefined. */
  blockedBy(ctx: StrategyContext): string | undefined;
  submit(ctx: StrategyContext, weights: EmitWeights): Promise<WeightOutcome>;
}

/** A chain error as an outcome and a log line naming it (`SubtensorModule.SettingWeightsTooFast`) with its hint. */
export function failedOutcome(log: Logger, call: string, error: unknown): WeightOutcome {
  const flop = error instanceof FlopnetError ? error : undefined;
  log.error(`${call} failed`, { error: flop?.message ?? describeError(error), code: flop?.code, hint: flop?.hint });
  return { action: 'failed', error: describeError(error), code: flop?.code ?? 'E_INTERNAL', ...(flop?.hint ? { hint: flop.hint } : {}) };
}

/**
 * Sends one submission, recorded in the store first (so a restart knows of a commit the chain took even
 * if the process died before hearing back), then marked included or failed.
 */
export async function submitRecorded(
  ctx: StrategyContext,
  weights: EmitWeights,
  how: { kind: WeightSubmission['kind']; salt?: number[]; call: string; action: 'set' | 'committed'; landed?: boolean; send: () => Promise<Inclusion & { revealRound?: number }> },
): Promise<WeightOutcome> {
  const { store, versionKey, log } = ctx;
  const id = store.addWeightSubmission({ kind: how.kind, createdAt: Date.now(), uids: weights.uids, weights: weights.values, salt: how.salt, versionKey, commitHash: undefined, status: 'pending' });
  try {
    const { blockNumber, revealRound } = await ctx.attempt(how.call, how.send);
    store.updateWeightSubmission(id, { status: 'included', block: blockNumber, ...(revealRound !== undefined ? { revealRound } : {}) });
    log.info(how.action === 'set' ? 'weights set' : 'weights committed', { block: blockNumber, uids: weights.uids.length, ...(revealRound !== undefined ? { revealRound } : {}) });
    return {
      action: how.action,
      block: blockNumber,
      uids: weights.uids,
      values: weights.values,
      ...(how.landed !== undefined ? { landed: how.landed } : {}),
      ...(revealRound !== undefined ? { revealRound } : {}),
    };
  } catch (error) {
    store.updateWeightSubmission(id, { status: 'failed', error: describeError(error) });
    return failedOutcome(log, how.call, error);
  }
}

/** `set_weights`: one transaction, in force at once. */
export const setWeightsStrategy: WeightsStrategy = {
  mechanism: 'set_weights',
  due: async () => [],
  blockedBy: () => undefined,
  submit: (ctx, weights) =>
    submitRecorded(ctx, weights, { kind: 'set', call: 'set_weights', action: 'set', send: () => ctx.chain.setWeights({ ...weights, versionKey: ctx.versionKey }) }),
};

/**
 * The first block of the epoch `epochs` after the one containing `block`. With LastEpochBlock known
 * (HEAD: epochs every `tempo` blocks from it), else subtensor's classic schedule, where an epoch runs
 * when (block + netuid + 1) mod (tempo + 1) = 0.
 */
export function epochStartAfter(block: number, rules: Pick<SubnetWeightRules, 'tempo' | 'lastEpochBlock'>, netuid: number, epochs = 1): number {
  const tempo = Math.max(1, rules.tempo);
  if (rules.lastEpochBlock !== undefined) {
    const passed = Math.floor((block - rules.lastEpochBlock) / tempo);
    return rules.lastEpochBlock + (passed + epochs) * tempo;
  }
  const period = tempo + 1;
  const index = Math.floor((block + netuid + 1) / period);
  return (index + epochs) * period - netuid - 1;
}

/** A fresh salt as the SDK makes it: 8 random u16. */
export const randomSalt = (): number[] => Array.from({ length: 8 }, () => randomInt(0, 65536));

/** Errors that mean "too early": try again at a later block rather than count against the commit. */
const TOO_EARLY = /RevealTooEarly|CommitBlockNotInRevealRange/;
/** Errors that mean the commit can never be revealed. */
const UNREVEALABLE = /ExpiredWeightCommit|NoWeightsCommitFound|InvalidRevealCommitHashNotMatch|CommitNotFound/;
/** Reveals of one commit that may fail with an error of another kind before the commit is given up. */
export const MAX_REVEAL_FAILURES = 3;

/**
 * Hash commit-reveal (CR v2). A commit is written to the store before it is sent, so a restarted
 * validator still reveals it. A commit that cannot be revealed is expired — its reveal window passed,
 * the chain says it can never match, or MAX_REVEAL_FAILURES reveals failed with any other error — so it
 * never blocks later weights: the next submission commits afresh.
 */
export function hashCommitRevealStrategy(options: { salt?: () => number[] } = {}): WeightsStrategy {
  const salt = options.salt ?? randomSalt;
  /** Failed reveals per commit id, in this process (a restart gives a stuck commit fresh tries within its window). */
  const revealFailures = new Map<number, number>();

  const expire = (ctx: StrategyContext, commit: WeightSubmission, why: string): void => {
    revealFailures.delete(commit.id);
    ctx.store.updateWeightSubmission(commit.id, { status: 'expired', error: why });
    ctx.log.error(`commit from block ${commit.block} expired: ${why}; the next weights are committed afresh`, { committed: commit.block });
  };

  const reveal = async (ctx: StrategyContext, commit: WeightSubmission): Promise<WeightOutcome> => {
    try {
      const { blockNumber } = await ctx.attempt('reveal_weights', () =>
        ctx.chain.revealWeights({ uids: commit.uids, values: commit.weights, salt: commit.salt ?? [], versionKey: commit.versionKey }),
      );
      revealFailures.delete(commit.id);
      ctx.store.updateWeightSubmission(commit.id, { status: 'revealed', block: blockNumber });
      ctx.log.info('weights revealed', { block: blockNumber, committed: commit.block });
      return { action: 'revealed', block: blockNumber, uids: commit.uids, values: commit.weights };
    } catch (error) {
      const text = describeError(error);
      if (TOO_EARLY.test(text)) return { action: 'waiting', reason: `reveal too early for the commit from block ${commit.block}` };
      const failures = (revealFailures.get(commit.id) ?? 0) + 1;
      revealFailures.set(commit.id, failures);
      const outcome = failedOutcome(ctx.log, 'reveal_weights', error);
      if (UNREVEALABLE.test(text) || commit.block === undefined) expire(ctx, commit, `the chain cannot reveal it (${text})`);
      else if (failures >= MAX_REVEAL_FAILURES) expire(ctx, commit, `${failures} reveals failed, the last with ${text}`);
      return outcome;
    }
  };

  return {
    mechanism: 'hash-commit-reveal',
    async due(ctx) {
      const { block, rules, netuid } = ctx;
      const outcomes: WeightOutcome[] = [];
      for (const commit of ctx.store.pendingCommits()) {
        const committedAt = commit.block ?? block;
        const from = epochStartAfter(committedAt, rules, netuid, rules.revealPeriodEpochs);
        const until = epochStartAfter(committedAt, rules, netuid, rules.revealPeriodEpochs + 1);
        if (block < from) {
          outcomes.push({ action: 'waiting', reason: `commit from block ${committedAt} is revealed from block ${from}`, blocksLeft: from - block });
        } else if (block >= until) {
          expire(ctx, commit, `its reveal window (blocks ${from}–${until - 1}) passed unrevealed`);
          outcomes.push({ action: 'failed', error: `commit from block ${committedAt} expired unrevealed`, code: 'E_COMMIT_REVEAL', hint: 'the next weights are committed afresh' });
        } else {
          outcomes.push(await reveal(ctx, commit));
        }
      }
      return outcomes;
    },
    blockedBy: (ctx) => (ctx.store.pendingCommits().length > 0 ? 'the previous commit is not revealed yet' : undefined),
    submit(ctx, weights) {
      const s = salt();
      return submitRecorded(ctx, weights, { kind: 'commit', salt: s, call: 'commit_weights', action: 'committed', send: () => ctx.chain.commitWeights({ ...weights, salt: s, versionKey: ctx.versionKey }) });
    },
  };
}

/**
 * Timelocked commits (CR v4 `commit_timelocked_*`, CR v3 `commit_crv3_weights`): one transaction; the
 * chain decrypts it and applies the weights in the reveal epoch once drand's pulse for its round is
 * stored. Nothing is due and nothing blocks the next submission, and a restart loses nothing. The
 * weights count as landed when the commit is included: from then on only the chain acts.
 */
export const timelockedStrategy: WeightsStrategy = {
  mechanism: 'timelocked',
  due: async () => [],
  blockedBy: (ctx) => (ctx.chain.commitTimelocked ? undefined : 'this chain port cannot commit timelocked'),
  submit: (ctx, weights) =>
    submitRecorded(ctx, weights, {
      kind: 'timelocked',
      call: 'commit_timelocked_weights',
      action: 'committed',
      landed: true,
      send: () => ctx.chain.commitTimelocked!({ ...weights, versionKey: ctx.versionKey }),
    }),
};
