/**
 * One round, with every input explicit: ask each serving miner for its device, measure the round trip,
 * send every miner its challenge at the same moment and with the same window, time each root on the
 * validator's clock minus the measured round trip, then request openings and verify them. Every miner
 * gets a result with its reason.
 *
 * A miner is credited the work it committed divided by the window. All windows of a round open and
 * close together, so a device behind several hotkeys does all their work in one window: together they
 * are credited at most what the device does, however it splits its time between them.
 *
 * Openings are requested only after all roots are in, so verification work never delays the timing of
 * another miner's root.
 *
 * A miner that declines with a signed "busy" while this validator does not own the slot is excused:
 * it served the slot's owner, as the protocol asks, and the round says nothing about it.
 */
import { challengeFlops, committedPart, createChallenge } from '../shared/challenge/challenge.js';
import { cryptoRandomInt, pickRows, type RandomInt } from '../shared/challenge/openings.js';
import { cryptoRandomUnit, sizeChallenge, type RandomUnit } from '../shared/challenge/sizing.js';
import type { Challenge, DeviceInfo, OpeningRequest, Precision } from '../shared/challenge/types.js';
import type { Op } from '../shared/protocol/messages.js';
import { verifyOpenings } from '../shared/challenge/verify.js';
import { silentLogger, type Logger } from '../shared/log.js';
import type { AxonTarget, CallFailure, CallResult, Dendrite } from './dendrite.js';
import { paidClasses, type Incentives } from './incentives.js';
import type { ChallengeResult, Verdict } from './result.js';
import type { Throughput } from './store/db.js';

/**
 * The round trip subtracted from a root's time is capped at this share of the window. A miner that
 * answers the probe slowly and works that much longer gains at most this share: nothing measurable.
 * (The cap was 10 % of the elapsed time, which paid a probe-delaying miner 1/0.9, measured +13 %.) An
 * honest miner farther away than that loses the rest of its round trip from its window: 50 ms of a
 * 10 s window is allowed.
 */
export const MAX_RTT_SHARE = 0.005;

/** Shortest credited time, so a clock quirk can never divide by zero. */
const MIN_SECONDS = 1e-4;

export interface RoundInput {
  round: number;
  /** The serving miners (axons from the metagraph), the validator itself excluded. */
  miners: ReadonlyArray<AxonTarget & { uid: number }>;
  incentives: Incentives;
  /** Last verified throughput per miner hotkey and class: the sizing input. */
  history: ReadonlyMap<string, ReadonlyMap<Precision, Throughput>>;
  dendrite: Pick<Dendrite, 'forward'>;
  /** Randomness for class draws, sizing jitter and opened rows; CSPRNG unless a test injects one. */
  random?: { unit?: RandomUnit; int?: RandomInt };
  /** Rows opened per challenge (default: the protocol's). */
  openedRows?: number;
  /**
   * Whether this validator owns the current slot of the schedule, asked when a miner says it is busy.
   * Absent: the round runs outside the schedule (a tool, a test), so a busy miner is always excused.
   */
  ownsSlot?: () => boolean;
  signal?: AbortSignal;
  log?: Logger;
}

export interface RoundOutput {
  results: ChallengeResult[];
  /** Devices the miners reported this round. */
  devices: Map<string, DeviceInfo>;
}

/**
 * The class asked in a round: drawn with the config's draw weights among the classes the config pays
 * for, whatever miners report (a report is the miner's word: drawing from it would let a miner that
 * lists only its most profitable class be asked only that). `unit` is uniform in [0, 1).
 */
export function drawClass(incentives: Incentives, unit: number): Precision {
  const candidates = paidClasses(incentives);
  let point = unit * candidates.reduce((sum, [, c]) => sum + c.draw, 0);
  for (const [precision, c] of candidates) {
    if (point < c.draw) return precision;
    point -= c.draw;
  }
  // The config guarantees a paid class; unit = 1 − ε may round past the last one.
  return candidates.at(-1)![0];
}

/** The part of the measured round trip subtracted from a root's time: at most MAX_RTT_SHARE of the window. */
export function rttAllowanceMs(rttMs: number, windowMs: number): number {
  return Math.min(Math.max(0, rttMs), MAX_RTT_SHARE * windowMs);
}

/** Seconds a root took: send → receipt on the validator's clock, minus the (capped) round trip. */
export function measuredSeconds(elapsedMs: number, rttMs: number, windowMs: number): number {
  return Math.max(MIN_SECONDS, (elapsedMs - rttAllowanceMs(rttMs, windowMs)) / 1000);
}

/** TFLOPS credited for a verified challenge: the FLOPs of the GEMMs it committed, over its window. */
export function creditedTflops(flops: number, windowSeconds: number): number {
  return flops / windowSeconds / 1e12;
}

