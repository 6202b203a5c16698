/**
 * One device in one validator round, at the protocol level: the validator has drawn the round's class
 * (round.ts drawClass) and sizes each hotkey's challenge (sizing.ts) from what it measured before; the device
 * works through the GEMMs with the reference miner's stop rule and margin, sharing one window between
 * the hotkeys it serves as the miner's queue does (docs/protocol.md §12 rule 4); the root is timed as
 * the validator times it (measuredSeconds) and credited as it credits it (creditedTflops); a cheat
 * passes with the probability docs/protocol.md §9 gives for that challenge's shape.
 *
 * Only the GEMMs themselves are not computed: a device of T TFLOP/s takes 2·n²·k / T per GEMM.
 */
import { challengeFlops } from '../shared/challenge/challenge.js';
import { sizeChallenge, type RandomUnit, type SizingInput } from '../shared/challenge/sizing.js';
import { PRECISIONS, type Precision } from '../shared/challenge/types.js';
import { replyMarginMs } from '../miner/handlers/challenge.js';
import type { Incentives } from '../validator/incentives.js';
import type { ChallengeResult } from '../validator/result.js';
import { creditedTflops, measuredSeconds } from '../validator/round.js';
import { cheapestRate } from './devices.js';
import { cheapPrecisionPass, FP16_ACCUMULATION_RHO, inventedRowsPass, roundedInputsRho } from './detection.js';
import type { MinerGroup } from './population.js';

/** One hotkey of the simulated subnet. */
export interface SimHotkey {
  uid: number;
  hotkey: string;
  /** Its place among the subnet's miner hotkeys, where the validators keep their state of it. */
  index: number;
}

/** One physical device: a population group's member, serving one or more hotkeys. */
export interface SimDevice {
  group: MinerGroup;
  hotkeys: readonly SimHotkey[];
  /** deviceRate at each class, by its place in PRECISIONS. */
  rates: readonly number[];
}

export interface RoundContext {
  round: number;
  /** The class the validator drew for the round (round.ts drawClass): every miner is asked it. */
  precision: Precision;
  /** Its place in PRECISIONS. */
  slot: number;
  incentives: Incentives;
  /** The validator's last measured pace per hotkey and class (the store's throughput table). */
  paces: PaceTable;
  random: RandomUnit;
  /**
   * The round's sizing input (class, window, start pace, random source), whose memory and pace
   * deviceRound sets for each miner it sizes: one object per round rather than one per miner.
   */
  sizing: SizingInput;
}

export function roundContext(round: number, precision: Precision, incentives: Incentives, paces: PaceTable, random: RandomUnit): RoundContext {
  const sizing: SizingInput = {
    precision,
    memoryBytes: 0,
    windowSeconds: incentives.challengeSeconds,
    startFlopsPerSecond: incentives.startTflops * 1e12,
    tflops: undefined,
    random,
  };
  return { round, precision, slot: PRECISIONS.indexOf(precision), incentives, paces, random, sizing };
}

/**
 * A validator's last measured pace per miner hotkey and class, TFLOP/s (the store's throughput
 * table), by the hotkey's index: one array rather than a map per hotkey, because every round reads
 * and writes it for every miner.
 */
export class PaceTable {
  private readonly tflops: Float64Array;

  constructor(hotkeys: number) {
    this.tflops = new Float64Array(hotkeys * PRECISIONS.length).fill(Number.NaN);
  }

  /** At the class in `slot` of PRECISIONS; undefined: never measured at that class. */
  get(index: number, slot: number): number | undefined {
    const tflops = this.tflops[index * PRECISIONS.length + slot]!;
    return Number.isNaN(tflops) ? undefined : tflops;
  }

  set(index: number, slot: number, tflops: number): void {
    this.tflops[index * PRECISIONS.length + slot] = tflops;
  }
}

/** What a precision downgrade uses instead: the cheaper class (its units' rate) and its mantissa bits. */
const DOWNGRADE: Readonly<Record<Precision, { cheaper?: Precision; bits?: number }>> = {
  fp64: { cheaper: 'fp32', bits: 23 },
  fp32: { cheaper: 'tf32', bits: 10 },
  tf32: { cheaper: 'bf16', bits: 7 },
  bf16: { cheaper: 'fp8', bits: 3 },
  fp16: { cheaper: 'fp8', bits: 3 },
  // No cheaper inputs than fp8: accumulating in fp16 is the cheat left (§9.2).
  fp8: {},
};

const downgrades = (group: MinerGroup, precision: Precision) => group.strategy.kind === 'downgrade' && group.strategy.classes.includes(precision);

const rates = new WeakMap<MinerGroup, Map<Precision, number>>();

/** FLOP/s the device runs a class at under its strategy; 0 when it declines the class. Cached per group. */
export function deviceRate(group: MinerGroup, precision: Precision): number {
  let byClass = rates.get(group);
  if (!byClass) rates.set(group, (byClass = new Map()));
  let rate = byClass.get(precision);
  if (rate === undefined) byClass.set(precision, (rate = rateOf(group, precision)));
  return rate;
}

