/**
 * Each miner's standing (latest judged result, latest verified TFLOPS per class) is kept by
 * recordRound instead of grouped from every result on each read. On a database written by the
 * previous schema, then migrated, then written round after round, lastVerified and latestResults must
 * say exactly what the previous schema's queries over the whole results table say: on random mixes of
 * classes (one this version does not know), verdicts (excused ones too), miners that leave, come back
 * and hand their uid on, and a miner that is only ever excused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { PRECISIONS, type Precision } from '../../../shared/challenge/types.js';
import type { Verdict } from '../../../validator/result.js';
import type { Scores } from '../../../validator/scores.js';
import { ValidatorStore, type RecordedResult } from '../../../validator/store/db.js';
import { MIGRATIONS } from '../../../validator/store/migrations.js';

const dir = mkdtempSync(join(tmpdir(), 'flopnet-standings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const identity = { netuid: 4, hotkey: '5Validator' };
/** The migration that adds the kept standings; the schema before it is the one to migrate from. */
const STANDINGS = MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE last_judged'));

/** The previous schema's queries, over every result: the answers the kept standings must give. */
const OLD_LAST_VERIFIED = `SELECT r.hotkey, r.precision, r.tflops FROM results r
  JOIN (SELECT hotkey, precision, MAX(round) AS round FROM results WHERE verdict = 'verified' GROUP BY hotkey, precision) last
    ON last.hotkey = r.hotkey AND last.precision = r.precision AND last.round = r.round`;
const OLD_LATEST_RESULTS = `SELECT r.round, r.hotkey FROM results r
  JOIN (SELECT hotkey, MAX(round) AS round FROM results WHERE verdict != 'excused' GROUP BY hotkey) last
    ON last.hotkey = r.hotkey AND last.round = r.round`;

/** A small deterministic PRNG (mulberry32), so a failing mix can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERDICTS: readonly Verdict[] = ['verified', 'verified', 'verified', 'failed', 'no_answer', 'unreachable', 'excused', 'excused'];
/** Three of this version's classes and one it does not know (written by a newer validator). */
const CLASSES = [...PRECISIONS.slice(0, 3), 'fp4'] as Precision[];
const POOL = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
/** Answers only with excused refusals: it never has a standing. */
const ALWAYS_EXCUSED = 'h';

/**
 * One round: each miner of the pool on the subnet this round (about three in four; uids handed on as
 * miners leave and come back) gets a random class and verdict; an unreachable one has no class.
 */
function randomRound(rand: () => number, round: number): RecordedResult[] {
  const present = POOL.filter((h) => h === ALWAYS_EXCUSED || rand() < 0.75);
  return present.map((hotkey, uid): RecordedResult => {
    const verdict = hotkey === ALWAYS_EXCUSED ? 'excused' : VERDICTS[Math.floor(rand() * VERDICTS.length)]!;
    const precision = CLASSES[Math.floor(rand() * CLASSES.length)]!;
    const tflops = verdict === 'verified' ? Math.round(rand() * 1e6) / 1e3 : 0;
    const base = { round, uid, hotkey, tflops, reward: tflops, verdict, reason: verdict === 'verified' ? 'ok' : `r${round}` };
    return verdict === 'unreachable' ? base : { ...base, challenge: { precision, m: 8, n: 64, k: 64 }, gemms: 7, windowSeconds: 1, seconds: 0.9 };
  });
}

const scoresOf = (results: readonly RecordedResult[], round: number): Scores =>
  new Map(results.map((r) => [r.hotkey, { hotkey: r.hotkey, uid: r.uid, score: r.tflops, ema: {}, round }]));

