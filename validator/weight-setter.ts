/**
 * The weight-setting module: puts a validator's weights on chain by the subnet's rules.
 *
 * - When blocks since the validator's last update reach the subnet's interval (the weights rate limit,
 *   and at most once per tempo), it submits: `set_weights` when commit-reveal is off; when it is on, a
 *   timelocked commit where the runtime has them (the chain decrypts and applies it at a drand round in
 *   the reveal epoch: nothing to reveal, nothing lost on a restart), else `commit_weights`, then
 *   `reveal_weights` with the same values and salt in the epoch after the commit.
 * - Every submission waits for inclusion. Transient failures (timeouts, dropped connections, nonce
 *   races) are retried with exponential backoff; a rejection by the chain is logged by its error name
 *   (`SubtensorModule.SettingWeightsTooFast`) with what to do, and not retried blindly.
 * - Commits are written to the store before they are sent, so a restarted validator still reveals them.
 *
 * The chain is reached through `WeightsChain`, a narrow port the chain client satisfies.
 */
import { randomInt } from 'node:crypto';
import { ChainError, ChainRejectedError } from '../shared/chain/errors.js';
import { describeError, FlopnetError } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/log.js';
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
  /** Commit-reveal goes through timelocked commits (CR v3/v4, revealed by the chain) rather than hash commits. */
  timelocked?: boolean;
}

export interface Inclusion {
  blockNumber: number;
}

export interface WeightsChain {
  setWeights(p: { uids: readonly number[]; values: readonly number[]; versionKey: number }): Promise<Inclusion>;
  commitWeights(p: { uids: readonly number[]; values: readonly number[]; salt: readonly number[]; versionKey: number }): Promise<Inclusion & { hash: string }>;
  revealWeights(p: { uids: readonly number[]; values: readonly number[]; salt: readonly number[]; versionKey: number }): Promise<Inclusion>;
  /** A timelocked commit, encrypted to the drand round it returns (chain/actions/commitTimelockedWeights). */
  commitTimelocked?(p: { uids: readonly number[]; values: readonly number[]; versionKey: number }): Promise<Inclusion & { revealRound: number }>;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };

export interface WeightSetterOptions {
  chain: WeightsChain;
  store: ValidatorStore;
  netuid: number;
  versionKey: number;
  log?: Logger;
  retry?: Partial<RetryPolicy>;
  /** Salt generator (tests inject a fixed one). */
  salt?: () => number[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type WeightOutcome =
  | { action: 'set' | 'committed' | 'revealed'; block: number; uids: number[]; values: number[]; revealRound?: number }
  | { action: 'waiting'; reason: string; blocksLeft?: number }
  | { action: 'failed'; error: string; code: string; hint?: string };

/** Blocks a validator waits between submissions: the rate limit, and at most once per epoch. */
export function weightsInterval(rules: Pick<SubnetWeightRules, 'tempo' | 'weightsRateLimit'>): number {
  return Math.max(rules.weightsRateLimit, rules.tempo, 1);
}

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

const abortable = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Timeouts, lost connections and nonce races pass with time; a chain's verdict on the call does not. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ChainError)) return !(error instanceof FlopnetError);
  if (error.code === 'E_CHAIN_TIMEOUT' || error.code === 'E_CHAIN_UNREACHABLE' || error.code === 'E_NONCE') return true;
  return error instanceof ChainRejectedError && error.customCode === undefined && error.code === 'E_CHAIN_REJECTED';
}

/** Errors that mean "too early": retry at a later block rather than give up on the commit. */
const TOO_EARLY = /RevealTooEarly|CommitBlockNotInRevealRange/;
/** Errors that mean the commit can never be revealed. */
const UNREVEALABLE = /ExpiredWeightCommit|NoWeightsCommitFound|InvalidRevealCommitHashNotMatch|CommitNotFound/;

export class WeightSetter {
  private readonly chain: WeightsChain;
  private readonly store: ValidatorStore;
  private readonly netuid: number;
  private readonly versionKey: number;
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private readonly salt: () => number[];
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: WeightSetterOptions) {
    this.chain = options.chain;
    this.store = options.store;
    this.netuid = options.netuid;
    this.versionKey = options.versionKey;
    this.log = options.log ?? silentLogger;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.salt = options.salt ?? randomSalt;
    this.sleep = options.sleep ?? abortable;
  }

