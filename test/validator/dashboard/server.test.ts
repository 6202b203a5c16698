/**
 * The dashboard's API from its own thread over a seeded database: what it answers agrees with the
 * validator's capacity report, pages and sorts server-side, follows rounds the validator writes while
 * it runs, never writes to the file, and refuses malformed or oversized queries with the reason.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_DEVICE, VALIDATOR_HOTKEY, minerHotkey, seedValidatorDb } from '../../../scripts/seed-validator-db.js';
import { capacityReport } from '../../../validator/capacity.js';
import { startDashboard, type Dashboard } from '../../../validator/dashboard/index.js';
import { ValidatorStore } from '../../../validator/store/db.js';
import { get } from '../../helpers/http.js';

const MINERS = 60;
const ROUNDS = 240;
const dir = mkdtempSync(join(tmpdir(), 'flopnet-dashboard-'));
const db = join(dir, 'validator.db');
let dashboard: Dashboard;

const api = async (path: string) => {
  const res = await get(`${dashboard.url}${path}`);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.body}`);
  return JSON.parse(res.body);
};

beforeAll(async () => {
  seedValidatorDb(db, { miners: MINERS, rounds: ROUNDS });
  dashboard = await startDashboard({ db, host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await dashboard?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard API', () => {
  it('says what the capacity report says', async () => {
    const { store, identity } = ValidatorStore.openExisting(db);
    const report = capacityReport(store, identity);
    store.close();
    const summary = await api('/api/summary');
    expect(summary).toMatchObject({ netuid: 1, validator: VALIDATOR_HOTKEY, round: ROUNDS, miners: MINERS, verifiedMiners: report.verifiedMiners });
    for (const [cls, tflops] of Object.entries(report.totals)) expect(summary.totals[cls]).toBeCloseTo(tflops, 6);
    expect(summary.weights).toMatchObject({ kind: 'set', status: 'included' });
    expect(dashboard.identity).toEqual({ netuid: 1, hotkey: VALIDATOR_HOTKEY });
  });

  it('pages and sorts the miners server-side, each row with its device, classes, score, weight, verdict and trend', async () => {
    const first = await api('/api/miners?limit=25');
    expect(first.total).toBe(MINERS);
    expect(first.rows.map((r: { uid: number }) => r.uid)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const third = await api('/api/miners?limit=25&offset=50');
    expect(third.rows.map((r: { uid: number }) => r.uid)).toEqual(Array.from({ length: 10 }, (_, i) => i + 51));
    const row = first.rows[0];
    expect(row).toMatchObject({ hotkey: minerHotkey(0), device: { name: 'NVIDIA H100 80GB HBM3', backend: 'cuda' }, lastRound: ROUNDS });
    expect(Object.keys(row.tflops).sort()).toEqual(['bf16', 'fp16', 'fp32']);
    expect(row.trend.length).toBe(24);
    expect(row.weight).toBeGreaterThan(0);
    expect(first.rows[2].device.name).toBe(HOSTILE_DEVICE);
    const byScore = await api('/api/miners?limit=256&sort=score&order=desc');
    const scores = byScore.rows.map((r: { score: number }) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Cheaters (every 17th from the 6th) failed their last proof and have no score.
    expect(byScore.rows.at(-1)).toMatchObject({ lastVerdict: 'failed', lastReason: 'out_of_tolerance', score: 0 });
  });

  it("buckets the capacity and a miner's history server-side, and pages its results", async () => {
    const capacity = await api('/api/capacity?range=1d');
    expect(capacity.classes).toEqual(['fp32', 'bf16', 'fp16']);
    expect(capacity.points.length).toBeGreaterThan(0);
    expect(capacity.points.length).toBeLessThanOrEqual(240);
    const miner = await api(`/api/miner?hotkey=${minerHotkey(0)}&range=1d&limit=100`);
    expect(miner.standing).toMatchObject({ uid: 1, hotkey: minerHotkey(0) });
    expect(miner.history.classes).toEqual(['fp32', 'bf16', 'fp16']);
    expect(miner.results.map((r: { round: number }) => r.round)).toEqual(Array.from({ length: 100 }, (_, i) => ROUNDS - i));
    const older = await api(`/api/miner?hotkey=${minerHotkey(0)}&range=1d&limit=100&before=${miner.next}`);
    expect(older.results[0].round).toBe(ROUNDS - 100);
    expect(Object.values(miner.verdicts).reduce((a: number, b) => a + (b as number), 0)).toBe(ROUNDS);
  });

  it('follows the rounds the validator writes while it runs, and never writes the file itself', async () => {
    const before = statSync(db).mtimeMs;
    await api('/api/summary');
    expect(statSync(db).mtimeMs).toBe(before);
    const { store } = ValidatorStore.openExisting(db);
    const scores = store.loadScores();
    store.recordRound({ round: ROUNDS + 1, block: 99_999, startedAt: Date.now(), finishedAt: Date.now() }, [
      { round: ROUNDS + 1, uid: 1, hotkey: minerHotkey(0), challenge: { precision: 'fp32', m: 8, n: 64, k: 64 }, tflops: 0, reward: 0, verdict: 'failed', reason: 'bad_path' },
    ], scores);
    store.close();
    const summary = await api('/api/summary');
    expect(summary).toMatchObject({ round: ROUNDS + 1, block: 99_999 });
    const row = (await api('/api/miners?limit=1')).rows[0];
    expect(row).toMatchObject({ uid: 1, lastRound: ROUNDS + 1, lastVerdict: 'failed', lastReason: 'bad_path' });
  });

  it('refuses malformed, oversized and unknown parameters with the reason, before any query runs', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/miners?limit=999', /^limit: /],
      ['/api/miners?limit=-1', /^limit: /],
      ['/api/miners?offset=1e400', /^offset: /],
      ['/api/miners?sort=hotkey;DROP%20TABLE%20results', /^sort: /],
      ['/api/miners?limit=5&limit=6', /each once/],
      ['/api/miners?evil=1', /unrecognized|evil/i],
      ['/api/miner?hotkey=%3Cscript%3E', /^hotkey: an ss58 address/],
      ['/api/miner?hotkey=..%2F..%2Fetc%2Fpasswd', /^hotkey: an ss58 address/],
      ['/api/miner', /^hotkey: /],
      ['/api/capacity?range=10y', /^range: /],
      [`/api/summary?${Array.from({ length: 9 }, (_, i) => `k${i}=1`).join('&')}`, /at most 8 parameters/],
    ];
    for (const [path, reason] of cases) {
      const res = await get(`${dashboard.url}${path}`);
      expect(res.status, path).toBe(400);
      expect(res.body, path).toMatch(reason);
    }
    const unknown = await get(`${dashboard.url}/api/miner?hotkey=${minerHotkey(MINERS + 5)}`);
    expect(unknown.status).toBe(404);
    expect((await get(`${dashboard.url}/api/chain`)).body).toContain('no chain connection');
  });

  it('refuses a database that is missing, or is not a validator database, naming the file', async () => {
    await expect(startDashboard({ db: join(dir, 'missing.db'), host: '127.0.0.1', port: 0 })).rejects.toMatchObject({ code: 'E_DB_MISSING' });
    const other = join(dir, 'other.db');
    (await import('node:fs')).writeFileSync(other, 'not sqlite at all');
    await expect(startDashboard({ db: other, host: '127.0.0.1', port: 0 })).rejects.toMatchObject({ code: 'E_DB_OPEN', message: expect.stringContaining('other.db') });
  });
});
