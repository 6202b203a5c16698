/**
 * The miner's Prometheus metrics and health check (`flopnet miner --metrics.port`), fed by what the
 * miner already reports: each request's outcome from the pipeline, each challenge's event from its
 * handler, the blocks and metagraph it follows, and the capacity commitments validators publish.
 *
 * Labels are bounded: `hotkey` takes the hotkeys this process serves, `class` the protocol's precision
 * classes, `code`/`reason` the protocol's reason codes (shared/metrics/labels.ts), `validator_uid` the
 * validators with a permit whose commitments name this miner, replaced at each read.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ChainClient } from '../shared/chain/client.js';
import type { MetagraphSync } from '../shared/chain/metagraph.js';
import type { Metagraph } from '../shared/chain/types.js';
import { subnetCapacity, type ValidatorCapacity } from '../shared/capacity/consensus.js';
import { countedCommitments } from '../shared/commands/capacity.js';
import { challengeFlops } from '../shared/challenge/challenge.js';
import { describeError } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/log.js';
import { BlockClock, blockCheck, evaluate, type Health } from '../shared/metrics/health.js';
import { BoundedLabel } from '../shared/metrics/labels.js';
import type { ReadOnlyServer } from '../shared/metrics/http.js';
import { createRegistry, serveMetrics } from '../shared/metrics/server.js';
import type { ChallengeEvent } from './handlers/challenge.js';
import type { MinerStats } from './miner.js';
import type { Outcome } from './pipeline.js';

/** The window the device busy fraction is averaged over. */
export const BUSY_WINDOW_MS = 5 * 60_000;
/** Blocks between two reads of the validators' capacity commitments (they change once per epoch). */
export const CREDIT_READ_BLOCKS = 25;

export interface MinerMetricsOptions {
  /** The hotkeys this process serves. */
  hotkeys: readonly string[];
  /** /healthz fails after this many blocks' time without a new block. */
  healthBlocks: number;
  /** ... and never sooner than this (default 30 s). */
  healthMinMs?: number;
  registry?: Registry;
  /** Wall clock, ms (tests). */
  now?: () => number;
}

export class MinerMetrics {
  readonly registry: Registry;
  private readonly now: () => number;
  private readonly clock: BlockClock;
  private readonly codes = new BoundedLabel();
  private readonly busy: Array<{ end: number; ms: number }> = [];
  private readonly startedAt: number;
  private stats: () => MinerStats[] = () => [];

  private readonly requests: Counter<'hotkey' | 'op' | 'code'>;
  private readonly received: Counter<'hotkey'>;
  private readonly answered: Counter<'hotkey' | 'class'>;
  private readonly refused: Counter<'hotkey' | 'reason'>;
  private readonly gemms: Counter<'hotkey' | 'class'>;
  private readonly flops: Counter<'hotkey' | 'class'>;
  private readonly windowTflops: Gauge<'hotkey' | 'class'>;
  private readonly deviceTflops: Gauge<'class'>;
  private readonly busySeconds: Counter;
  private readonly lastChallenge: Gauge<'hotkey'>;
  private readonly head: Gauge;
  private readonly chain: { registered: Gauge<'hotkey'>; uid: Gauge<'hotkey'>; incentive: Gauge<'hotkey'>; emission: Gauge<'hotkey'>; metagraphBlock: Gauge };
  private readonly credited: Gauge<'hotkey' | 'validator_uid' | 'class'>;
  private readonly consensus: Gauge<'hotkey' | 'class'>;

