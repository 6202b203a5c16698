/**
 * The weight-setting module: puts a validator's weights on chain by the subnet's rules, and never goes
 * silent.
 *
 * - The way weights go on chain is a strategy (weight-strategies.ts) chosen at each decision from the
 *   runtime's metadata and the subnet's commit-reveal switch (shared/chain/weights-mechanism.ts). A runtime
 *   flopnet cannot serve (the spec-185-era commit-reveal) is refused with a message naming it, never looped on.
 * - When blocks since the validator's last update reach the subnet's interval (the weights rate limit,
 *   and at most once per tempo), it submits through the strategy, after the strategy's due work (reveals).
 * - Transient failures (timeouts, dropped connections, nonce races) are retried inside one attempt with
 *   exponential backoff in time. A failed attempt — a chain verdict, whatever its name, or retries used up —
 *   backs the next attempt off in blocks (2, 4, 8, … up to one tempo): never a retry every block.
 * - The health signal (`health()`): weights that have not landed for `staleTempos` tempos (default 2) turn
 *   it `stale`, logged as an error then and once per tempo while it lasts, with the last chain error.
 *
 * The chain is reached through `WeightsChain`, a narrow port the chain client satisfies (weightsChainFor).
 */
import type { KeyringPair } from '@polkadot/keyring/types';
import type { ChainClient } from '../shared/chain/client.js';
import { ChainError, ChainRejectedError } from '../shared/chain/errors.js';
import { chooseMechanism, weightsCalls, type WeightsMechanism } from '../shared/chain/weights-mechanism.js';
import { describeError, FlopnetError } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/log.js';
import type { ValidatorStore, WeightSubmission } from './store/db.js';
import type { EmitWeights } from './weights.js';
import {
  hashCommitRevealStrategy,
  landed,
  setWeightsStrategy,
  timelockedStrategy,
  type StrategyContext,
  type SubnetWeightRules,
  type WeightOutcome,
  type WeightsChain,
  type WeightsStrategy,
} from './weight-strategies.js';

export { epochStartAfter, randomSalt, type Inclusion, type SubnetWeightRules, type WeightOutcome, type WeightsChain } from './weight-strategies.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };
/** Tempos without landed weights before the health signal turns stale (config `weights-stale-tempos`). */
export const DEFAULT_STALE_TEMPOS = 2;

