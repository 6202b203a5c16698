/**
 * The Validator process object: metagraph sync → rounds in its slots → verification → scores →
 * weights → chain, with all state in SQLite so a restart continues where it stopped.
 *
 * Built from explicit parts (a connected chain client, a hotkey, an incentive config, a database), so
 * the CLI, the demo and the tests start the same thing. A failing step is logged and the loop goes on
 * (the subnet template's `run()` ended validation on the first exception while still logging "running").
 *
 *   const validator = await Validator.start({ client, netuid, hotkey, db: 'validator.db' });
 *   await validator.run(signal);          // until the signal aborts
 *   validator.report();                   // capacity per class and per miner
 *   await validator.close();
 */
import type { KeyringPair } from '@polkadot/keyring/types';
import type { ChainClient } from '../shared/chain/client.js';
import { MetagraphSync } from '../shared/chain/metagraph.js';
import { BlockClock, slotAt } from '../shared/challenge/schedule.js';
import { storageEntry } from '../shared/chain/storage.js';
import type { Metagraph } from '../shared/chain/types.js';
import { describeError, FlopnetError } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/log.js';
import { createSigner } from '../shared/protocol/signing.js';
import { capacityCommitment, capacityReport, type CapacityReport } from './capacity.js';
import { Dendrite, type DendriteOptions } from './dendrite.js';
import { forward } from './forward.js';
import { DEFAULT_INCENTIVES, type Incentives } from './incentives.js';
import { roundBudgetMs, type RoundInput } from './round.js';
import { planRound, type RoundPlan } from './scheduler.js';
import { resyncScores } from './scores.js';
import { ValidatorStore, type RecordedResult } from './store/db.js';
import { checkWeightsCanLand, WeightSetter, weightsChainFor, type RetryPolicy, type SubnetWeightRules, type WeightOutcome, type WeightsHealth } from './weight-setter.js';
import { scoresToWeights, WEIGHTS_VERSION_KEY, weightsForEmit } from './weights.js';

export interface ValidatorOptions {
  /** A connected chain client (shared/chain `connect`). */
  client: ChainClient;
  netuid: number;
  /** The validator's hotkey: signs weights, commitments and every request to miners. */
  hotkey: KeyringPair;
  /** The subnet owner's incentive config (default: DEFAULT_INCENTIVES). */
  incentives?: Incentives;
  /** SQLite file (created if missing), or an open store the caller keeps ownership of. */
  db: string | ValidatorStore;
  /** Write a capacity summary on chain (Commitments.set_commitment) once per epoch. */
  publishCapacity?: boolean;
  /** Dendrite settings: timeouts, frame limit, and `url` to rewrite axon addresses (devnets). */
  dendrite?: Omit<DendriteOptions, 'signer' | 'log'>;
  /** Weights version key sent with weights (default: flopnet's version). */
  versionKey?: number;
  retry?: Partial<RetryPolicy>;
  /** Tempos without landed weights before the weights health signal turns stale (default 2). */
  weightsStaleTempos?: number;
  /** Randomness of rounds (tests); CSPRNG by default. */
  random?: RoundInput['random'];
  /** Rows opened per challenge (default: the protocol's). */
  openedRows?: number;
  /**
   * Time between blocks, ms, to judge whether a round fits in the slot's remaining time (default:
   * measured from the blocks as they arrive). For a chain whose blocks are not made on a clock (a devnet
   * stepped by hand).
   */
  blockMs?: number;
  log?: Logger;
  /** Called after each recorded round (progress displays, the demo). */
  onRound?: (round: RoundSummary) => void;
  /** Called with each weight-setting outcome that did something or failed. */
  onWeights?: (outcome: WeightOutcome) => void;
  /** Called with each new block the validator hears of (metrics, health). */
  onBlock?: (block: number) => void;
}

export interface RoundSummary {
  round: number;
  block: number;
  results: RecordedResult[];
}