  /**
   * One decision at `block`: reveal commits that are due, then submit `weights` if the interval since
   * `lastUpdate` (the validator's LastUpdate on chain) has passed. `weights` undefined = nothing to pay.
   */
  async step(input: { block: number; lastUpdate: number; rules: SubnetWeightRules; weights: EmitWeights | undefined; signal?: AbortSignal }): Promise<WeightOutcome[]> {
    const { block, lastUpdate, rules, weights, signal } = input;
    const outcomes: WeightOutcome[] = [];
    if (rules.commitRevealEnabled) outcomes.push(...(await this.revealDue(block, rules, signal)));

    if (rules.weightsVersion > this.versionKey) {
      const error = new FlopnetError(`The subnet requires weights version ${rules.weightsVersion}; this validator sends ${this.versionKey}`, {
        code: 'E_VERSION_KEY',
        hint: 'upgrade flopnet: the subnet owner raised weights_version to refuse older validators',
      });
      this.log.error(error.message, { hint: error.hint });
      outcomes.push({ action: 'failed', error: error.message, code: error.code, ...(error.hint ? { hint: error.hint } : {}) });
      return outcomes;
    }
    const interval = weightsInterval(rules);
    const since = block - lastUpdate;
    if (since < interval) {
      outcomes.push({ action: 'waiting', reason: `${since} of ${interval} blocks since the last update`, blocksLeft: interval - since });
      return outcomes;
    }
    if (!weights || weights.uids.length === 0) {
      outcomes.push({ action: 'waiting', reason: 'no miner has a verified score yet' });
      return outcomes;
    }
    if (rules.commitRevealEnabled && this.store.pendingCommits().length > 0) {
      outcomes.push({ action: 'waiting', reason: 'the previous commit is not revealed yet' });
      return outcomes;
    }
    if (!rules.commitRevealEnabled) outcomes.push(await this.set(weights, signal));
    else if (rules.timelocked && this.chain.commitTimelocked) outcomes.push(await this.commitTimelocked(this.chain.commitTimelocked.bind(this.chain), weights, signal));
    else outcomes.push(await this.commit(weights, signal));
    return outcomes;
  }

  /** A timelocked commit: recorded as included once on chain; the chain itself reveals it. */
  private async commitTimelocked(send: NonNullable<WeightsChain['commitTimelocked']>, weights: EmitWeights, signal?: AbortSignal): Promise<WeightOutcome> {
    const id = this.store.addWeightSubmission({ kind: 'timelocked', createdAt: Date.now(), uids: weights.uids, weights: weights.values, salt: undefined, versionKey: this.versionKey, commitHash: undefined, status: 'pending' });
    try {
      const { blockNumber, revealRound } = await this.withRetry('commit_timelocked_weights', () => send({ ...weights, versionKey: this.versionKey }), signal);
      this.store.updateWeightSubmission(id, { status: 'included', block: blockNumber, revealRound });
      this.log.info('weights committed timelocked; the chain reveals them at the drand round', { block: blockNumber, revealRound, uids: weights.uids.length });
      return { action: 'committed', block: blockNumber, uids: weights.uids, values: weights.values, revealRound };
    } catch (error) {
      this.store.updateWeightSubmission(id, { status: 'failed', error: describeError(error) });
      return this.rejected('commit_timelocked_weights', error);
    }
  }

  private async set(weights: EmitWeights, signal?: AbortSignal): Promise<WeightOutcome> {
    const id = this.store.addWeightSubmission({ kind: 'set', createdAt: Date.now(), uids: weights.uids, weights: weights.values, salt: undefined, versionKey: this.versionKey, commitHash: undefined, status: 'pending' });
    try {
      const { blockNumber } = await this.withRetry('set_weights', () => this.chain.setWeights({ ...weights, versionKey: this.versionKey }), signal);
      this.store.updateWeightSubmission(id, { status: 'included', block: blockNumber });
      this.log.info('weights set', { block: blockNumber, uids: weights.uids.length });
      return { action: 'set', block: blockNumber, uids: weights.uids, values: weights.values };
    } catch (error) {
      this.store.updateWeightSubmission(id, { status: 'failed', error: describeError(error) });
      return this.rejected('set_weights', error);
    }
  }

