/**
 * Writes a validator database as a running validator would, through the store's own write path
 * (ValidatorStore.recordRound): `miners` miners challenged every round, one class per round, rounds a
 * minute apart ending now, weights set every `weightsEvery` rounds. For the dashboard's tests and its
 * benchmark (scripts/bench-dashboard.ts). Some miners cheat and fail; one reports a device name made
 * of HTML and script, and one sends a refusal message that is, to check the pages show them as text.
 *
 *   npx tsx scripts/seed-validator-db.ts --db /tmp/v.db --miners 256 --rounds 43200 --bulk
 */
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { blake2AsU8a, encodeAddress } from '@polkadot/util-crypto';
import type { DeviceInfo, Precision } from '../shared/challenge/types.js';
import { parseIncentives } from '../validator/incentives.js';
import { updateScores, type ScoreEntry } from '../validator/scores.js';
import { ValidatorStore, type RecordedResult } from '../validator/store/db.js';

export const HOSTILE_DEVICE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
export const HOSTILE_DETAIL = 'openings: E_SCHEMA: </td><script>window.__xss=3</script>';

export interface SeedOptions {
  miners: number;
  rounds: number;
  /** Last round's start, ms since the epoch (default now). */
  end?: number;
  roundMs?: number;
  weightsEvery?: number;
  /**
   * Write every round but the last with plain INSERTs, 500 rounds a transaction, instead of the
   * store's per-round write (25 ms a round of 256 miners: a month of rounds would take 20 minutes).
   * The last round, the scores, devices and throughput still go through recordRound.
   */
  bulk?: boolean;
  onProgress?: (round: number) => void;
}

const CLASSES: Precision[] = ['fp32', 'bf16', 'fp16'];
const GPUS = ['NVIDIA H100 80GB HBM3', 'NVIDIA A100-SXM4-80GB', 'NVIDIA GeForce RTX 4090', 'NVIDIA L40S', 'AMD Instinct MI300X'];

export const minerHotkey = (i: number): string => encodeAddress(blake2AsU8a(`flopnet-seed-miner-${i}`), 42);
export const VALIDATOR_HOTKEY = encodeAddress(blake2AsU8a('flopnet-seed-validator'), 42);

/** Deterministic noise in [0, 1) from integers. */
const noise = (a: number, b: number): number => {
  const x = Math.sin(a * 12.9898 + b * 78.233) * 43758.5453;
  return x - Math.floor(x);
};

