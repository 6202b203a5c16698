/**
 * What the dashboard's API answers, from a validator database opened read-only: the subnet's verified
 * capacity over time, the miners table (one page at a time, sorted server-side), one miner's history.
 *
 * Sized for 256 miners and a month of rounds (tens of thousands of rounds, millions of results):
 * the standings (MinerLedger) and the per-round totals are read once at start, then only the rounds
 * written since are read, on each request; charts are bucketed server-side to at most MAX_POINTS.
 */
import { PRECISIONS, type Precision } from '../../shared/challenge/types.js';
import type { ClassTflops } from '../capacity.js';
import { DashboardQueries, type MinerResultRow, type RoundTotals } from '../store/dashboard.js';
import { ValidatorStore, type StoreIdentity } from '../store/db.js';
import type { Verdict } from '../result.js';
import { MinerLedger } from './ledger.js';

export const RANGES = { '1d': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export type Range = keyof typeof RANGES;
export const SORTS = ['uid', 'score', 'tflops', 'weight', 'verdict'] as const;
export type Sort = (typeof SORTS)[number];

/** Most points a chart gets, whatever the range. */
export const MAX_POINTS = 240;
/** A miner's results read for its chart, at most. */
const MAX_MINER_POINTS = 50_000;
/** Verified results the trend column shows. */
const TREND_POINTS = 24;
/** How far back (rounds) the trend looks for them. */
const TREND_ROUNDS = 2_000;
/** More new rounds than this since the last request: re-read the standings whole. */
const MAX_CATCH_UP = 500;

export interface Summary {
  netuid: number;
  validator: string;
  round: number;
  block: number | undefined;
  /** ms since the epoch, of the last round. */
  at: number | undefined;
  miners: number;
  verifiedMiners: number;
  totals: ClassTflops;
  weights: { block: number | undefined; kind: string; status: string; at: number } | undefined;
}

export interface MinerRow {
  uid: number;
  hotkey: string;
  device: { name: string; backend: string } | undefined;
  tflops: ClassTflops;
  score: number;
  weight: number | undefined;
  lastRound: number;
  lastVerdict: Verdict;
  lastReason: string;
  /** The last verified TFLOPS at its fastest class, oldest first. */
  trend: number[];
}

export interface SeriesPoint {
  /** Bucket start, ms since the epoch. */
  t: number;
  tflops: ClassTflops;
}

export interface Bucketed {
  from: number;
  to: number;
  bucketMs: number;
  classes: Precision[];
  points: SeriesPoint[];
}

/**
 * Per bucket and class, the mean of `value` over the entries that measured that class. Buckets with
 * no entry are left out (a gap, not a zero). Pure.
 */
export function bucketize<E>(entries: readonly E[], at: (e: E) => number, value: (e: E) => ClassTflops, from: number, to: number, points = MAX_POINTS): Bucketed {
  const bucketMs = Math.max(1, Math.ceil((to - from) / points));
  const sums = new Map<number, Map<Precision, { sum: number; n: number }>>();
  for (const e of entries) {
    const t = at(e);
    if (t < from || t >= to) continue;
    const b = Math.floor((t - from) / bucketMs);
    let bucket = sums.get(b);
    if (!bucket) sums.set(b, (bucket = new Map()));
    for (const [p, v] of Object.entries(value(e)) as Array<[Precision, number]>) {
      const s = bucket.get(p) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n++;
      bucket.set(p, s);
    }
  }
  const classes = PRECISIONS.filter((p) => [...sums.values()].some((b) => b.has(p)));
  const out = [...sums.entries()]
    .sort(([a], [b]) => a - b)
    .map(([b, bucket]) => ({ t: from + b * bucketMs, tflops: Object.fromEntries([...bucket].map(([p, s]) => [p, s.sum / s.n])) as ClassTflops }));
  return { from, to, bucketMs, classes, points: out };
}

export class DashboardData {
  readonly identity: StoreIdentity;
  private readonly store: ValidatorStore;
  private readonly queries: DashboardQueries;
  private ledger: MinerLedger;
  private readonly rounds: RoundTotals[];

  constructor(path: string) {
    const { store, identity } = ValidatorStore.openReadOnly(path);
    this.store = store;
    this.identity = identity;
    this.queries = new DashboardQueries(store.path);
    this.ledger = MinerLedger.ofStore(store, identity);
    this.rounds = this.queries.roundTotals(0, Number.MAX_SAFE_INTEGER);
  }

  /** Reads what the validator wrote since the last call. */
  refresh(): void {
    const last = this.store.nextRound() - 1;
    const seen = this.rounds.at(-1)?.round ?? 0;
    if (last > seen) this.rounds.push(...this.queries.roundTotals(seen, Number.MAX_SAFE_INTEGER));
    if (last <= this.ledger.lastRound) return;
    if (last - this.ledger.lastRound > MAX_CATCH_UP) {
      this.ledger = MinerLedger.ofStore(this.store, this.identity);
      return;
    }
    for (let round = this.ledger.lastRound + 1; round <= last; round++) this.ledger.apply(round, this.store.results({ round }));
  }

  summary(): Summary {
    this.refresh();
    const standings = this.standings();
    const last = this.rounds.at(-1);
    const weights = this.lastWeights();
    return {
      netuid: this.identity.netuid,
      validator: this.identity.hotkey,
      round: last?.round ?? 0,
      block: last?.block,
      at: last?.startedAt,
      miners: standings.length,
      ...MinerLedger.totals(standings),
      weights: weights && { block: weights.block, kind: weights.kind, status: weights.status, at: weights.createdAt },
    };
  }

  /** The subnet's verified capacity per class over `range` (up to the last round). */
  capacity(range: Range): Bucketed {
    this.refresh();
    const to = (this.rounds.at(-1)?.startedAt ?? Date.now()) + 1;
    const from = to - RANGES[range];
    const first = lowerBound(this.rounds, from);
    return bucketize(this.rounds.slice(first), (r) => r.startedAt, (r) => r.tflops, from, to);
  }

  miners(o: { offset: number; limit: number; sort: Sort; desc: boolean }): { total: number; rows: MinerRow[] } {
    this.refresh();
    const scores = this.store.loadScores();
    const devices = this.store.loadDevices();
    const weights = this.weightsByUid();
    const rows = this.standings().map(
      (m): Omit<MinerRow, 'trend'> => ({
        uid: m.uid,
        hotkey: m.hotkey,
        device: devices.has(m.hotkey) ? { name: devices.get(m.hotkey)!.name, backend: devices.get(m.hotkey)!.backend } : undefined,
        tflops: m.tflops,
        score: scores.get(m.hotkey)?.score ?? 0,
        weight: weights.get(m.uid),
        lastRound: m.lastRound,
        lastVerdict: m.lastVerdict,
        lastReason: m.lastReason,
      }),
    );
    const key: Record<Sort, (r: Omit<MinerRow, 'trend'>) => number | string> = {
      uid: (r) => r.uid,
      score: (r) => r.score,
      tflops: (r) => Object.values(r.tflops).reduce((a, b) => a + b, 0),
      weight: (r) => r.weight ?? -1,
      verdict: (r) => r.lastVerdict,
    };
    const sign = o.desc ? -1 : 1;
    rows.sort((a, b) => {
      const x = key[o.sort](a);
      const y = key[o.sort](b);
      return (x < y ? -sign : x > y ? sign : 0) || a.uid - b.uid;
    });
    const page = rows.slice(o.offset, o.offset + o.limit);
    // Each miner's trend at its fastest class: classes differ by orders of magnitude.
    const best = new Map(page.flatMap((r) => {
      const top = (Object.entries(r.tflops) as Array<[Precision, number]>).sort((a, b) => b[1] - a[1])[0];
      return top ? [[r.hotkey, top[0]] as const] : [];
    }));
    const trends = this.queries.trends(best, TREND_POINTS, (this.rounds.at(-1)?.round ?? 0) - TREND_ROUNDS);
    return { total: rows.length, rows: page.map((r) => ({ ...r, trend: trends.get(r.hotkey) ?? [] })) };
  }

  /** One miner: its standing, its TFLOPS per class over `range`, and a page of its results before round `before`. */
  miner(hotkey: string, o: { range: Range; before: number | undefined; limit: number }) {
    this.refresh();
    const scores = this.store.loadScores();
    const standing = this.ledger.standings(new Map([[hotkey, scores.get(hotkey)?.uid ?? -1]]))[0];
    if (!standing) return undefined;
    const device = this.store.loadDevices().get(hotkey);
    const to = (this.rounds.at(-1)?.startedAt ?? Date.now()) + 1;
    const from = to - RANGES[o.range];
    const points = this.queries.minerPoints(hotkey, from, MAX_MINER_POINTS);
    const verified = points.filter((p) => p.verdict === 'verified' && p.precision);
    const verdicts: Record<string, number> = {};
    for (const p of points) {
      const label = p.verdict === 'verified' ? 'verified' : `${p.verdict}: ${p.reason}`;
      verdicts[label] = (verdicts[label] ?? 0) + 1;
    }
    const results: MinerResultRow[] = this.queries.minerResults(hotkey, o.before, o.limit);
    return {
      standing: { ...standing, uid: scores.get(hotkey)?.uid ?? standing.uid },
      onSubnet: scores.has(hotkey),
      score: scores.get(hotkey)?.score ?? 0,
      weight: this.weightsByUid().get(standing.uid),
      device: device && { name: device.name, backend: device.backend, memoryBytes: device.memoryBytes, precisions: device.precisions, detail: device.detail },
      history: bucketize(verified, (p) => p.startedAt, (p) => ({ [p.precision!]: p.tflops }), from, to),
      verdicts,
      results,
      next: results.length === o.limit ? results.at(-1)!.round : undefined,
    };
  }

  close(): void {
    this.queries.close();
    this.store.close();
  }

  /** Miners on the subnet now (those with a score: a resync drops the ones that left). */
  private standings() {
    const scores = this.store.loadScores();
    return this.ledger.standings(new Map([...scores.values()].map((s) => [s.hotkey, s.uid])));
  }

  private lastWeights() {
    return this.store.weightSubmissions(20).find((s) => (s.kind === 'set' && s.status === 'included') || (s.kind === 'commit' && s.status === 'revealed'));
  }

  /** Each uid's share of the last weights on chain. */
  private weightsByUid(): Map<number, number> {
    const last = this.lastWeights();
    const total = last?.weights.reduce((a, b) => a + b, 0) ?? 0;
    return new Map(total > 0 ? last!.uids.map((uid, i) => [uid, last!.weights[i]! / total]) : []);
  }
}

/** First index of `rounds` (sorted by start) starting at or after `t`. */
function lowerBound(rounds: readonly RoundTotals[], t: number): number {
  let lo = 0;
  let hi = rounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rounds[mid]!.startedAt < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
