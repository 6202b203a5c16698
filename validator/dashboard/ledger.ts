/**
 * Each miner's standing as the validator's capacity report gives it (validator/capacity.ts: the last
 * verdict, the last verified TFLOPS per class, the totals over miners whose last result verified),
 * kept up to date round by round instead of recomputed from the whole results table: that report
 * groups every result ever written, which on a month of rounds takes a minute, and the metrics and the
 * dashboard need it after every round. Seeded once (ofStore: a few rows per miner);
 * test/validator/dashboard/ledger.test.ts checks that seed plus rounds equals the report.
 */
import { PRECISIONS, type Precision } from '../../shared/challenge/types.js';
import { capacityReport, type CapacityReport, type ClassTflops } from '../capacity.js';
import type { Verdict } from '../result.js';
import { DashboardQueries } from '../store/dashboard.js';
import type { RecordedResult, StoreIdentity, ValidatorStore } from '../store/db.js';

export interface MinerStanding {
  uid: number;
  hotkey: string;
  lastRound: number;
  lastVerdict: Verdict;
  lastReason: string;
  /** Credited TFLOPS of the latest verified result per class. */
  tflops: ClassTflops;
}

export class MinerLedger {
  private readonly miners = new Map<string, MinerStanding>();
  private round = 0;

  /** Starts from a capacity report (every miner's standing up to its round). */
  static fromReport(report: Pick<CapacityReport, 'round' | 'miners'>): MinerLedger {
    const ledger = new MinerLedger();
    ledger.round = report.round;
    for (const m of report.miners) {
      ledger.miners.set(m.hotkey, { uid: m.uid, hotkey: m.hotkey, lastRound: m.lastRound, lastVerdict: m.lastVerdict, lastReason: m.lastReason, tflops: { ...m.tflops } });
    }
    return ledger;
  }

  /** Starts from standings read up to `round` (DashboardQueries.standings). */
  static fromStandings(round: number, standings: readonly MinerStanding[]): MinerLedger {
    const ledger = new MinerLedger();
    ledger.round = round;
    for (const m of standings) ledger.miners.set(m.hotkey, { ...m, tflops: { ...m.tflops } });
    return ledger;
  }

  /**
   * The ledger of a store: its standings read efficiently from the database file when there is one,
   * else (an in-memory store) from the capacity report.
   */
  static ofStore(store: ValidatorStore, identity: StoreIdentity): MinerLedger {
    if (store.path === ':memory:') return MinerLedger.fromReport(capacityReport(store, identity));
    const queries = new DashboardQueries(store.path);
    try {
      const round = store.nextRound() - 1;
      const devices = store.loadDevices();
      const miners = new Map([...store.loadScores().values()].map((s) => [s.hotkey, { uid: s.uid, classes: devices.get(s.hotkey)?.precisions ?? [] }]));
      return MinerLedger.fromStandings(round, queries.standings(miners));
    } finally {
      queries.close();
    }
  }

  /** The last round applied. */
  get lastRound(): number {
    return this.round;
  }

  /** One round's results, in round order. */
  apply(round: number, results: readonly RecordedResult[]): void {
    for (const r of results) {
      // An excused refusal judges nothing of the miner: its standing stays what its last judged round made it.
      if (r.verdict === 'excused') continue;
      const previous = this.miners.get(r.hotkey);
      const tflops = { ...previous?.tflops };
      const precision = r.challenge?.precision;
      if (r.verdict === 'verified' && precision) tflops[precision] = r.tflops;
      this.miners.set(r.hotkey, { uid: r.uid, hotkey: r.hotkey, lastRound: round, lastVerdict: r.verdict, lastReason: r.reason, tflops });
    }
    this.round = Math.max(this.round, round);
  }

  /** The standings of `members` (hotkey → uid: the miners still on the subnet), by uid. */
  standings(members: ReadonlyMap<string, number>): MinerStanding[] {
    return [...this.miners.values()]
      .filter((m) => members.has(m.hotkey))
      .map((m) => ({ ...m, uid: members.get(m.hotkey)! }))
      .sort((a, b) => a.uid - b.uid);
  }

  /** Per class, the sum over `standings` whose last result verified; and how many did. */
  static totals(standings: readonly MinerStanding[]): { totals: ClassTflops; verifiedMiners: number } {
    const totals: ClassTflops = {};
    let verifiedMiners = 0;
    for (const m of standings) {
      if (m.lastVerdict !== 'verified') continue;
      verifiedMiners++;
      for (const p of PRECISIONS) if (m.tflops[p] !== undefined) totals[p as Precision] = (totals[p] ?? 0) + m.tflops[p]!;
    }
    return { totals, verifiedMiners };
  }
}