/**
 * How long the validator waits for roots: a root is on time when its time less the (capped) round
 * trip is within the window, which allows an elapsed time of up to window · (1 + MAX_RTT_SHARE).
 */
export function rootWaitMs(windowMs: number): number {
  return Math.ceil(windowMs * (1 + MAX_RTT_SHARE));
}

/**
 * The longest a round can take: the device report and the round-trip probe, the roots, the openings,
 * each at its timeout. A validator starts a round only when this fits before its slot ends
 * (scheduler.ts), so its challenges and openings never run into another validator's slot.
 */
export function roundBudgetMs(incentives: Pick<Incentives, 'challengeSeconds' | 'timeouts'>): number {
  return 2 * incentives.timeouts.probeMs + rootWaitMs(Math.round(incentives.challengeSeconds * 1000)) + incentives.timeouts.openingsMs;
}

/**
 * A failed call's verdict: never sent → unreachable; a signed "busy" outside this validator's slot →
 * excused; otherwise (sent and refused, late or garbled) → no answer.
 */
function failureVerdict(failure: CallFailure<Op>, ownsSlot: () => boolean): Extract<Verdict, 'unreachable' | 'no_answer' | 'excused'> {
  if (failure.sentAt === undefined) return 'unreachable';
  return isExcused(failure, ownsSlot) ? 'excused' : 'no_answer';
}

/** A miner that says, signed, it is busy with the slot's owner, when this validator does not own the slot. */
function isExcused(failure: CallFailure<Op>, ownsSlot: () => boolean): boolean {
  return failure.signed && failure.code === 'E_BUSY' && !ownsSlot();
}

