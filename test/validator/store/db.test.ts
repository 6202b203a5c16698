import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { ValidatorStore, type RecordedResult } from '../../../validator/store/db.js';
import { MIGRATIONS } from '../../../validator/store/migrations.js';
import type { ScoreEntry } from '../../../validator/scores.js';

const identity = { netuid: 3, hotkey: '5Validator' };
const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'flopnet-db-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function result(round: number, hotkey: string, uid: number, over: Partial<RecordedResult> = {}): RecordedResult {
  return {
    round, uid, hotkey,
    challenge: { precision: 'fp32', m: 4, n: 64, k: 64 }, gemms: 1, windowSeconds: 0.1, sizedTflops: 0.001,
    seconds: 0.1, rttMs: 1, tflops: 0.5, reward: 0.5, verdict: 'verified', reason: 'ok', device: 'cpu',
    ...over,
  };
}
const scoreMap = (...entries: Array<Omit<ScoreEntry, 'ema'> & { ema?: ScoreEntry['ema'] }>) => new Map(entries.map((e) => [e.hotkey, { ema: {}, ...e }]));

describe('validator store', () => {
  it('continues after a restart: scores, throughput, devices and the round counter survive', () => {
    const path = join(tmp(), 'v.db');
    const a = ValidatorStore.open(path, identity);
    expect(a.nextRound()).toBe(1);
    a.recordRound(
      { round: 1, block: 10, startedAt: 1, finishedAt: 2 },
      [result(1, 'm1', 1), result(1, 'm2', 2, { verdict: 'failed', reason: 'E_ROW_MISMATCH', tflops: 0, reward: 0 })],
      scoreMap({ hotkey: 'm1', uid: 1, score: 0.05, ema: { fp32: 0.05, bf16: 0.5 }, round: 1 }, { hotkey: 'm2', uid: 2, score: 0, round: 1 }),
      new Map([['m1', { backend: 'cpu' as const, name: 'test cpu', memoryBytes: 1024, precisions: ['fp32' as const] }]]),
    );
    a.close();

    const b = ValidatorStore.open(path, identity);
    expect(b.nextRound()).toBe(2);
    expect(b.loadScores().get('m1')).toEqual({ hotkey: 'm1', uid: 1, score: 0.05, ema: { fp32: 0.05, bf16: 0.5 }, round: 1 });
    expect(b.loadScores().get('m2')).toEqual({ hotkey: 'm2', uid: 2, score: 0, ema: {}, round: 1 });
    // Sizing follows the measured rate (FLOPs over seconds), whatever was credited.
    // Measured from the one GEMM of the four offered that it committed.
    expect(b.loadThroughput().get('m1')?.get('fp32')).toEqual({ tflops: (2 * 64 ** 3) / 0.1 / 1e12 });
    expect(b.loadThroughput().has('m2')).toBe(false);
    expect(b.loadDevices().get('m1')?.name).toBe('test cpu');
    const failed = b.results({ hotkey: 'm2' })[0]!;
    expect(failed).toMatchObject({ verdict: 'failed', reason: 'E_ROW_MISMATCH', challenge: { precision: 'fp32', n: 64 } });
    b.close();
  });

  it('writes a round all or nothing', () => {
    const store = ValidatorStore.open(':memory:', identity);
    const bad = { ...result(1, 'm2', 2), verdict: 'maybe' } as unknown as RecordedResult;
    expect(() => store.recordRound({ round: 1, block: 1, startedAt: 1, finishedAt: 2 }, [result(1, 'm1', 1), bad], scoreMap({ hotkey: 'm1', uid: 1, score: 1, round: 1 }))).toThrow();
    expect(store.nextRound()).toBe(1);
    expect(store.results()).toEqual([]);
    expect(store.loadScores().size).toBe(0);
    store.close();
  });

  it('refuses a database that belongs to another subnet or hotkey', () => {
    const path = join(tmp(), 'v.db');
    ValidatorStore.open(path, identity).close();
    expect(() => ValidatorStore.open(path, { ...identity, netuid: 4 })).toThrow(/belongs to netuid 3/);
    expect(() => ValidatorStore.open(path, { ...identity, hotkey: '5Other' })).toThrow(expect.objectContaining({ code: 'E_DB_IDENTITY', hint: expect.stringContaining('--db') }));
  });

  it('forgets the sizing history of miners whose hotkeys left the subnet', () => {
    const store = ValidatorStore.open(':memory:', identity);
    store.recordRound({ round: 1, block: 1, startedAt: 1, finishedAt: 2 }, [result(1, 'm1', 1)], scoreMap({ hotkey: 'm1', uid: 1, score: 1, round: 1 }));
    store.saveScores(new Map());
    expect(store.loadThroughput().size).toBe(0);
    store.close();
  });

  it('sizes a miner that timed out for half its last rate', () => {
    const store = ValidatorStore.open(':memory:', identity);
    const scores = scoreMap({ hotkey: 'm1', uid: 1, score: 1, round: 1 });
    store.recordRound({ round: 1, block: 1, startedAt: 1, finishedAt: 2 }, [result(1, 'm1', 1)], scores);
    const before = store.loadThroughput().get('m1')!.get('fp32')!;
    store.recordRound({ round: 2, block: 2, startedAt: 1, finishedAt: 2 }, [result(2, 'm1', 1, { verdict: 'no_answer', reason: 'late', tflops: 0, reward: 0 })], scores);
    expect(store.loadThroughput().get('m1')!.get('fp32')).toEqual({ tflops: before.tflops / 2 });
    store.close();
  });

  it('sizes a new miner that timed out for half the pace its first challenge assumed', () => {
    const store = ValidatorStore.open(':memory:', identity);
    // Sized at 1 GFLOP/s, it did not commit even one GEMM in the window.
    store.recordRound(
      { round: 1, block: 1, startedAt: 1, finishedAt: 2 },
      [result(1, 'm1', 1, { verdict: 'no_answer', reason: 'E_TIMEOUT', tflops: 0, reward: 0, seconds: undefined, gemms: undefined, sizedTflops: 1e-3 })],
      scoreMap({ hotkey: 'm1', uid: 1, score: 0, round: 1 }),
    );
    expect(store.loadThroughput().get('m1')!.get('fp32')).toEqual({ tflops: 0.5e-3 });
    store.close();
  });

  it('reads back what a result recorded of its window', () => {
    const store = ValidatorStore.open(':memory:', identity);
    store.recordRound({ round: 1, block: 1, startedAt: 1, finishedAt: 2 }, [result(1, 'm1', 1)], scoreMap({ hotkey: 'm1', uid: 1, score: 1, round: 1 }));
    expect(store.results({ hotkey: 'm1' })[0]).toMatchObject({ gemms: 1, windowSeconds: 0.1, sizedTflops: 0.001, challenge: { m: 4 } });
    store.close();
  });

  it('keeps commits, even ones whose inclusion was never confirmed, until they are revealed', () => {
    const store = ValidatorStore.open(':memory:', identity);
    const id = store.addWeightSubmission({ kind: 'commit', createdAt: 1, uids: [1], weights: [65535], salt: [7, 8], versionKey: 1000, commitHash: '0xab', status: 'pending' });
    expect(store.pendingCommits()).toMatchObject([{ id, status: 'pending' }]);
    store.updateWeightSubmission(id, { status: 'included', block: 12 });
    expect(store.pendingCommits()).toMatchObject([{ id, block: 12, salt: [7, 8], uids: [1], weights: [65535] }]);
    store.updateWeightSubmission(id, { status: 'revealed', block: 25 });
    expect(store.pendingCommits()).toEqual([]);
    store.close();
  });

  it('keeps the weight submissions of a database written before timelocked commits, and records timelocked ones', () => {
    const path = join(tmp(), 'v2.db');
    const old = new Database(path);
    for (const sql of MIGRATIONS.slice(0, 2)) old.exec(sql);
    old.pragma('user_version = 2');
    old.prepare("INSERT INTO weight_submissions (kind, created_at, block, uids, weights, salt, version_key, commit_hash, status) VALUES ('commit', 1, 12, '[1]', '[65535]', '[7]', 1000, '0xab', 'included')").run();
    old.close();
    const store = ValidatorStore.open(path, identity);
    expect(store.pendingCommits()).toMatchObject([{ kind: 'commit', block: 12, salt: [7], commitHash: '0xab', revealRound: undefined }]);
    const id = store.addWeightSubmission({ kind: 'timelocked', createdAt: 2, uids: [1], weights: [65535], salt: undefined, versionKey: 1000, commitHash: undefined, status: 'pending' });
    store.updateWeightSubmission(id, { status: 'included', block: 30, revealRound: 27_000_001 });
    expect(store.weightSubmissions()[0]).toMatchObject({ kind: 'timelocked', status: 'included', block: 30, revealRound: 27_000_001 });
    // The chain reveals a timelocked commit: it is no commit for the validator to reveal.
    expect(store.pendingCommits()).toHaveLength(1);
    store.close();
  });

  it('loses at most the round in flight when the process is killed with SIGKILL', async () => {
    const path = join(tmp(), 'v.db');
    const script = `
      import { ValidatorStore } from ${JSON.stringify(new URL('../../../validator/store/db.ts', import.meta.url).pathname)};
      const store = ValidatorStore.open(${JSON.stringify(path)}, ${JSON.stringify(identity)});
      for (let round = 1; ; round++) {
        const results = Array.from({ length: 50 }, (_, i) => ({ round, uid: i, hotkey: 'm' + i, tflops: round, reward: round, verdict: 'verified', reason: 'ok', challenge: { precision: 'fp32', m: 1, n: 8, k: 8 } }));
        const scores = new Map(results.map((r) => [r.hotkey, { hotkey: r.hotkey, uid: r.uid, score: round, ema: { fp32: round }, round }]));
        store.recordRound({ round, block: round, startedAt: 0, finishedAt: 0 }, results, scores);
        if (round === 20) process.stdout.write('ready\\n');
      }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
      });
      await new Promise((r) => setTimeout(r, 150));
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.on('close', r));
    const store = ValidatorStore.open(path, identity);
    const last = store.nextRound() - 1;
    expect(last).toBeGreaterThanOrEqual(20);
    // Every round on disk is complete, and the scores are those of the last complete round.
    expect(store.results({ round: last })).toHaveLength(50);
    expect(store.results({ round: last + 1 })).toHaveLength(0);
    const scores = [...store.loadScores().values()];
    expect(scores).toHaveLength(50);
    expect(scores.every((s) => s.score === last && s.round === last)).toBe(true);
    store.close();
  });
});