export function seedValidatorDb(path: string, o: SeedOptions): { identity: { netuid: number; hotkey: string }; hotkeys: string[] } {
  const identity = { netuid: 1, hotkey: VALIDATOR_HOTKEY };
  const store = ValidatorStore.open(path, identity);
  const roundMs = o.roundMs ?? 60_000;
  const end = o.end ?? Date.now();
  const start = end - (o.rounds - 1) * roundMs;
  const hotkeys = Array.from({ length: o.miners }, (_, i) => minerHotkey(i));
  // uid 0 is the validator; miners from uid 1.
  const devices = new Map<string, DeviceInfo>(
    hotkeys.map((h, i) => [h, { backend: 'cuda', name: i === 2 ? HOSTILE_DEVICE : GPUS[i % GPUS.length]!, memoryBytes: 80 * 2 ** 30, precisions: ['fp32', 'bf16', 'fp16'] }]),
  );
  const speed = (i: number, p: Precision): number => (1 + 3 * noise(i, 1)) * (p === 'fp32' ? 60 : 900);
  const cheater = (i: number): boolean => i % 17 === 5;
  let scores = new Map<string, ScoreEntry>();
  // The classes the rounds draw, paid alike, so scores move as a validator's would under such a config.
  const incentives = parseIncentives({ classes: Object.fromEntries(CLASSES.map((c) => [c, { draw: 1, reward: 1 }])) });
  const raw = o.bulk ? new Database(store.path) : undefined;
  const insertRound = raw?.prepare('INSERT INTO rounds (round, block, started_at, finished_at, miners, verified) VALUES (?, ?, ?, ?, ?, ?)');
  const insertResult = raw?.prepare(
    `INSERT INTO results (round, uid, hotkey, precision, m, n, k, gemms, seconds, window_s, tflops, reward, verdict, reason, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  raw?.exec('BEGIN');
  // Written once the rounds are: the bulk connection holds the write lock until then.
  const weights: Array<{ at: number; block: number; uids: number[]; weights: number[] }> = [];
  for (let round = 1; round <= o.rounds; round++) {
    const precision = CLASSES[round % CLASSES.length]!;
    const results: RecordedResult[] = hotkeys.map((hotkey, i): RecordedResult => {
      const base = { round, uid: i + 1, hotkey, reward: 0, challenge: { precision, m: 64, n: 8192, k: 8192 }, windowSeconds: 10 };
      const roll = noise(round, i);
      if (cheater(i)) return { ...base, gemms: 64, tflops: 0, verdict: 'failed', reason: 'out_of_tolerance', detail: 'entry (3, 17) off by 4.1e-2, bound 1.2e-5' };
      if (i === 3 && roll < 0.2) return { ...base, tflops: 0, verdict: 'failed', reason: 'no_openings', detail: HOSTILE_DETAIL };
      if (roll < 0.03) return { ...base, tflops: 0, verdict: 'no_answer', reason: 'late', detail: 'root after 10.9 s of a 10 s window' };
      if (roll < 0.04) return { ...base, tflops: 0, verdict: 'unreachable', reason: 'E_TIMEOUT', detail: 'ping: no answer in 5 s' };
      const tflops = speed(i, precision) * (0.9 + 0.2 * noise(i, round)) * (1 + (0.3 * round) / o.rounds);
      return { ...base, gemms: 60, seconds: 9.8, tflops, reward: tflops, verdict: 'verified', reason: 'ok', detail: `60 of 64 GEMMs in 9.800 s` };
    });
    scores = updateScores(scores, results, round, incentives);
    const at = start + (round - 1) * roundMs;
    if (raw && round < o.rounds) {
      insertRound!.run(round, 1000 + 5 * round, at, at + 12_000, results.length, results.filter((r) => r.verdict === 'verified').length);
      for (const r of results) {
        insertResult!.run(round, r.uid, r.hotkey, r.challenge!.precision, r.challenge!.m, r.challenge!.n, r.challenge!.k, r.gemms ?? null, r.seconds ?? null, r.windowSeconds ?? null, r.tflops, r.reward, r.verdict, r.reason, r.detail ?? null);
      }
      if (round % 500 === 0) raw.exec('COMMIT; BEGIN');
    } else {
      raw?.exec('COMMIT');
      raw?.close();
      store.recordRound({ round, block: 1000 + 5 * round, startedAt: at, finishedAt: at + 12_000 }, results, scores, round === 1 || raw ? devices : new Map());
    }
    if (round % (o.weightsEvery ?? 72) === 0) {
      const members = [...scores.values()];
      const total = members.reduce((sum, m) => sum + m.score, 0) || 1;
      weights.push({ at: at + 13_000, block: 1000 + 5 * round + 1, uids: members.map((m) => m.uid), weights: members.map((m) => Math.round((65535 * m.score) / total)) });
    }
    if (round % 1000 === 0) o.onProgress?.(round);
  }
  for (const w of weights) {
    const id = store.addWeightSubmission({ kind: 'set', createdAt: w.at, uids: w.uids, weights: w.weights, salt: undefined, versionKey: 0, commitHash: undefined, status: 'pending' });
    store.updateWeightSubmission(id, { status: 'included', block: w.block });
  }
  store.close();
  return { identity, hotkeys };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { db: { type: 'string' }, miners: { type: 'string', default: '256' }, rounds: { type: 'string', default: '43200' }, bulk: { type: 'boolean', default: false } } });
  if (!values.db) throw new Error('--db FILE is required');
  const t0 = performance.now();
  seedValidatorDb(values.db, { miners: Number(values.miners), rounds: Number(values.rounds), bulk: values.bulk, onProgress: (r) => process.stderr.write(`\rround ${r}`) });
  process.stderr.write(`\nseeded ${values.db} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