  constructor(private readonly o: MinerMetricsOptions) {
    this.registry = o.registry ?? createRegistry();
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
    this.clock = new BlockClock(this.startedAt);
    const registers = [this.registry];
    const self = this;
    this.requests = new Counter({ name: 'flopnet_miner_requests_total', help: 'Requests by operation and outcome (ok or the reason code of the refusal)', labelNames: ['hotkey', 'op', 'code'], registers });
    this.received = new Counter({ name: 'flopnet_miner_challenges_received_total', help: 'Challenge requests received (decoded as challenges), answered or not', labelNames: ['hotkey'], registers });
    this.answered = new Counter({ name: 'flopnet_miner_challenges_answered_total', help: 'Challenges answered with a commitment, by precision class', labelNames: ['hotkey', 'class'], registers });
    this.refused = new Counter({ name: 'flopnet_miner_challenges_refused_total', help: 'Challenges refused or failed, by reason code', labelNames: ['hotkey', 'reason'], registers });
    this.gemms = new Counter({ name: 'flopnet_miner_gemms_committed_total', help: 'GEMMs committed to in answered challenges', labelNames: ['hotkey', 'class'], registers });
    this.flops = new Counter({ name: 'flopnet_miner_flops_committed_total', help: 'Work committed in answered challenges (2·gemms·n·n·k), FLOPs', labelNames: ['hotkey', 'class'], registers });
    this.windowTflops = new Gauge({
      name: 'flopnet_miner_window_tflops',
      help: 'Last answered challenge per class: the work committed over its window, TFLOPS (what a validator credits when the proof verifies)',
      labelNames: ['hotkey', 'class'],
      registers,
    });
    this.deviceTflops = new Gauge({ name: 'flopnet_miner_device_tflops', help: "Last answered challenge per class: its GEMMs' FLOPs over the device's GEMM time, TFLOPS", labelNames: ['class'], registers });
    this.busySeconds = new Counter({ name: 'flopnet_miner_device_busy_seconds_total', help: 'Seconds the device spent on challenges (generate, GEMM, hash); rate() is the busy fraction', registers });
    new Gauge({
      name: 'flopnet_miner_device_busy_ratio',
      help: `Fraction of the last ${BUSY_WINDOW_MS / 60_000} minutes the device spent on challenges`,
      registers,
      collect() {
        this.set(self.busyRatio());
      },
    });
    new Gauge({
      name: 'flopnet_miner_queue_length',
      help: 'Challenges waiting for the device',
      registers,
      collect() {
        this.set(self.stats()[0]?.queued ?? 0);
      },
    });
    new Gauge({
      name: 'flopnet_miner_device_running',
      help: '1 while a challenge runs on the device',
      registers,
      collect() {
        this.set(self.stats().some((s) => s.running !== undefined) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'flopnet_miner_connections',
      help: 'Open validator connections per served hotkey',
      labelNames: ['hotkey'],
      registers,
      collect() {
        for (const s of self.stats()) this.set({ hotkey: s.hotkey }, s.connections);
      },
    });
    new Gauge({
      name: 'flopnet_miner_held_results',
      help: 'Challenges whose results wait for their openings',
      labelNames: ['hotkey'],
      registers,
      collect() {
        for (const s of self.stats()) this.set({ hotkey: s.hotkey }, s.held);
      },
    });
    this.lastChallenge = new Gauge({ name: 'flopnet_miner_last_challenge_timestamp_seconds', help: 'When the last challenge was answered (Unix time)', labelNames: ['hotkey'], registers });
    this.head = new Gauge({ name: 'flopnet_miner_block', help: 'Newest block the miner has heard of', registers });
    new Gauge({
      name: 'flopnet_miner_block_age_seconds',
      help: 'Seconds since the last new block arrived',
      registers,
      collect() {
        this.set(self.clock.ageMs(self.now()) / 1000);
      },
    });
    this.chain = {
      metagraphBlock: new Gauge({ name: 'flopnet_miner_metagraph_block', help: 'Block of the metagraph the miner admits validators by', registers }),
      registered: new Gauge({ name: 'flopnet_miner_registered', help: '1 while the served hotkey is registered on the subnet', labelNames: ['hotkey'], registers }),
      uid: new Gauge({ name: 'flopnet_miner_uid', help: "The served hotkey's uid", labelNames: ['hotkey'], registers }),
      incentive: new Gauge({ name: 'flopnet_miner_incentive', help: "The served hotkey's incentive at the last epoch (0..1)", labelNames: ['hotkey'], registers }),
      emission: new Gauge({ name: 'flopnet_miner_emission_rao', help: "The served hotkey's emission at the last epoch, rao", labelNames: ['hotkey'], registers }),
    };
    this.credited = new Gauge({
      name: 'flopnet_miner_credited_tflops',
      help: "Verified TFLOPS per class that a validator with a permit last published for this miner (its capacity commitment's per-miner figures)",
      labelNames: ['hotkey', 'validator_uid', 'class'],
      registers,
    });
    this.consensus = new Gauge({
      name: 'flopnet_miner_credited_consensus_tflops',
      help: "Stake-weighted median over those validators of this miner's verified TFLOPS per class",
      labelNames: ['hotkey', 'class'],
      registers,
    });
    for (const hotkey of o.hotkeys) this.received.inc({ hotkey }, 0);
  }

  /** Where the per-hotkey live counts (queue, connections, held results) are read at each scrape. */
  setStats(stats: () => MinerStats[]): void {
    this.stats = stats;
  }

  /** The hooks to pass to Miner.start for one served hotkey. */
  hooks(hotkey: string): { onOutcome: (outcome: Outcome) => void; onChallenge: (event: ChallengeEvent) => void } {
    return { onOutcome: (outcome) => this.outcome(hotkey, outcome), onChallenge: (event) => this.challenge(hotkey, event) };
  }

  outcome(hotkey: string, outcome: Outcome): void {
    const code = this.codes.value(outcome.code);
    this.requests.inc({ hotkey, op: outcome.op ?? 'none', code });
    if (outcome.op !== 'challenge') return;
    this.received.inc({ hotkey });
    if (outcome.code !== 'ok') this.refused.inc({ hotkey, reason: code });
  }

  challenge(hotkey: string, event: ChallengeEvent): void {
    const x = event.execution;
    if (event.error || !x) return;
    const labels = { hotkey, class: event.precision };
    const flops = challengeFlops({ m: Math.min(event.m, x.gemms), n: event.n, k: event.k });
    this.answered.inc(labels);
    this.gemms.inc(labels, x.gemms);
    this.flops.inc(labels, flops);
    if (event.deadlineMs > 0) this.windowTflops.set(labels, flops / (event.deadlineMs / 1000) / 1e12);
    if (x.timings.gemmMs > 0) this.deviceTflops.set({ class: event.precision }, flops / (x.timings.gemmMs / 1000) / 1e12);
    const busyMs = x.timings.generateMs + x.timings.gemmMs + x.timings.hashMs;
    this.busySeconds.inc(busyMs / 1000);
    const now = this.now();
    this.busy.push({ end: now, ms: busyMs });
    this.lastChallenge.set({ hotkey }, now / 1000);
  }

  block(block: number): void {
    this.clock.observe(block, this.now());
    this.head.set(this.clock.block ?? block);
  }

  metagraph(m: Metagraph): void {
    this.chain.metagraphBlock.set(m.block);
    for (const hotkey of this.o.hotkeys) {
      const n = m.neurons.find((x) => x.hotkey === hotkey);
      this.chain.registered.set({ hotkey }, n ? 1 : 0);
      if (n) {
        this.chain.uid.set({ hotkey }, n.uid);
        this.chain.incentive.set({ hotkey }, n.incentive);
        this.chain.emission.set({ hotkey }, Number(n.emission));
      } else {
        for (const g of [this.chain.uid, this.chain.incentive, this.chain.emission]) g.remove({ hotkey });
      }
    }
  }

  /** The counted capacity commitments (validators with a permit); the figures naming our uids replace the last ones. */
  credits(validators: readonly ValidatorCapacity[], uids: ReadonlyMap<string, number>): void {
    this.credited.reset();
    this.consensus.reset();
    const consensus = subnetCapacity(validators).miners;
    for (const [hotkey, uid] of uids) {
      for (const v of validators) {
        for (const [cls, tflops] of Object.entries(v.commitment.miners?.get(uid) ?? {})) this.credited.set({ hotkey, validator_uid: String(v.uid), class: cls }, tflops);
      }
      for (const [cls, tflops] of Object.entries(consensus.find((m) => m.uid === uid)?.tflops ?? {})) this.consensus.set({ hotkey, class: cls }, tflops);
    }
  }

  /**
   * Follows the metagraph for the chain gauges, and every CREDIT_READ_BLOCKS blocks reads the
   * validators' capacity commitments for the credited TFLOPS. Returns the function that stops it.
   */
  follow(sync: MetagraphSync, client: ChainClient, netuid: number, log: Logger = silentLogger): () => void {
    let lastRead = -Infinity;
    let reading = false;
    const onUpdate = (m: Metagraph): void => {
      this.metagraph(m);
      if (reading || m.block - lastRead < CREDIT_READ_BLOCKS) return;
      reading = true;
      lastRead = m.block;
      client
        .getCommitments({ netuid })
        .then((commitments) => {
          const uids = new Map(m.neurons.filter((n) => this.o.hotkeys.includes(n.hotkey)).map((n) => [n.hotkey, n.uid]));
          this.credits(countedCommitments(m, commitments).counted, uids);
        })
        .catch((error: unknown) => log.debug('reading capacity commitments failed; retrying later', { error: describeError(error) }))
        .finally(() => (reading = false));
    };
    sync.on('update', onUpdate);
    if (sync.metagraph) onUpdate(sync.metagraph);
    return () => sync.off('update', onUpdate);
  }

  health(): Health {
    return evaluate([blockCheck(this.clock, { blocks: this.o.healthBlocks, minMs: this.o.healthMinMs ?? 30_000 })], this.now());
  }

  serve(o: { host: string; port: number; log?: Logger }): Promise<ReadOnlyServer> {
    return serveMetrics({ ...o, registry: this.registry, health: () => this.health() });
  }

  /** Device time spent on challenges within the last BUSY_WINDOW_MS (or since start), as a fraction. */
  private busyRatio(): number {
    const now = this.now();
    const from = Math.max(now - BUSY_WINDOW_MS, this.startedAt);
    while (this.busy.length && this.busy[0]!.end <= from) this.busy.shift();
    const ms = this.busy.reduce((sum, b) => sum + Math.max(0, b.end - Math.max(b.end - b.ms, from)), 0);
    return now > from ? Math.min(1, ms / (now - from)) : 0;
  }
}