export async function runRound(input: RoundInput): Promise<RoundOutput> {
  const { round, incentives, dendrite, signal } = input;
  const log = input.log ?? silentLogger;
  const unit = input.random?.unit ?? cryptoRandomUnit;
  const int = input.random?.int ?? cryptoRandomInt;
  const ownsSlot = input.ownsSlot ?? (() => false);
  const results = new Map<string, ChallengeResult>();
  const devices = new Map<string, DeviceInfo>();
  // One class for the whole round, drawn before anything is asked: a failure counts against it, and
  // two hotkeys on one device are asked the same class, so one cannot decline a cheap class to give
  // the other the whole window on a dear one (docs/incentives.md, "From a round to weights").
  const drawn = drawClass(incentives, unit());
  const base = (t: AxonTarget) => ({ round, uid: t.uid!, hotkey: t.hotkey, precision: drawn, tflops: 0 });
  const challenges = new Map<string, Challenge>();
  /** The throughput each challenge's GEMMs were sized for (TFLOP/s), and the miners sized from a measurement. */
  const sizedFor = new Map<string, number>();
  const known = new Set<string>();
  const rtt = new Map<string, number>();
  /** What is known of a miner's challenge so far, for its result. */
  const sent = (t: AxonTarget) => {
    const c = challenges.get(t.hotkey);
    const device = devices.get(t.hotkey);
    return {
      ...(c ? { challenge: { precision: c.precision, m: c.m, n: c.n, k: c.k }, windowSeconds: c.deadlineMs / 1000, sizedTflops: sizedFor.get(t.hotkey)! } : {}),
      ...(rtt.has(t.hotkey) ? { rttMs: rtt.get(t.hotkey)! } : {}),
      ...(device ? { device: device.name } : {}),
    };
  };
  const fail = (t: AxonTarget, call: CallFailure<Op>, what: string): void => {
    results.set(t.hotkey, { ...base(t), ...sent(t), verdict: failureVerdict(call, ownsSlot), reason: call.code, detail: `${what}: ${call.message}` });
  };
  const probe = { deadlineMs: incentives.timeouts.probeMs, ...(signal ? { signal } : {}) };

  // 1. Device reports, then the round trip measured just before the challenge.
  let live: AxonTarget[] = [...input.miners];
  const reports = await dendrite.forward(live, 'device', {}, probe);
  live = live.filter((t, i) => {
    const r = reports[i]!;
    if (!r.ok) return fail(t, r, 'device report'), false;
    devices.set(t.hotkey, r.value);
    return true;
  });

  // 2. A size per miner for the class, from its last verified throughput; a class it does not run counts 0.
  live = live.filter((t) => {
    const device = devices.get(t.hotkey)!;
    const precision = drawn;
    if (!device.precisions.includes(precision)) {
      results.set(t.hotkey, {
        ...base(t),
        verdict: 'no_answer',
        reason: 'unsupported_class',
        detail: `drawn ${precision}; the device supports ${device.precisions.join(', ') || 'no class'}`,
        device: device.name,
      });
      return false;
    }
    const last = input.history.get(t.hotkey)?.get(precision);
    const size = sizeChallenge({
      precision,
      memoryBytes: device.memoryBytes,
      windowSeconds: incentives.challengeSeconds,
      startFlopsPerSecond: incentives.startTflops * 1e12,
      ...(last ? { tflops: last.tflops } : {}),
      random: unit,
    });
    challenges.set(t.hotkey, createChallenge({ precision, m: size.m, n: size.n, k: size.k, deadlineMs: size.deadlineMs }));
    sizedFor.set(t.hotkey, size.flopsPerSecond / 1e12);
    if (last) known.add(t.hotkey);
    return true;
  });

  const pings = await dendrite.forward(live, 'ping', {}, probe);
  live = live.filter((t, i) => {
    const r = pings[i]!;
    if (!r.ok) return fail(t, r, 'round-trip probe'), false;
    rtt.set(t.hotkey, r.elapsedMs);
    return true;
  });

  // 3. Every challenge at the same moment (the dendrite signs all, then sends all in one turn).
  log.debug('sending challenges', { round, miners: live.length });
  const windowMs = Math.round(incentives.challengeSeconds * 1000);
  const roots = await dendrite.forward(live, 'challenge', (t) => challenges.get(t.hotkey)!, { deadlineMs: rootWaitMs(windowMs), ...(signal ? { signal } : {}) });
  const committed: Array<{ target: AxonTarget; root: CallResult<'challenge'> & { ok: true }; seconds: number }> = [];
  const requests = new Map<string, OpeningRequest>();
  live.forEach((t, i) => {
    const r = roots[i]!;
    if (!r.ok) return fail(t, r, 'challenge');
    const challenge = challenges.get(t.hotkey)!;
    const seconds = measuredSeconds(r.elapsedMs, rtt.get(t.hotkey)!, challenge.deadlineMs);
    if (seconds * 1000 > challenge.deadlineMs) {
      // Outside the window the device was not measured against the others: nothing to open.
      results.set(t.hotkey, { ...base(t), ...sent(t), seconds, verdict: 'no_answer', reason: 'late', detail: `root after ${seconds.toFixed(3)} s of a ${challenge.deadlineMs / 1000} s window` });
      return;
    }
    committed.push({ target: t, root: r, seconds });
    // Rows of the GEMMs it committed to (verifyOpenings refuses a count above the challenge's m).
    requests.set(t.hotkey, pickRows(committedPart(challenge, r.value.gemms), input.openedRows, int));
  });

  // 4. Openings, after every root is in, then verification.
  const openings = await dendrite.forward(
    committed.map((c) => c.target),
    'open',
    (t) => requests.get(t.hotkey)!,
    { deadlineMs: incentives.timeouts.openingsMs, ...(signal ? { signal } : {}) },
  );
  committed.forEach((c, i) => {
    const t = c.target;
    const challenge = challenges.get(t.hotkey)!;
    const { gemms } = c.root.value;
    const timing = { ...sent(t), seconds: c.seconds, gemms };
    const o = openings[i]!;
    if (!o.ok) {
      // A miner that committed a root and cannot open it has not proved anything: a failed proof. Unless
      // the slot passed to its owner, for whom the miner freed the results (signed, outside our slot).
      const verdict = isExcused(o, ownsSlot) ? 'excused' : 'failed';
      results.set(t.hotkey, { ...base(t), ...timing, verdict, reason: verdict === 'failed' ? 'no_openings' : o.code, detail: `openings: ${o.code}: ${o.message}` });
      return;
    }
    const verdict = verifyOpenings(challenge, c.root.value, requests.get(t.hotkey)!, o.value, { elapsedMs: c.seconds * 1000, random: int });
    if (!verdict.ok) {
      results.set(t.hotkey, { ...base(t), ...timing, verdict: 'failed', reason: verdict.reason, ...(verdict.detail ? { detail: verdict.detail } : {}) });
      return;
    }
    const tflops = creditedTflops(challengeFlops(committedPart(challenge, gemms)), challenge.deadlineMs / 1000);
    const pace = `${known.has(t.hotkey) ? 'sized for' : 'first window, assumed'} ${sizedFor.get(t.hotkey)!.toPrecision(3)} TFLOP/s`;
    results.set(t.hotkey, { ...base(t), ...timing, tflops, verdict: 'verified', reason: 'ok', detail: `${gemms} of ${challenge.m} GEMMs in ${c.seconds.toFixed(3)} s (${pace})` });
  });

  return { results: input.miners.map((t) => results.get(t.hotkey)!), devices };
}