/** Writes `rounds` random rounds into a database of the schema before the kept standings, as its validator did. */
function writePreviousSchema(path: string, rand: () => number, rounds: number): void {
  const db = new Database(path);
  for (const [v, sql] of MIGRATIONS.slice(0, STANDINGS).entries()) {
    db.exec(sql);
    db.pragma(`user_version = ${v + 1}`);
  }
  db.prepare("INSERT INTO meta (key, value) VALUES ('netuid', ?), ('hotkey', ?)").run(String(identity.netuid), identity.hotkey);
  const insertRound = db.prepare('INSERT INTO rounds (round, block, started_at, finished_at, miners, verified) VALUES (?, ?, 0, 1, ?, 0)');
  const insertResult = db.prepare(
    `INSERT INTO results (round, uid, hotkey, precision, m, n, k, gemms, seconds, window_s, tflops, reward, verdict, reason)
     VALUES (@round, @uid, @hotkey, @precision, @m, @n, @k, @gemms, @seconds, @windowSeconds, @tflops, @reward, @verdict, @reason)`,
  );
  db.transaction(() => {
    for (let round = 1; round <= rounds; round++) {
      const results = randomRound(rand, round);
      insertRound.run(round, 10 * round, results.length);
      for (const r of results) {
        insertResult.run({ gemms: null, seconds: null, windowSeconds: null, ...r, precision: r.challenge?.precision ?? null, m: r.challenge?.m ?? null, n: r.challenge?.n ?? null, k: r.challenge?.k ?? null });
      }
    }
  })();
  db.close();
}

/** What the previous schema's queries answer on the database at `path`, in the shapes the store returns. */
function oldAnswers(path: string, store: ValidatorStore): { lastVerified: Map<string, Map<Precision, number>>; latestResults: RecordedResult[] } {
  const db = new Database(path, { readonly: true });
  try {
    const lastVerified = new Map<string, Map<Precision, number>>();
    for (const r of db.prepare<[], { hotkey: string; precision: string; tflops: number }>(OLD_LAST_VERIFIED).all()) {
      if (!(PRECISIONS as readonly string[]).includes(r.precision)) continue;
      if (!lastVerified.has(r.hotkey)) lastVerified.set(r.hotkey, new Map());
      lastVerified.get(r.hotkey)!.set(r.precision as Precision, r.tflops);
    }
    const latestResults = db
      .prepare<[], { round: number; hotkey: string }>(OLD_LATEST_RESULTS)
      .all()
      .map((key) => store.results(key)[0]!)
      .sort((x, y) => x.uid - y.uid || (x.hotkey < y.hotkey ? -1 : 1));
    return { lastVerified, latestResults };
  } finally {
    db.close();
  }
}

describe("the miners' kept standings", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`equal the previous schema's queries over every result, migrated and then written round by round (mix ${seed})`, () => {
      expect(STANDINGS, 'the migration that adds the kept standings').toBeGreaterThan(0);
      const rand = prng(seed);
      const path = join(dir, `v${seed}.db`);
      const before = 40;
      writePreviousSchema(path, rand, before);
      const store = ValidatorStore.open(path, identity);
      try {
        const check = (when: string) => {
          const expected = oldAnswers(path, store);
          expect(store.lastVerified(), `lastVerified ${when}`).toEqual(expected.lastVerified);
          expect(store.latestResults(), `latestResults ${when}`).toEqual(expected.latestResults);
          return expected;
        };
        const migrated = check('after the migration');
        // The mix exercises what it is meant to: miners that left keep a standing, the always-excused one has none.
        expect(migrated.latestResults.map((r) => r.hotkey)).not.toContain(ALWAYS_EXCUSED);
        expect(migrated.latestResults.length).toBe(POOL.length - 1);
        for (let round = before + 1; round <= before + 30; round++) {
          const results = randomRound(rand, round);
          store.recordRound({ round, block: 10 * round, startedAt: 0, finishedAt: 1 }, results, scoresOf(results, round));
          check(`after round ${round}`);
        }
      } finally {
        store.close();
      }
    });
  }

  it('a round written out of order does not move a standing back', () => {
    const store = ValidatorStore.open(':memory:', identity);
    try {
      const verified = (round: number, tflops: number): RecordedResult => ({
        round, uid: 1, hotkey: 'a', challenge: { precision: 'fp32', m: 8, n: 64, k: 64 }, tflops, reward: tflops, verdict: 'verified', reason: 'ok',
      });
      store.recordRound({ round: 5, block: 50, startedAt: 0, finishedAt: 1 }, [verified(5, 50)], new Map());
      store.recordRound({ round: 3, block: 30, startedAt: 0, finishedAt: 1 }, [verified(3, 30)], new Map());
      expect(store.lastVerified().get('a')?.get('fp32')).toBe(50);
      expect(store.latestResults().map((r) => r.round)).toEqual([5]);
    } finally {
      store.close();
    }
  });
});
