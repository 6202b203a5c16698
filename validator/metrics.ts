/**
 * The validator's Prometheus metrics and health check (`flopnet validator start --metrics.port`), fed
 * by what the validator already reports: each recorded round (onRound), each weight-setting outcome
 * (onWeights), each new block (onBlock), and its metagraph and database between them.
 *
 * Per-miner series carry `uid` and `hotkey` of the miners on the metagraph now: they are rebuilt from
 * it after each round and whenever the metagraph moves, so a miner that leaves takes its series with
 * it. Reasons and chain errors are bounded label sets (shared/metrics/labels.ts).
 *
 * `/healthz` fails when no new block came for `healthBlocks` blocks' time, or when `healthSlots` of
 * the validator's own slots of the challenge schedule passed without a round.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { defineOptions, zInt } from '../shared/config/options.js';
import type { Neuron } from '../shared/chain/types.js';
import { nextSlotOf } from '../shared/challenge/schedule.js';
import { BlockClock, blockCheck, evaluate, type Health, type HealthCheck } from '../shared/metrics/health.js';
import type { ReadOnlyServer } from '../shared/metrics/http.js';
import { BoundedLabel } from '../shared/metrics/labels.js';
import { metricsOptions } from '../shared/metrics/options.js';
import { createRegistry, serveMetrics } from '../shared/metrics/server.js';
import type { Logger } from '../shared/log.js';
import { VERDICTS } from './result.js';
import { MinerLedger } from './dashboard/ledger.js';
import type { RoundSummary, Validator } from './validator.js';
import type { WeightOutcome } from './weight-setter.js';

/** `flopnet validator start`'s metrics settings: the shared ones, and how many missed slots make it stuck. */
export const validatorMetricsOptions = defineOptions({
  ...metricsOptions,
  healthSlots: {
    key: 'health.slots',
    arg: '<n>',
    description: "/healthz fails when this many of the validator's own slots passed without a round",
    schema: zInt(1, 10_000),
    default: 3,
  },
});

export interface ValidatorMetricsOptions {
  /** /healthz fails after this many blocks' time without a new block... */
  healthBlocks: number;
  /** ... or after this many of the validator's own slots without a round. */
  healthSlots: number;
  /** Never stuck on blocks sooner than this (default 30 s). */
  healthMinMs?: number;
  registry?: Registry;
  /** Wall clock, ms (tests). */
  now?: () => number;
}

/** The validator's own slots that ended after `from` and by `head`, up to `limit` (no permit: none). Pure. */
export function missedSlots(neurons: readonly Neuron[], hotkey: string, from: number, head: number, slotBlocks: number, limit: number): number[] {
  const ended: number[] = [];
  let block = from;
  while (ended.length < limit) {
    const slot = nextSlotOf(neurons, hotkey, block, slotBlocks);
    if (!slot || slot.endBlock > head) break;
    ended.push(slot.startBlock);
    block = slot.endBlock;
  }
  return ended;
}

/** `Pallet.Error` named in a chain error's message (SubtensorModule.SettingWeightsTooFast), if any. */
const chainErrorName = (message: string): string | undefined => /\b([A-Z][A-Za-z0-9]*\.[A-Z][A-Za-z0-9]*)\b/.exec(message)?.[1];

export class ValidatorMetrics {
  readonly registry: Registry;
  private readonly now: () => number;
  private readonly clock: BlockClock;
  private readonly reasons = new BoundedLabel();
  private readonly chainErrors = new BoundedLabel(32);
  private validator: Validator | undefined;
  private ledger = new MinerLedger();
  private lastRound: { round: number; block: number } | undefined;
  private startBlock: number | undefined;
  private lastWeights: { block: number; uids: number[]; values: number[] } | undefined;
  private refreshedAt: number | undefined;
  private tempo: number | undefined;