export interface StepReport {
  block: number;
  plan: RoundPlan;
  round?: RoundSummary;
  weights: WeightOutcome[];
  /** Whether weights are landing on chain (stale after `weightsStaleTempos` tempos without). */
  weightsHealth: WeightsHealth;
  /** The commitment written, when capacity was published this step. */
  capacity?: string;
}

/** How long hyperparameters read from chain are trusted, in blocks. */
const RULES_TTL_BLOCKS = 10;

export class Validator {
  readonly netuid: number;
  readonly hotkey: string;
  readonly store: ValidatorStore;
  readonly incentives: Incentives;
  private readonly client: ChainClient;
  private readonly pair: KeyringPair;
  private readonly sync: MetagraphSync;
  private readonly dendrite: Dendrite;
  private readonly setter: WeightSetter;
  private readonly log: Logger;
  private readonly ownsStore: boolean;
  private readonly options: ValidatorOptions;
  private block: number;
  /** When each block arrived: how much of a slot is left. */
  private readonly clock = new BlockClock();
  private readonly blockWaiters = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;
  private rules: { block: number; value: SubnetWeightRules } | undefined;
  private lastSlot: number | undefined;
  /** The last slot of ours that could not hold a round (warned once). */
  private lastSkipped: number | undefined;
  private lastWeightsBlock = 0;
  private lastPublishBlock: number | undefined;
  private closed = false;

