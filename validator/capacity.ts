/**
 * The subnet's verified compute as this validator measured it: per miner (device, classes, last
 * window and verdict, last verified TFLOPS and moving average per class, score) and in total per class.
 * Counted only for miners whose latest result verified (an excused refusal judges nothing and is
 * skipped): capacity that failed its last proof is not capacity.
 *
 * `capacityCommitment` packs the totals into one Commitments field (≤ 128 bytes of JSON), which the
 * validator publishes each epoch so anyone can read the subnet's verified compute from the chain.
 */
import { PRECISIONS, type DeviceInfo, type Precision } from '../shared/challenge/types.js';
import { shortAddress, table } from '../shared/chain/cli.js';
import type { Verdict } from './result.js';
import type { ClassTflops } from './reward.js';
import type { ValidatorStore } from './store/db.js';

export type { ClassTflops } from './reward.js';

export interface MinerCapacity {
  uid: number;
  hotkey: string;
  device?: { name: string; backend: DeviceInfo['backend']; memoryBytes: number };
  /** Classes the device reports. */
  classes: Precision[];
  /** Credited TFLOPS of the latest verified result per class. */
  tflops: ClassTflops;
  /** The moving average of credited TFLOPS per class that the score is made of. */
  ema: ClassTflops;
  score: number;
  lastRound: number;
  lastVerdict: Verdict;
  lastReason: string;
  /** What the miner did in its last window: the GEMMs it committed of those offered. */
  lastWindow?: { precision: Precision; gemms: number; offered: number; seconds: number };
}

export interface CapacityReport {
  netuid: number;
  validator: string;
  /** Last round recorded; 0 when none. */
  round: number;
  /** Block the last round ran at. */
  block: number | undefined;
  /** Miners whose latest result verified. */
  verifiedMiners: number;
  /** Sum over miners whose latest result verified, per class. */
  totals: ClassTflops;
  miners: MinerCapacity[];
}

export function capacityReport(store: ValidatorStore, identity: { netuid: number; hotkey: string }): CapacityReport {
  const verified = store.lastVerified();
  const devices = store.loadDevices();
  const scores = store.loadScores();
  const [last] = store.rounds(1);
  const totals: ClassTflops = {};
  let verifiedMiners = 0;
  const miners = store
    .latestResults()
    // Miners that left the subnet lost their scores at resync; their history is not capacity.
    .filter((r) => scores.has(r.hotkey))
    .map((r): MinerCapacity => {
      const device = devices.get(r.hotkey);
      const tflops: ClassTflops = Object.fromEntries(verified.get(r.hotkey) ?? []);
      if (r.verdict === 'verified') {
        verifiedMiners++;
        for (const [p, t] of Object.entries(tflops) as Array<[Precision, number]>) totals[p] = (totals[p] ?? 0) + t;
      }
      return {
        uid: scores.get(r.hotkey)?.uid ?? r.uid,
        hotkey: r.hotkey,
        ...(device ? { device: { name: device.name, backend: device.backend, memoryBytes: device.memoryBytes } } : {}),
        classes: device?.precisions ?? [],
        tflops,
        ema: scores.get(r.hotkey)?.ema ?? {},
        score: scores.get(r.hotkey)?.score ?? 0,
        lastRound: r.round,
        lastVerdict: r.verdict,
        lastReason: r.reason,
        ...(r.challenge && r.gemms !== undefined && r.windowSeconds !== undefined
          ? { lastWindow: { precision: r.challenge.precision, gemms: r.gemms, offered: r.challenge.m, seconds: r.windowSeconds } }
          : {}),
      };
    })
    .sort((a, b) => a.uid - b.uid);
  return { netuid: identity.netuid, validator: identity.hotkey, round: last?.round ?? 0, block: last?.block, verifiedMiners, totals, miners };
}

const MAX_FIELD_BYTES = 128;

/**
 * One Commitments field: `{"v":1,"r":<round>,"n":<verified miners>,"tf":{"fp32":<TFLOPS>,...}}`,
 * TFLOPS to 3 significant digits (fewer if the field would exceed 128 bytes).
 */
export function capacityCommitment(report: Pick<CapacityReport, 'round' | 'verifiedMiners' | 'totals'>): string {
  for (let digits = 3; digits >= 1; digits--) {
    const tf = Object.fromEntries(
      PRECISIONS.filter((p) => report.totals[p] !== undefined).map((p) => [p, Number(report.totals[p]!.toPrecision(digits))]),
    );
    const text = JSON.stringify({ v: 1, r: report.round, n: report.verifiedMiners, tf });
    if (Buffer.byteLength(text) <= MAX_FIELD_BYTES) return text;
  }
  return JSON.stringify({ v: 1, r: report.round, n: report.verifiedMiners });
}

/** The report as a text table for people. */
export function renderCapacity(report: CapacityReport): string {
  const fmt = (x: number | undefined) => (x === undefined ? '-' : x >= 0.01 ? x.toFixed(3) : x.toExponential(2));
  const classes = PRECISIONS.filter((p) => report.miners.some((m) => m.tflops[p] !== undefined || m.ema[p] !== undefined));
  // Per class: the last verified TFLOPS and the moving average the score is made of.
  const header = ['uid', 'hotkey', 'device', ...classes.flatMap((c) => [`${c} last`, `${c} EMA`]), 'score', 'last window', 'last verdict'];
  const rows = report.miners.map((m) => [
    String(m.uid),
    shortAddress(m.hotkey),
    m.device?.name ?? '-',
    ...classes.flatMap((c) => [fmt(m.tflops[c]), fmt(m.ema[c])]),
    m.score.toPrecision(3),
    m.lastWindow ? `${m.lastWindow.precision} ${m.lastWindow.gemms}/${m.lastWindow.offered} GEMMs in ${m.lastWindow.seconds} s` : '-',
    m.lastVerdict === 'verified' ? 'verified' : `${m.lastVerdict} (${m.lastReason})`,
  ]);
  const totals = PRECISIONS.filter((p) => report.totals[p] !== undefined).map((p) => `${p} ${fmt(report.totals[p])}`);
  return [
    `subnet ${report.netuid}, validator ${report.validator}, round ${report.round}${report.block !== undefined ? ` (block ${report.block})` : ''}`,
    '',
    table(header, rows, new Set(Array.from({ length: 2 * classes.length + 1 }, (_, i) => 3 + i))),
    '',
    `verified capacity (${report.verifiedMiners} miner${report.verifiedMiners === 1 ? '' : 's'}): ${totals.length ? totals.join(', ') + ' TFLOPS' : 'none yet'}`,
    'last: TFLOPS of the latest verified window per class; EMA: the moving average per class; score = Σ reward[class] × EMA[class]',
  ].join('\n');
}