  private readonly rounds: Counter;
  private readonly verdicts: Counter<'verdict' | 'reason'>;
  private readonly roundGauges: { round: Gauge; block: Gauge; time: Gauge; miners: Gauge<'verdict'> };
  private readonly miner: { tflops: Gauge<'uid' | 'hotkey' | 'class'>; score: Gauge<'uid' | 'hotkey'>; verified: Gauge<'uid' | 'hotkey'>; weight: Gauge<'uid' | 'hotkey'> };
  private readonly capacity: Gauge<'class'>;
  private readonly verifiedMiners: Gauge;
  private readonly weightsDone: Counter<'action'>;
  private readonly weightsFailed: Counter<'code' | 'chain_error'>;
  private readonly weightsLastFailure: Gauge<'code' | 'chain_error'>;
  private readonly lastWeightsBlock: Gauge;
  private readonly head: Gauge;
  private readonly self: { uid: Gauge; permit: Gauge; stake: Gauge; vtrust: Gauge; dividends: Gauge };

  constructor(private readonly o: ValidatorMetricsOptions) {
    this.registry = o.registry ?? createRegistry();
    this.now = o.now ?? Date.now;
    this.clock = new BlockClock(this.now());
    const registers = [this.registry];
    const self = this;
    this.rounds = new Counter({ name: 'flopnet_validator_rounds_total', help: 'Rounds recorded', registers });
    this.verdicts = new Counter({ name: 'flopnet_validator_verdicts_total', help: 'Challenge results by verdict and reason', labelNames: ['verdict', 'reason'], registers });
    this.roundGauges = {
      round: new Gauge({ name: 'flopnet_validator_last_round', help: 'Number of the last recorded round', registers }),
      block: new Gauge({ name: 'flopnet_validator_last_round_block', help: 'Block the last round ran at', registers }),
      time: new Gauge({ name: 'flopnet_validator_last_round_timestamp_seconds', help: 'When the last round was recorded (Unix time)', registers }),
      miners: new Gauge({ name: 'flopnet_validator_last_round_miners', help: 'Miners of the last round by verdict', labelNames: ['verdict'], registers }),
    };
    this.miner = {
      tflops: new Gauge({ name: 'flopnet_validator_miner_tflops', help: "Credited TFLOPS of each miner's latest verified result per class", labelNames: ['uid', 'hotkey', 'class'], registers }),
      score: new Gauge({ name: 'flopnet_validator_miner_score', help: "Each miner's score (what its weight is made of)", labelNames: ['uid', 'hotkey'], registers }),
      verified: new Gauge({ name: 'flopnet_validator_miner_verified', help: "1 when the miner's latest result verified (its capacity counts)", labelNames: ['uid', 'hotkey'], registers }),
      weight: new Gauge({ name: 'flopnet_validator_miner_weight', help: 'Weight of each miner in the last weights set or committed (fraction of 1)', labelNames: ['uid', 'hotkey'], registers }),
    };
    this.capacity = new Gauge({ name: 'flopnet_validator_capacity_tflops', help: 'Verified capacity per class: the sum over miners whose latest result verified', labelNames: ['class'], registers });
    this.verifiedMiners = new Gauge({ name: 'flopnet_validator_verified_miners', help: 'Miners whose latest result verified', registers });
    this.weightsDone = new Counter({ name: 'flopnet_validator_weights_total', help: 'Weight submissions included on chain, by kind (set, committed, revealed)', labelNames: ['action'], registers });
    this.weightsFailed = new Counter({ name: 'flopnet_validator_weights_failed_total', help: "Weight submissions that failed, by flopnet code and the chain's error name", labelNames: ['code', 'chain_error'], registers });
    this.weightsLastFailure = new Gauge({
      name: 'flopnet_validator_weights_last_failure_info',
      help: 'The last weight submission failure (1), cleared by the next success',
      labelNames: ['code', 'chain_error'],
      registers,
    });
    this.lastWeightsBlock = new Gauge({ name: 'flopnet_validator_last_weights_block', help: "Block of the validator's last weights on chain (the metagraph's last_update, or a later inclusion)", registers });
    this.head = new Gauge({ name: 'flopnet_validator_block', help: 'Newest block the validator has heard of', registers });
    new Gauge({
      name: 'flopnet_validator_block_age_seconds',
      help: 'Seconds since the last new block arrived',
      registers,
      collect() {
        this.set(self.clock.ageMs(self.now()) / 1000);
      },
    });
    new Gauge({
      name: 'flopnet_validator_metagraph_block',
      help: 'Block of the metagraph the validator works from',
      registers,
      collect() {
        if (self.validator) this.set(self.validator.metagraph.block);
      },
    });
    new Gauge({
      name: 'flopnet_validator_blocks_behind',
      help: 'Blocks between the chain head and the metagraph the validator works from',
      registers,
      collect() {
        if (self.validator && self.clock.block !== undefined) this.set(Math.max(0, self.clock.block - self.validator.metagraph.block));
      },
    });
    new Gauge({
      name: 'flopnet_validator_blocks_since_weights',
      help: "Blocks since the validator's last weights on chain (alert when over 2 × flopnet_validator_tempo_blocks)",
      registers,
      collect() {
        const last = self.weightsBlock();
        if (last !== undefined && self.clock.block !== undefined) this.set(Math.max(0, self.clock.block - last));
      },
    });
    new Gauge({
      name: 'flopnet_validator_tempo_blocks',
      help: "The subnet's tempo (blocks per epoch) as last read from chain",
      registers,
      collect() {
        self.tempo = self.validator?.tempo ?? self.tempo;
        if (self.tempo !== undefined) this.set(self.tempo);
      },
    });
    this.self = {
      uid: new Gauge({ name: 'flopnet_validator_uid', help: "The validator's uid", registers }),
      permit: new Gauge({ name: 'flopnet_validator_permit', help: '1 while the validator holds a validator permit', registers }),
      stake: new Gauge({ name: 'flopnet_validator_stake_rao', help: "The validator's stake on the subnet, rao", registers }),
      vtrust: new Gauge({ name: 'flopnet_validator_vtrust', help: "The validator's validator trust at the last epoch (0..1)", registers }),
      dividends: new Gauge({ name: 'flopnet_validator_dividends', help: "The validator's dividends at the last epoch (0..1)", registers }),
    };
    this.rounds.inc(0);
  }

