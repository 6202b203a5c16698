/**
 * Each miner's standing as the validator's capacity report gives it (validator/capacity.ts: the last
 * verdict, the last verified TFLOPS per class, the totals over miners whose last result verified),
 * seeded from that report (ofStore) and kept up to date from the results of each round after it, which
 * the metrics and the dashboard already hold or read by round; test/validator/dashboard/ledger.test.ts
 * checks that seed plus rounds equals the report.
 */
import { PRECISIONS, type Precision } from '../../shared/challenge/types.js';
import { capacityReport, type CapacityReport, type ClassTflops } from '../capacity.js';
import type { Verdict } from '../result.js';
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

  /** The ledger of a store: its capacity report (a row or two per miner, not its results). */
  static ofStore(store: ValidatorStore, identity: StoreIdentity): MinerLedger {
    return MinerLedger.fromReport(capacityReport(store, identity));
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
