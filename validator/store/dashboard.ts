/**
 * The dashboard's own queries on a validator database, on a read-only connection: aggregates the
 * store's typed queries do not offer, each bounded and served by an index (rounds by their primary
 * key, a miner's results by results_by_hotkey), so a month of rounds over 256 miners answers in
 * milliseconds. Everything else the dashboard reads goes through ValidatorStore.
 */
import Database from 'better-sqlite3';
import { PRECISIONS, type Precision } from '../../shared/challenge/types.js';
import type { ClassTflops } from '../capacity.js';
import type { MinerStanding } from '../dashboard/ledger.js';
import type { Verdict } from '../result.js';

/** A round and the verified TFLOPS it measured per class (the sum over its verified results). */
export interface RoundTotals {
  round: number;
  block: number;
  /** ms since the epoch. */
  startedAt: number;
  miners: number;
  verified: number;
  tflops: ClassTflops;
}

/** One of a miner's results, for its history. */
export interface MinerPoint {
  round: number;
  startedAt: number;
  precision: Precision | null;
  tflops: number;
  verdict: Verdict;
  reason: string;
}

export interface MinerResultRow extends MinerPoint {
  block: number;
  m: number | null;
  gemms: number | null;
  windowSeconds: number | null;
  seconds: number | null;
  detail: string | null;
}

const isPrecision = (p: string | null): p is Precision => p !== null && (PRECISIONS as readonly string[]).includes(p);

export class DashboardQueries {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }

  /** Rounds after `afterRound`, oldest first, at most `limit`, with their verified TFLOPS per class. */
  roundTotals(afterRound: number, limit: number): RoundTotals[] {
    const rounds = this.db
      .prepare<[number, number], Omit<RoundTotals, 'tflops'>>(
        'SELECT round, block, started_at AS startedAt, miners, verified FROM rounds WHERE round > ? ORDER BY round LIMIT ?',
      )
      .all(afterRound, limit);
    if (rounds.length === 0) return [];
    const sums = this.db
      .prepare<[number, number], { round: number; precision: string; tflops: number }>(
        `SELECT round, precision, SUM(tflops) AS tflops FROM results
         WHERE round > ? AND round <= ? AND verdict = 'verified' GROUP BY round, precision`,
      )
      .all(afterRound, rounds[rounds.length - 1]!.round);
    const byRound = new Map(rounds.map((r) => [r.round, { ...r, tflops: {} as ClassTflops }]));
    for (const s of sums) if (isPrecision(s.precision)) byRound.get(s.round)!.tflops[s.precision] = s.tflops;
    return [...byRound.values()];
  }

  /** A miner's results since `fromMs` (round start time), oldest first, at most `limit` (the newest kept). */
  minerPoints(hotkey: string, fromMs: number, limit: number): MinerPoint[] {
    return this.db
      .prepare<[string, number, number], MinerPoint>(
        `SELECT * FROM (
           SELECT r.round, o.started_at AS startedAt, r.precision, r.tflops, r.verdict, r.reason
           FROM results r JOIN rounds o ON o.round = r.round
           WHERE r.hotkey = ? AND o.started_at >= ? ORDER BY r.round DESC LIMIT ?)
         ORDER BY round`,
      )
      .all(hotkey, fromMs, limit)
      .map((p) => ({ ...p, precision: isPrecision(p.precision) ? p.precision : null }));
  }

  /** A page of a miner's results, newest first: those before round `before` (all when undefined). */
  minerResults(hotkey: string, before: number | undefined, limit: number): MinerResultRow[] {
    return this.db
      .prepare<[string, number, number], MinerResultRow>(
        `SELECT r.round, o.block, o.started_at AS startedAt, r.precision, r.m, r.gemms, r.window_s AS windowSeconds, r.seconds,
                r.tflops, r.verdict, r.reason, r.detail
         FROM results r JOIN rounds o ON o.round = r.round
         WHERE r.hotkey = ? AND r.round < ? ORDER BY r.round DESC LIMIT ?`,
      )
      .all(hotkey, before ?? Number.MAX_SAFE_INTEGER, limit)
      .map((p) => ({ ...p, precision: isPrecision(p.precision) ? p.precision : null }));
  }

  /**
   * Each miner's last `n` verified TFLOPS at the class given for it, after round `since` (oldest
   * first), for the trend column; `since` bounds the index range read for a miner that has not
   * verified in a long time.
   */
  trends(miners: ReadonlyMap<string, Precision>, n: number, since: number): Map<string, number[]> {
    const query = this.db.prepare<[string, string, number, number], { tflops: number }>(
      "SELECT tflops FROM results WHERE hotkey = ? AND precision = ? AND round > ? AND verdict = 'verified' ORDER BY round DESC LIMIT ?",
    );
    return new Map([...miners].map(([h, p]) => [h, query.all(h, p, since, n).map((r) => r.tflops).reverse()]));
  }

  /**
   * Each miner's standing as validator/capacity.ts reports it (last result; last verified TFLOPS per
   * class), read by walking the miner's results newest first and stopping once every class of its
   * device has a verified figure. The report's own query groups the whole results table (about a
   * minute on a month of 256 miners); this reads a few rows per miner, and a miner's whole history
   * only for a class it never verified.
   */
  standings(miners: ReadonlyMap<string, { uid: number; classes: readonly Precision[] }>): MinerStanding[] {
    const walk = this.db.prepare<[string], { round: number; precision: string | null; tflops: number; verdict: Verdict; reason: string }>(
      // Excused refusals judge nothing of the miner (as in the capacity report's latest results).
      "SELECT round, precision, tflops, verdict, reason FROM results WHERE hotkey = ? AND verdict != 'excused' ORDER BY round DESC",
    );
    const out: MinerStanding[] = [];
    for (const [hotkey, { uid, classes }] of miners) {
      let standing: MinerStanding | undefined;
      const wanted = new Set<string>(classes.length ? classes : PRECISIONS);
      for (const row of walk.iterate(hotkey)) {
        standing ??= { uid, hotkey, lastRound: row.round, lastVerdict: row.verdict, lastReason: row.reason, tflops: {} };
        if (row.verdict === 'verified' && isPrecision(row.precision) && standing.tflops[row.precision] === undefined) {
          standing.tflops[row.precision] = row.tflops;
          wanted.delete(row.precision);
          if (wanted.size === 0) break;
        }
      }
      if (standing) out.push(standing);
    }
    return out;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