  /** The hooks to pass to Validator.start. */
  hooks(): { onRound: (round: RoundSummary) => void; onWeights: (outcome: WeightOutcome) => void; onBlock: (block: number) => void } {
    return { onRound: (r) => this.round(r), onWeights: (w) => this.weights(w), onBlock: (b) => this.block(b) };
  }

  /** Starts reading the validator's metagraph and database: every miner's standing from its capacity report. */
  attach(validator: Validator): void {
    this.validator = validator;
    this.ledger = MinerLedger.ofStore(validator.store, { netuid: validator.netuid, hotkey: validator.hotkey });
    this.startBlock = validator.metagraph.block;
    this.refresh();
  }

  round(summary: RoundSummary): void {
    this.rounds.inc();
    this.lastRound = { round: summary.round, block: summary.block };
    this.roundGauges.round.set(summary.round);
    this.roundGauges.block.set(summary.block);
    this.roundGauges.time.set(this.now() / 1000);
    for (const verdict of VERDICTS) this.roundGauges.miners.set({ verdict }, summary.results.filter((r) => r.verdict === verdict).length);
    for (const r of summary.results) this.verdicts.inc({ verdict: r.verdict, reason: this.reasons.value(r.reason) });
    this.ledger.apply(summary.round, summary.results);
    this.refresh();
  }

  weights(outcome: WeightOutcome): void {
    if (outcome.action === 'waiting') return;
    if (outcome.action === 'failed') {
      const labels = { code: this.reasons.value(outcome.code), chain_error: this.chainErrors.value(chainErrorName(outcome.error) ?? 'none') };
      this.weightsFailed.inc(labels);
      this.weightsLastFailure.reset();
      this.weightsLastFailure.set(labels, 1);
      return;
    }
    this.weightsDone.inc({ action: outcome.action });
    this.weightsLastFailure.reset();
    this.lastWeights = { block: outcome.block, uids: outcome.uids, values: outcome.values };
    this.refresh();
  }

  block(block: number): void {
    this.clock.observe(block, this.now());
    this.head.set(this.clock.block ?? block);
    // Miners that left the metagraph lose their series without waiting for a round.
    if (this.validator && this.validator.metagraph.block !== this.refreshedAt) this.refresh();
  }

  health(): Health {
    const checks: HealthCheck[] = [blockCheck(this.clock, { blocks: this.o.healthBlocks, minMs: this.o.healthMinMs ?? 30_000 })];
    if (this.validator) checks.push(this.roundCheck(this.validator));
    return evaluate(checks, this.now());
  }