  private constructor(options: ValidatorOptions, store: ValidatorStore, sync: MetagraphSync, block: number) {
    this.options = options;
    this.client = options.client;
    this.netuid = options.netuid;
    this.pair = options.hotkey;
    this.hotkey = options.hotkey.address;
    this.incentives = options.incentives ?? DEFAULT_INCENTIVES;
    this.store = store;
    this.ownsStore = typeof options.db === 'string';
    this.sync = sync;
    this.block = block;
    this.clock.observe(block, performance.now());
    this.log = options.log ?? silentLogger;
    this.dendrite = new Dendrite({ ...options.dendrite, signer: createSigner(options.hotkey), log: this.log.child('dendrite') });
    const { client, netuid } = options;
    this.setter = new WeightSetter({
      netuid,
      store,
      versionKey: options.versionKey ?? WEIGHTS_VERSION_KEY,
      log: this.log.child('weights'),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.weightsStaleTempos !== undefined ? { staleTempos: options.weightsStaleTempos } : {}),
      chain: weightsChainFor(client, options.hotkey, netuid),
    });
  }

  /**
   * Checks the hotkey is registered, opens the database, and starts following the metagraph.
   * Throws E_NOT_REGISTERED (with the command to fix it) for an unregistered hotkey.
   */
  static async start(options: ValidatorOptions): Promise<Validator> {
    const log = options.log ?? silentLogger;
    const sync = new MetagraphSync(options.client, { netuid: options.netuid, everyBlocks: 1, log: log.child('metagraph') });
    const first = await sync.start();
    if (!first.neurons.some((n) => n.hotkey === options.hotkey.address)) {
      sync.stop();
      throw new FlopnetError(`hotkey ${options.hotkey.address} is not registered on subnet ${options.netuid}`, {
        code: 'E_NOT_REGISTERED',
        hint: `register it first: flopnet register --netuid ${options.netuid} --wallet.name <wallet> --wallet.hotkey <hotkey>, then stake to it for a validator permit`,
      });
    }
    try {
      await checkWeightsCanLand(options.client, options.netuid, options.hotkey.address, log);
    } catch (error) {
      sync.stop();
      throw error;
    }
    let store: ValidatorStore;
    try {
      store = typeof options.db === 'string' ? ValidatorStore.open(options.db, { netuid: options.netuid, hotkey: options.hotkey.address }) : options.db;
    } catch (error) {
      sync.stop();
      throw error;
    }
    const validator = new Validator(options, store, sync, first.block);
    validator.unsubscribe = await options.client.subscribeBlocks(({ number }) => {
      if (number <= validator.block) return;
      validator.block = number;
      validator.clock.observe(number, performance.now());
      options.onBlock?.(number);
      for (const wake of validator.blockWaiters) wake();
    });
    const uid = first.neurons.find((n) => n.hotkey === options.hotkey.address)!.uid;
    log.info('validator started', { netuid: options.netuid, uid, hotkey: options.hotkey.address, db: store.path, nextRound: store.nextRound() });
    return validator;
  }

  get metagraph(): Metagraph {
    return this.sync.metagraph!;
  }

  /** The validator's uid at the last metagraph read. */
  get uid(): number | undefined {
    return this.sync.neuron(this.hotkey)?.uid;
  }

  /** The subnet's tempo as last read from chain (undefined before the first read). */
  get tempo(): number | undefined {
    return this.rules?.value.tempo;
  }

  /**
   * One pass: a round if this block is in a slot of ours that has not had one and has room for it,
   * then weights (and reveals) when due, then the capacity commitment when an epoch has passed.
   */
  async step(signal?: AbortSignal): Promise<StepReport> {
    const metagraph = this.metagraph;
    const block = Math.max(this.block, metagraph.block);
    const plan = planRound({
      metagraph,
      hotkey: this.hotkey,
      block,
      slotBlocks: this.incentives.slotBlocks,
      lastSlot: this.lastSlot,
      budgetMs: roundBudgetMs(this.incentives),
      msUntil: (end) => this.clock.msUntil(end, performance.now(), this.options.blockMs),
    });
    const report: StepReport = { block, plan, weights: [], weightsHealth: this.setter.health() };
    if (plan.run) {
      this.lastSlot = plan.slot.index;
      report.round = await this.runRound(metagraph, block, signal);
    } else {
      if (plan.cause === 'no_room' && plan.slot && plan.slot.index !== this.lastSkipped) {
        // Said once per slot: a slot too short for the config's round means no rounds at all.
        this.lastSkipped = plan.slot.index;
        this.log.warn('no round in this slot', {
          reason: plan.reason,
          hint: 'a slot must hold 2·probeMs + challengeSeconds + openingsMs: raise slotBlocks or lower the timeouts in the incentive config',
        });
      }
      // Hotkeys that left the subnet lose their scores even between rounds.
      this.store.saveScores(resyncScores(this.store.loadScores(), metagraph));
    }
    report.weights = await this.setWeights(signal);
    report.weightsHealth = this.setter.health();
    report.capacity = await this.publishCapacity(signal);
    return report;
  }

  /** Steps on every new block until `signal` aborts. A failed step is logged; the loop goes on. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !this.closed) {
      const seen = this.block;
      try {
        await this.step(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.log.error('validator step failed; retrying at the next block', { error: describeError(error) });
      }
      await this.nextBlock(seen, signal);
    }
  }

  /** Whether weights are landing on chain: `stale` once none has for the configured number of tempos. */
  weightsHealth(): WeightsHealth {
    return this.setter.health();
  }

  /** Capacity per class and per miner, from the database. */
  report(): CapacityReport {
    return capacityReport(this.store, { netuid: this.netuid, hotkey: this.hotkey });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.sync.stop();
    this.dendrite.close();
    for (const wake of this.blockWaiters) wake();
    if (this.ownsStore) this.store.close();
  }

  private async runRound(metagraph: Metagraph, block: number, signal?: AbortSignal): Promise<RoundSummary> {
    const round = this.store.nextRound();
    const { results } = await forward({
      round,
      block,
      metagraph,
      self: this.hotkey,
      incentives: this.incentives,
      store: this.store,
      dendrite: this.dendrite,
      log: this.log.child('round'),
      ...(this.options.random ? { random: this.options.random } : {}),
      ...(this.options.openedRows !== undefined ? { openedRows: this.options.openedRows } : {}),
      ownsSlot: () => slotAt(this.metagraph.neurons, Math.max(this.block, this.metagraph.block), this.incentives.slotBlocks).owner?.hotkey === this.hotkey,
      ...(signal ? { signal } : {}),
    });
    const count = (v: string) => results.filter((r) => r.verdict === v).length;
    const failures = results.filter((r) => r.verdict !== 'verified').map((r) => `uid ${r.uid}: ${r.reason}`);
    this.log.info(`round ${round}`, {
      block,
      miners: results.length,
      verified: count('verified'),
      failed: count('failed'),
      noAnswer: count('no_answer'),
      unreachable: count('unreachable'),
      excused: count('excused'),
      tflops: Number(results.reduce((sum, r) => sum + r.tflops, 0).toPrecision(4)),
      ...(failures.length ? { failures: failures.join(', ') } : {}),
    });
    const summary = { round, block, results };
    this.options.onRound?.(summary);
    return summary;
  }

  private async weightRules(block: number): Promise<SubnetWeightRules> {
    if (this.rules && block - this.rules.block < RULES_TTL_BLOCKS) return this.rules.value;
    const hp = await this.client.getHyperparameters({ netuid: this.netuid });
    const num = (key: string, fallback: number): number => (hp[key] === undefined ? fallback : Number(hp[key]));
    const lastEpoch = storageEntry(this.client, 'SubtensorModule', 'LastEpochBlock');
    const value: SubnetWeightRules = {
      tempo: num('tempo', 360),
      weightsRateLimit: num('weights_rate_limit', 0),
      commitRevealEnabled: hp['commit_reveal_weights_enabled'] === true,
      revealPeriodEpochs: num('commit_reveal_period', 1),
      minAllowedWeights: num('min_allowed_weights', 0),
      maxWeightLimit: num('max_weights_limit', 65535),
      weightsVersion: num('weights_version', 0),
      ...(lastEpoch ? { lastEpochBlock: Number((await lastEpoch(this.netuid)).toString()) } : {}),
    };
    this.rules = { block, value };
    return value;
  }

  private async setWeights(signal?: AbortSignal): Promise<WeightOutcome[]> {
    const metagraph = this.metagraph;
    const self = metagraph.neurons.find((n) => n.hotkey === this.hotkey);
    if (!self?.validatorPermit) return [];
    const block = Math.max(this.block, metagraph.block);
    const rules = await this.weightRules(block);
    const floats = scoresToWeights(this.store.loadScores(), metagraph, this.incentives);
    const outcomes = await this.setter.step({
      block,
      // The metagraph may not show our last submission yet; never resubmit inside the interval for that.
      lastUpdate: Math.max(self.lastUpdate, this.lastWeightsBlock),
      rules,
      weights: floats && weightsForEmit(floats, rules),
      ...(signal ? { signal } : {}),
    });
    for (const outcome of outcomes) {
      if (outcome.action === 'set' || outcome.action === 'committed') {
        this.lastWeightsBlock = outcome.block;
        this.rules = undefined;
      }
      if (outcome.action !== 'waiting') this.options.onWeights?.(outcome);
    }
    return outcomes;
  }

  private async publishCapacity(signal?: AbortSignal): Promise<string | undefined> {
    if (!this.options.publishCapacity) return undefined;
    const block = Math.max(this.block, this.metagraph.block);
    const tempo = (await this.weightRules(block)).tempo;
    if (this.lastPublishBlock !== undefined && block - this.lastPublishBlock < tempo) return undefined;
    const report = this.report();
    if (report.round === 0) return undefined;
    const field = capacityCommitment(report);
    try {
      await this.client.setCommitment({ hotkey: this.pair, netuid: this.netuid, fields: [field], ...(signal ? { signal } : {}) });
      this.lastPublishBlock = block;
      this.log.info('capacity published on chain', { block, commitment: field });
      return field;
    } catch (error) {
      // Try again next epoch rather than every block: the pallet limits space per epoch.
      this.lastPublishBlock = block;
      const flop = error instanceof FlopnetError ? error : undefined;
      this.log.warn('capacity commitment failed', { error: describeError(error), ...(flop?.hint ? { hint: flop.hint } : {}) });
      return undefined;
    }
  }

  private nextBlock(after: number, signal: AbortSignal): Promise<void> {
    if (this.block > after || signal.aborted || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.blockWaiters.delete(wake);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const wake = (): void => {
        if (this.block > after || this.closed) done();
      };
      this.blockWaiters.add(wake);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