function rateOf(group: MinerGroup, precision: Precision): number {
  const s = group.strategy;
  const native = group.device.native[precision] ?? 0;
  let tflops: number;
  if (s.kind === 'colluder') tflops = 0;
  else if (s.kind === 'emulation') tflops = cheapestRate(group.device, precision)?.tflops ?? 0;
  else if (s.kind === 'hide' && s.classes.includes(precision)) tflops = 0;
  else if (s.kind === 'lazy') tflops = native / (1 - Math.min(s.fraction, 0.999));
  else if (downgrades(group, precision) && native > 0) tflops = Math.max(native, group.device.native[DOWNGRADE[precision].cheaper ?? precision] ?? 0);
  else tflops = native;
  return tflops * group.efficiency * 1e12;
}

/** Probability that a round of `gemms` GEMMs of n×n×k passes verification, for the group's strategy. */
export function passProbability(group: MinerGroup, precision: Precision, gemms: number, n: number, k: number): number {
  const s = group.strategy;
  if (s.kind === 'lazy') {
    const rows = gemms * n;
    return inventedRowsPass(rows, Math.round(s.fraction * rows));
  }
  if (downgrades(group, precision)) {
    const { bits } = DOWNGRADE[precision];
    return cheapPrecisionPass(precision, bits === undefined ? FP16_ACCUMULATION_RHO : roundedInputsRho(precision, bits, k), k);
  }
  return 1;
}

/** A result with every field present, so all results share one shape (this is the hot path). */
function result(round: number, h: SimHotkey, precision: Precision, verdict: ChallengeResult['verdict'], reason: string): ChallengeResult {
  return {
    round, uid: h.uid, hotkey: h.hotkey, precision, challenge: undefined, gemms: undefined, seconds: undefined, rttMs: undefined,
    windowSeconds: undefined, sizedTflops: undefined, tflops: 0, verdict, reason,
  };
}

/**
 * One round on the device: a result for every hotkey it serves, appended to `out` in its hotkeys'
 * order.
 */
export function deviceRound(device: SimDevice, ctx: RoundContext, out: ChallengeResult[]): void {
  const { group } = device;
  const { incentives, random, round, precision } = ctx;
  const strategy = group.strategy;
  const windowSeconds = incentives.challengeSeconds;
  const stopAt = windowSeconds - replyMarginMs(windowSeconds * 1000) / 1000;
  const rate = device.rates[ctx.slot]!;
  const first = out.length;
  let running = 0;
  // Results whose root the network loses (rare: only flaky devices drop).
  let lost: Set<ChallengeResult> | undefined;

  for (const h of device.hotkeys) {
    if (strategy.kind === 'colluder') {
      out.push(result(round, h, precision, 'unreachable', 'E_CONNECT'));
      continue;
    }
    let dropped = false;
    if (strategy.kind === 'flaky' && random() < strategy.dropRate) {
      // Half the drops lose the connection before the challenge, half lose the root after it.
      if (random() < 0.5) {
        out.push(result(round, h, precision, 'unreachable', 'E_CONNECT'));
        continue;
      }
      dropped = true;
    }
    if (rate <= 0) {
      out.push(result(round, h, precision, 'no_answer', 'unsupported_class'));
      continue;
    }
    ctx.sizing.memoryBytes = group.device.memoryBytes;
    ctx.sizing.tflops = ctx.paces.get(h.index, ctx.slot);
    const size = sizeChallenge(ctx.sizing);
    const r = result(round, h, precision, 'no_answer', 'E_CLOSED');
    r.challenge = { precision, m: size.m, n: size.n, k: size.k };
    r.rttMs = group.rttMs;
    r.windowSeconds = windowSeconds;
    r.sizedTflops = size.flopsPerSecond / 1e12;
    out.push(r);
    running++;
    if (dropped) (lost ??= new Set()).add(r);
  }

  // The challenges arrive together; each runs in turn until its share of what is left of the window
  // (less the reply margin) is used, and the first GEMM always runs.
  let clock = 0;
  let done = 0;
  for (let i = first; i < out.length; i++) {
    const r = out[i]!;
    if (!r.challenge) continue;
    const { m, n, k } = r.challenge;
    const budget = (stopAt - clock) / (running - done++);
    const gemmSeconds = (2 * n * n * k) / rate;
    const gemms = Math.min(m, Math.max(1, Math.floor(budget / gemmSeconds)));
    clock += gemms * gemmSeconds;
    // A lost root stays a no answer (E_CLOSED): the device worked, the validator never heard.
    if (lost?.has(r)) continue;
    const stalled = strategy.kind === 'late' && random() < strategy.rate;
    const seconds = measuredSeconds((stalled ? clock + windowSeconds : clock) * 1000 + group.rttMs, group.rttMs, windowSeconds * 1000);
    r.seconds = seconds;
    if (seconds > windowSeconds) {
      r.reason = 'late';
      continue;
    }
    r.gemms = gemms;
    if (random() < passProbability(group, precision, gemms, n, k)) {
      r.tflops = creditedTflops(challengeFlops({ m: gemms, n, k }), windowSeconds);
      r.verdict = 'verified';
      r.reason = 'ok';
    } else {
      r.verdict = 'failed';
      r.reason = 'out_of_tolerance';
    }
  }
}