  serve(o: { host: string; port: number; log?: Logger }): Promise<ReadOnlyServer> {
    return serveMetrics({ ...o, registry: this.registry, health: () => this.health() });
  }

  /** The validator's last weights on chain: its metagraph entry, or an inclusion the metagraph does not show yet. */
  private weightsBlock(): number | undefined {
    const onChain = this.validator?.metagraph.neurons.find((n) => n.hotkey === this.validator!.hotkey);
    const blocks = [onChain && onChain.lastUpdate > onChain.blockAtRegistration ? onChain.lastUpdate : undefined, this.lastWeights?.block].filter((b): b is number => b !== undefined);
    return blocks.length ? Math.max(...blocks) : undefined;
  }

  private roundCheck(validator: Validator): HealthCheck {
    const limit = this.o.healthSlots;
    const slotBlocks = validator.incentives.slotBlocks;
    const missed = (): number[] => {
      const head = Math.max(this.clock.block ?? 0, validator.metagraph.block);
      // After a round, from the end of its slot; before the first, from where the validator started.
      const from = this.lastRound ? (Math.floor(this.lastRound.block / slotBlocks) + 1) * slotBlocks : (this.startBlock ?? head);
      return missedSlots(validator.metagraph.neurons, validator.hotkey, from, head, slotBlocks, limit);
    };
    const last = (): string => (this.lastRound ? `last round ${this.lastRound.round} at block ${this.lastRound.block}` : 'no round since start');
    return {
      name: 'rounds',
      stuck: () => {
        const slots = missed();
        return slots.length < limit ? undefined : `no round in ${limit} of its slots (slots starting at blocks ${slots.join(', ')}); ${last()}`;
      },
      describe: () => {
        const self = validator.metagraph.neurons.find((n) => n.hotkey === validator.hotkey);
        return `${last()}${self?.validatorPermit ? '' : '; no validator permit, so no slots'}`;
      },
    };
  }

  /** Rebuilds the per-miner and capacity series from the metagraph, the scores and the ledger. */
  private refresh(): void {
    const v = this.validator;
    if (!v) return;
    const metagraph = v.metagraph;
    this.refreshedAt = metagraph.block;
    const me = metagraph.neurons.find((n) => n.hotkey === v.hotkey);
    if (me) {
      this.self.uid.set(me.uid);
      this.self.permit.set(me.validatorPermit ? 1 : 0);
      this.self.stake.set(Number(me.stake));
      this.self.vtrust.set(me.validatorTrust);
      this.self.dividends.set(me.dividends);
    }
    const lastWeights = this.weightsBlock();
    if (lastWeights !== undefined) this.lastWeightsBlock.set(lastWeights);

    const scores = v.store.loadScores();
    const members = new Map(metagraph.neurons.filter((n) => scores.has(n.hotkey)).map((n) => [n.hotkey, n.uid]));
    const standings = this.ledger.standings(members);
    for (const g of [this.miner.tflops, this.miner.score, this.miner.verified, this.miner.weight, this.capacity]) g.reset();
    for (const [hotkey, uid] of members) this.miner.score.set({ uid: String(uid), hotkey }, scores.get(hotkey)!.score);
    for (const m of standings) {
      const labels = { uid: String(m.uid), hotkey: m.hotkey };
      this.miner.verified.set(labels, m.lastVerdict === 'verified' ? 1 : 0);
      for (const [cls, tflops] of Object.entries(m.tflops)) this.miner.tflops.set({ ...labels, class: cls }, tflops);
    }
    const { totals, verifiedMiners } = MinerLedger.totals(standings);
    for (const [cls, tflops] of Object.entries(totals)) this.capacity.set({ class: cls }, tflops);
    this.verifiedMiners.set(verifiedMiners);
    if (this.lastWeights) {
      const total = this.lastWeights.values.reduce((a, b) => a + b, 0);
      const byUid = new Map(metagraph.neurons.map((n) => [n.uid, n.hotkey]));
      this.lastWeights.uids.forEach((uid, i) => {
        const hotkey = byUid.get(uid);
        if (hotkey !== undefined && total > 0) this.miner.weight.set({ uid: String(uid), hotkey }, this.lastWeights!.values[i]! / total);
      });
    }
  }
}