export interface WeightSetterOptions {
  chain: WeightsChain;
  store: ValidatorStore;
  netuid: number;
  versionKey: number;
  log?: Logger;
  retry?: Partial<RetryPolicy>;
  /** Tempos without landed weights before `health()` is stale (default 2). */
  staleTempos?: number;
  /** Strategies this validator has, by mechanism (default: set_weights, hash commit-reveal, timelocked). */
  strategies?: readonly WeightsStrategy[];
  /** Salt generator for hash commit-reveal (tests inject a fixed one). */
  salt?: () => number[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface WeightsHealth {
  /** `stale`: no weights have landed for `thresholdBlocks` blocks. */
  status: 'ok' | 'stale';
  /** The mechanism in use, or null when the runtime offers none flopnet can use. */
  mechanism: WeightsMechanism | null;
  /** Block weights last landed (set, or revealed); undefined when none did since the validator started. */
  lastLandedBlock?: number;
  /** Blocks since weights landed, or since the validator started when none has. */
  blocksSinceLanded: number;
  thresholdBlocks: number;
  /** Failed attempts in a row. */
  consecutiveFailures: number;
  /** The last failure, naming the chain error (`SubtensorModule.X`), with its hint. */
  lastError?: string;
  /** While backing off: the first block of the next attempt. */
  nextAttemptBlock?: number;
}

/** The strategies a validator has unless told otherwise: one per mechanism flopnet implements. */
export function defaultStrategies(salt?: () => number[]): WeightsStrategy[] {
  return [setWeightsStrategy, hashCommitRevealStrategy(salt ? { salt } : {}), timelockedStrategy];
}

/** Blocks a validator waits between submissions: the rate limit, and at most once per epoch. */
export function weightsInterval(rules: Pick<SubnetWeightRules, 'tempo' | 'weightsRateLimit'>): number {
  return Math.max(rules.weightsRateLimit, rules.tempo, 1);
}

/** Blocks to wait after `failures` failed attempts in a row: 2, 4, 8, … capped at one tempo (at least 2). */
export function backoffBlocks(failures: number, tempo: number): number {
  return Math.min(2 ** Math.min(failures, 16), Math.max(2, tempo));
}

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

/** The validator's weights chain port on the chain client: calls signed by `hotkey` on `netuid`. */
export function weightsChainFor(client: ChainClient, hotkey: KeyringPair, netuid: number): WeightsChain {
  return {
    weightsCalls: () => weightsCalls(client),
    setWeights: async (p) => ({ blockNumber: (await client.setWeights({ hotkey, netuid, ...p })).blockNumber }),
    commitWeights: async (p) => {
      const { hash, result } = await client.commitWeights({ hotkey, netuid, ...p });
      return { blockNumber: result.blockNumber, hash };
    },
    revealWeights: async (p) => ({ blockNumber: (await client.revealWeights({ hotkey, netuid, ...p })).blockNumber }),
    commitTimelocked: async (p) => {
      const { revealRound, result } = await client.commitTimelockedWeights({ hotkey, netuid, ...p });
      return { blockNumber: result.blockNumber, revealRound };
    },
  };
}

/**
 * Start-up check that this validator's weights can land and count: refuses (E_WEIGHTS_MECHANISM) a
 * subnet whose commit-reveal this runtime only offers in a form flopnet cannot use, naming the runtime
 * and what to do, rather than looping on reveals that can never match; and warns, with the stake
 * figures and the fix, when consensus cannot form even with this validator's weights (a permitted
 * validator, usually the owner's hotkey, that sets none holds more than 1 − kappa of the stake).
 */
export async function checkWeightsCanLand(client: ChainClient, netuid: number, hotkey: string, log: Logger): Promise<void> {
  const hp = await client.getHyperparameters({ netuid });
  const choice = chooseMechanism(weightsCalls(client), hp['commit_reveal_weights_enabled'] === true, defaultStrategies().map((st) => st.mechanism));
  if (choice.mechanism === null) throw new FlopnetError(`subnet ${netuid}: cannot set weights: ${choice.reason}`, { code: 'E_WEIGHTS_MECHANISM', hint: choice.hint });
  const consensus = await client.getConsensus({ netuid, assumeSetting: hotkey });
  if (!consensus.canForm) log.warn(`subnet ${netuid}: ${consensus.summary}`, { fix: consensus.fix });
  else log.info(`subnet ${netuid}: ${consensus.summary}`, { mechanism: choice.mechanism });
}

/** What `flopnet validator report` shows of weights, from the store alone (no chain needed). */
export interface WeightsHistory {
  /** The last submission whose weights landed (set, or revealed). */
  lastLanded?: { block: number | undefined; at: number; kind: WeightSubmission['kind'] };
  /** Submissions that failed or expired since then. */
  failedSince: number;
  /** The last failure's error, naming the chain error. */
  lastError?: string;
}

/** Summarises recent submissions, newest first (as `store.weightSubmissions()` returns them). */
export function weightsHistory(submissions: readonly WeightSubmission[]): WeightsHistory {
  const landedAt = submissions.findIndex((s) => ((s.kind === 'set' || s.kind === 'timelocked') && s.status === 'included') || s.status === 'revealed');
  const since = landedAt < 0 ? submissions : submissions.slice(0, landedAt);
  const failures = since.filter((s) => s.status === 'failed' || s.status === 'expired');
  const last = submissions[landedAt];
  return {
    ...(last ? { lastLanded: { block: last.block, at: last.createdAt, kind: last.kind } } : {}),
    failedSince: failures.length,
    ...(failures[0]?.error ? { lastError: failures[0].error } : {}),
  };
}

export class WeightSetter {
  private readonly chain: WeightsChain;
  private readonly store: ValidatorStore;
  private readonly netuid: number;
  private readonly versionKey: number;
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private readonly staleTempos: number;
  private readonly strategies: ReadonlyMap<WeightsMechanism, WeightsStrategy>;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private failures = 0;
  private nextAttemptBlock: number | undefined;
  private lastError: string | undefined;
  private lastLandedBlock: number | undefined;
  private firstBlock: number | undefined;
  private mechanism: WeightsMechanism | null | undefined;
  private staleSince: number | undefined;
  private lastAlarmBlock: number | undefined;
  private state: WeightsHealth | undefined;

  constructor(options: WeightSetterOptions) {
    this.chain = options.chain;
    this.store = options.store;
    this.netuid = options.netuid;
    this.versionKey = options.versionKey;
    this.log = options.log ?? silentLogger;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.staleTempos = Math.max(1, options.staleTempos ?? DEFAULT_STALE_TEMPOS);
    const strategies = options.strategies ?? defaultStrategies(options.salt);
    this.strategies = new Map(strategies.map((s) => [s.mechanism, s]));
    this.sleep = options.sleep ?? abortable;
    const last = weightsHistory(this.store.weightSubmissions(50)).lastLanded;
    this.lastLandedBlock = last?.block;
  }

  /** The health signal at the last decision (ok before the first one). */
  health(): WeightsHealth {
    return this.state ?? { status: 'ok', mechanism: null, blocksSinceLanded: 0, thresholdBlocks: 0, consecutiveFailures: 0 };
  }

  /**
   * One decision at `block`: the strategy's due work (reveals), then `weights` if the interval since
   * `lastUpdate` (the validator's LastUpdate on chain) has passed. `weights` undefined = nothing to pay.
   */
  async step(input: { block: number; lastUpdate: number; rules: SubnetWeightRules; weights: EmitWeights | undefined; signal?: AbortSignal }): Promise<WeightOutcome[]> {
    const outcomes = await this.decide(input);
    this.record(input.block, input.rules, outcomes);
    return outcomes;
  }

  private async decide(input: { block: number; lastUpdate: number; rules: SubnetWeightRules; weights: EmitWeights | undefined; signal?: AbortSignal }): Promise<WeightOutcome[]> {
    const { block, lastUpdate, rules, weights, signal } = input;
    this.firstBlock ??= block;
    const choice = chooseMechanism(this.chain.weightsCalls(), rules.commitRevealEnabled, [...this.strategies.keys()]);
    if (choice.mechanism === null) {
      // Said once when it starts; the health signal repeats it once per tempo while it lasts.
      if (this.mechanism !== null || this.firstBlock === block) this.log.error(`cannot set weights: ${choice.reason}`, { hint: choice.hint });
      this.mechanism = null;
      return [{ action: 'failed', error: choice.reason, code: 'E_WEIGHTS_MECHANISM', hint: choice.hint }];
    }
    this.mechanism = choice.mechanism;
    if (this.nextAttemptBlock !== undefined && block < this.nextAttemptBlock) {
      return [{ action: 'waiting', reason: `backing off after ${this.failures} failed attempt(s): next at block ${this.nextAttemptBlock}`, blocksLeft: this.nextAttemptBlock - block }];
    }
    const strategy = this.strategies.get(choice.mechanism)!;
    const ctx: StrategyContext = {
      block,
      rules,
      netuid: this.netuid,
      versionKey: this.versionKey,
      chain: this.chain,
      store: this.store,
      log: this.log,
      ...(signal ? { signal } : {}),
      attempt: (call, fn) => this.withRetry(call, fn, signal),
    };
    const outcomes = await strategy.due(ctx);

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
    const blocked = strategy.blockedBy(ctx);
    if (blocked) {
      outcomes.push({ action: 'waiting', reason: blocked });
      return outcomes;
    }
    outcomes.push(await strategy.submit(ctx, weights));
    return outcomes;
  }

  /** Backoff and health from what this decision did; a loud log line when weights go stale. */
  private record(block: number, rules: SubnetWeightRules, outcomes: readonly WeightOutcome[]): void {
    const failed = outcomes.filter((o): o is Extract<WeightOutcome, { action: 'failed' }> => o.action === 'failed');
    const progressed = outcomes.some((o) => o.action === 'set' || o.action === 'committed' || o.action === 'revealed');
    for (const o of outcomes) if (landed(o)) this.lastLandedBlock = o.block;
    if (failed.length > 0) {
      this.failures++;
      this.lastError = failed.map((f) => (f.hint ? `${f.error} (${f.hint})` : f.error)).join('; ');
      this.nextAttemptBlock = block + backoffBlocks(this.failures, rules.tempo);
    } else if (progressed) {
      this.failures = 0;
      this.nextAttemptBlock = undefined;
    }
    const tempo = Math.max(1, rules.tempo);
    const thresholdBlocks = this.staleTempos * tempo;
    const reference = this.lastLandedBlock ?? this.firstBlock ?? block;
    const blocksSinceLanded = Math.max(0, block - reference);
    const stale = blocksSinceLanded >= thresholdBlocks;
    this.state = {
      status: stale ? 'stale' : 'ok',
      mechanism: this.mechanism ?? null,
      ...(this.lastLandedBlock !== undefined ? { lastLandedBlock: this.lastLandedBlock } : {}),
      blocksSinceLanded,
      thresholdBlocks,
      consecutiveFailures: this.failures,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(this.nextAttemptBlock !== undefined && this.nextAttemptBlock > block ? { nextAttemptBlock: this.nextAttemptBlock } : {}),
    };
    if (stale) {
      this.staleSince ??= block;
      if (this.lastAlarmBlock === undefined || block - this.lastAlarmBlock >= tempo) {
        this.lastAlarmBlock = block;
        this.log.error(`WEIGHTS NOT LANDING: no weights landed on chain for ${blocksSinceLanded} blocks (${this.staleTempos}+ tempos)`, {
          netuid: this.netuid,
          lastLanded: this.lastLandedBlock ?? 'never since start',
          failures: this.failures,
          lastError: this.lastError ?? 'none: nothing was submitted (no verified scores, or waiting on the chain)',
          ...(this.state.nextAttemptBlock !== undefined ? { nextAttempt: this.state.nextAttemptBlock } : {}),
        });
      }
    } else if (this.staleSince !== undefined) {
      this.log.info('weights are landing on chain again', { block: this.lastLandedBlock, staleFor: block - this.staleSince });
      this.staleSince = undefined;
      this.lastAlarmBlock = undefined;
    }
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
