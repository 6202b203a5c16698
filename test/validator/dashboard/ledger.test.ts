/**
 * The ledger is the capacity report kept up to date round by round: seeded from the report at any
 * round and given the rounds after it, it says what the report says over the whole table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRECISIONS } from '../../../shared/challenge/types.js';
import { capacityReport } from '../../../validator/capacity.js';
import { MinerLedger } from '../../../validator/dashboard/ledger.js';
import { ValidatorStore, type RecordedResult } from '../../../validator/store/db.js';

const identity = { netuid: 1, hotkey: '5Validator' };
const VERDICTS = ['verified', 'verified', 'verified', 'failed', 'no_answer', 'unreachable', 'excused'] as const;

/** A deterministic mix: classes, verdicts and a miner that leaves after round 6. */
function round(n: number): RecordedResult[] {
  return ['a', 'b', 'c', 'd'].flatMap((hotkey, i): RecordedResult[] => {
    if (hotkey === 'd' && n > 6) return [];
    const verdict = VERDICTS[(n * 5 + i * 3) % VERDICTS.length]!;
    const precision = PRECISIONS[(n + i) % 3]!;
    return [{ round: n, uid: i, hotkey, challenge: { precision, m: 4, n: 64, k: 64 }, tflops: verdict === 'verified' ? n + i / 10 : 0, reward: 0, verdict, reason: verdict === 'verified' ? 'ok' : 'late' }];
  });
}

describe('miner ledger', () => {
  it('seeded at any round and given the rest, equals the capacity report over the whole table', () => {
    const store = ValidatorStore.open(':memory:', identity);
    const members = (n: number) => new Map(['a', 'b', 'c', ...(n <= 6 ? ['d'] : [])].map((h, i) => [h, { hotkey: h, uid: i, score: 1, ema: {}, round: n }]));
    const ROUNDS = 12;
    for (let n = 1; n <= ROUNDS; n++) store.recordRound({ round: n, block: 10 * n, startedAt: n, finishedAt: n + 1 }, round(n), members(n));
    const report = capacityReport(store, identity);
    expect(report.verifiedMiners).toBeGreaterThan(0);
    const uids = new Map([...members(ROUNDS).values()].map((m) => [m.hotkey, m.uid]));
    for (let seedAt = 0; seedAt <= ROUNDS; seedAt++) {
      const seed = ValidatorStore.open(':memory:', identity);
      for (let n = 1; n <= seedAt; n++) seed.recordRound({ round: n, block: 10 * n, startedAt: n, finishedAt: n + 1 }, round(n), members(n));
      const ledger = MinerLedger.fromReport(capacityReport(seed, identity));
      seed.close();
      for (let n = seedAt + 1; n <= ROUNDS; n++) ledger.apply(n, round(n));
      const standings = ledger.standings(uids);
      expect(standings.map(({ uid, hotkey, lastRound, lastVerdict, lastReason, tflops }) => ({ uid, hotkey, lastRound, lastVerdict, lastReason, tflops })), `seeded at ${seedAt}`).toEqual(
        report.miners.map(({ uid, hotkey, lastRound, lastVerdict, lastReason, tflops }) => ({ uid, hotkey, lastRound, lastVerdict, lastReason, tflops })),
      );
      expect(MinerLedger.totals(standings)).toEqual({ totals: report.totals, verifiedMiners: report.verifiedMiners });
      expect(ledger.lastRound).toBe(ROUNDS);
    }
    store.close();
  });

  it("read from a database file (each miner's newest rows, up to its device's classes), equals the capacity report", () => {
    const dir = mkdtempSync(join(tmpdir(), 'flopnet-ledger-'));
    try {
      const store = ValidatorStore.open(join(dir, 'v.db'), identity);
      const members = (n: number) => new Map(['a', 'b', 'c', ...(n <= 6 ? ['d'] : [])].map((h, i) => [h, { hotkey: h, uid: i, score: 1, ema: {}, round: n }]));
      // a and b report the three classes the rounds draw (the walk stops once each has a figure); c and d report none.
      const devices = new Map(['a', 'b'].map((h) => [h, { backend: 'cuda' as const, name: h, memoryBytes: 1, precisions: PRECISIONS.slice(0, 3) }]));
      for (let n = 1; n <= 12; n++) {
        store.recordRound({ round: n, block: 10 * n, startedAt: n, finishedAt: n + 1 }, round(n), members(n), n === 1 ? devices : new Map());
        const report = capacityReport(store, identity);
        const standings = MinerLedger.ofStore(store, identity).standings(new Map([...members(n).values()].map((m) => [m.hotkey, m.uid])));
        expect(standings.map(({ uid, hotkey, lastRound, lastVerdict, lastReason, tflops }) => ({ uid, hotkey, lastRound, lastVerdict, lastReason, tflops })), `round ${n}`).toEqual(
          report.miners.map(({ uid, hotkey, lastRound, lastVerdict, lastReason, tflops }) => ({ uid, hotkey, lastRound, lastVerdict, lastReason, tflops })),
        );
      }
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
