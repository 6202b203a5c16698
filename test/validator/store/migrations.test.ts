/**
 * A validator database written by the schema before per-class scoring (user_version 2, the
 * migrations up to protocol v2's window columns) opens under this version with its rows intact, class
 * averages seeded, and the `excused` verdict accepted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../validator/store/migrations.js';
import { ValidatorStore } from '../../../validator/store/db.js';

const dir = mkdtempSync(join(tmpdir(), 'flopnet-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const identity = { netuid: 2, hotkey: '5Validator' };

/** A database as a validator of the previous schema left it: three rounds, three miners. */
function writeSchemaV2(path: string): void {
  const db = new Database(path);
  for (const [v, sql] of MIGRATIONS.slice(0, 2).entries()) {
    db.exec(sql);
    db.pragma(`user_version = ${v + 1}`);
  }
  db.prepare("INSERT INTO meta (key, value) VALUES ('netuid', '2'), ('hotkey', '5Validator')").run();
  const round = db.prepare('INSERT INTO rounds (round, block, started_at, finished_at, miners, verified) VALUES (?, ?, 0, 1, 3, ?)');
  const result = db.prepare(
    `INSERT INTO results (round, uid, hotkey, precision, m, n, k, seconds, rtt_ms, tflops, reward, verdict, reason, detail, device, gemms, window_s, sized_tflops)
     VALUES (?, ?, ?, ?, 8, 1024, 1024, ?, 1, ?, ?, ?, ?, NULL, 'H100', ?, 10, 50)`,
  );
  round.run(1, 10, 3);
  result.run(1, 1, 'good', 'fp32', 9.5, 60, 60, 'verified', 'ok', 8);
  result.run(1, 2, 'cheat', 'fp32', 9.5, 60, 60, 'verified', 'ok', 8);
  result.run(1, 3, 'gone', null, null, 0, 0, 'unreachable', 'E_CONNECT', null);
  round.run(2, 20, 1);
  result.run(2, 1, 'good', 'bf16', 9.6, 900, 90, 'verified', 'ok', 8);
  result.run(2, 2, 'cheat', 'fp32', 9.6, 0, 0, 'failed', 'out_of_tolerance', 8);
  round.run(3, 30, 1);
  result.run(3, 1, 'good', 'fp32', 9.7, 62, 62, 'verified', 'ok', 8);
  const score = db.prepare('INSERT INTO scores (hotkey, uid, score, round) VALUES (?, ?, ?, ?)');
  score.run('good', 1, 21.3, 3);
  score.run('cheat', 2, 0, 2);
  db.prepare("INSERT INTO throughput (hotkey, precision, tflops, flops, round) VALUES ('good', 'fp32', 63.9, 6.2e14, 3)").run();
  db.close();
}

describe('validator database migration', () => {
  it('migrates a database written by the previous schema: rows kept, class averages seeded, excused accepted', () => {
    const path = join(dir, 'v2.db');
    writeSchemaV2(path);
    const store = ValidatorStore.open(path, identity);
    try {
      // Every result row survived the table rebuild, with its class read back.
      expect(store.results()).toHaveLength(6);
      expect(store.results({ hotkey: 'good', round: 2 })[0]).toMatchObject({ precision: 'bf16', tflops: 900, verdict: 'verified', gemms: 8, windowSeconds: 10, sizedTflops: 50 });
      expect(store.results({ hotkey: 'gone' })[0]).toMatchObject({ verdict: 'unreachable', reason: 'E_CONNECT' });
      // Seeded from the latest verified TFLOPS per class, for miners whose score was above zero.
      const scores = store.loadScores();
      expect(scores.get('good')).toEqual({ hotkey: 'good', uid: 1, score: 21.3, ema: { fp32: 62, bf16: 900 }, round: 3 });
      expect(scores.get('cheat')).toEqual({ hotkey: 'cheat', uid: 2, score: 0, ema: {}, round: 2 });
      expect(store.loadThroughput().get('good')?.get('fp32')).toEqual({ tflops: 63.9 });
      // The new verdict goes in, and the round counter continues.
      expect(store.nextRound()).toBe(4);
      store.recordRound({ round: 4, block: 40, startedAt: 0, finishedAt: 1 }, [
        { round: 4, uid: 1, hotkey: 'good', precision: 'fp32', tflops: 0, reward: 0, verdict: 'excused', reason: 'E_BUSY' },
      ], scores);
      expect(store.results({ round: 4 })[0]).toMatchObject({ verdict: 'excused', reason: 'E_BUSY', precision: 'fp32' });
    } finally {
      store.close();
    }
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'results_by_hotkey'").get()).toBeDefined();
    } finally {
      raw.close();
    }
  });

  it('still refuses a verdict it does not know', () => {
    const store = ValidatorStore.open(':memory:', identity);
    try {
      const bad = { round: 1, uid: 1, hotkey: 'x', tflops: 0, reward: 0, verdict: 'maybe', reason: 'x' } as never;
      expect(() => store.recordRound({ round: 1, block: 1, startedAt: 0, finishedAt: 1 }, [bad], new Map())).toThrow(/CHECK/);
    } finally {
      store.close();
    }
  });
});