  private async commit(weights: EmitWeights, signal?: AbortSignal): Promise<WeightOutcome> {
    const salt = this.salt();
    // Stored first: if the process dies after the chain took the commit, the restart still reveals it.
    const id = this.store.addWeightSubmission({ kind: 'commit', createdAt: Date.now(), uids: weights.uids, weights: weights.values, salt, versionKey: this.versionKey, commitHash: undefined, status: 'pending' });
    try {
      const { blockNumber } = await this.withRetry('commit_weights', () => this.chain.commitWeights({ ...weights, salt, versionKey: this.versionKey }), signal);
      this.store.updateWeightSubmission(id, { status: 'included', block: blockNumber });
      this.log.info('weights committed', { block: blockNumber, uids: weights.uids.length });
      return { action: 'committed', block: blockNumber, uids: weights.uids, values: weights.values };
    } catch (error) {
      this.store.updateWeightSubmission(id, { status: 'failed', error: describeError(error) });
      return this.rejected('commit_weights', error);
    }
  }

  /** Reveals every stored commit whose reveal epoch has come, oldest first. */
  private async revealDue(block: number, rules: SubnetWeightRules, signal?: AbortSignal): Promise<WeightOutcome[]> {
    const outcomes: WeightOutcome[] = [];
    for (const commit of this.store.pendingCommits()) {
      const committedAt = commit.block ?? block;
      const due = epochStartAfter(committedAt, rules, this.netuid, rules.revealPeriodEpochs);
      if (block < due) {
        outcomes.push({ action: 'waiting', reason: `commit from block ${committedAt} is revealed from block ${due}`, blocksLeft: due - block });
        continue;
      }
      outcomes.push(await this.reveal(commit, signal));
    }
    return outcomes;
  }

  private async reveal(commit: WeightSubmission, signal?: AbortSignal): Promise<WeightOutcome> {
    try {
      const { blockNumber } = await this.withRetry(
        'reveal_weights',
        () => this.chain.revealWeights({ uids: commit.uids, values: commit.weights, salt: commit.salt ?? [], versionKey: commit.versionKey }),
        signal,
      );
      this.store.updateWeightSubmission(commit.id, { status: 'revealed', block: blockNumber });
      this.log.info('weights revealed', { block: blockNumber, committed: commit.block });
      return { action: 'revealed', block: blockNumber, uids: commit.uids, values: commit.weights };
    } catch (error) {
      const text = describeError(error);
      if (TOO_EARLY.test(text)) return { action: 'waiting', reason: `reveal too early for the commit from block ${commit.block}; retrying next block` };
      if (UNREVEALABLE.test(text) || commit.status === 'pending') this.store.updateWeightSubmission(commit.id, { status: 'expired', error: text });
      return this.rejected('reveal_weights', error);
    }
  }

  private rejected(call: string, error: unknown): WeightOutcome {
    const flop = error instanceof FlopnetError ? error : undefined;
    // The message carries the chain's error name (`SubtensorModule.SettingWeightsTooFast`), the hint what to do.
    this.log.error(`${call} failed`, { error: flop?.message ?? describeError(error), code: flop?.code, hint: flop?.hint });
    return { action: 'failed', error: describeError(error), code: flop?.code ?? 'E_INTERNAL', ...(flop?.hint ? { hint: flop.hint } : {}) };
  }

  private async withRetry<T>(call: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (signal?.aborted || attempt >= this.retry.attempts || !isTransient(error)) throw error;
        const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        this.log.warn(`${call} failed, retrying`, { attempt, delayMs: delay, error: describeError(error) });
        await this.sleep(delay, signal);
      }
    }
  }
}
