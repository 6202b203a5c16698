/**
 * The validator's persistent state in SQLite (WAL): scores, every round's results with their reasons,
 * the throughput that sizes the next challenge, device reports and weight submissions.
 *
 * A round is written in ONE transaction (its results, the new scores, throughput and devices), so a
 * `kill -9` loses at most the round in flight and a restarted validator continues from the last one.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { FlopnetError } from '../../shared/errors.js';
import { PRECISIONS, zDeviceInfo, type DeviceInfo, type Precision } from '../../shared/challenge/types.js';
import type { ChallengeResult, Verdict } from '../result.js';
import type { ClassTflops } from '../reward.js';
import type { ScoreEntry, Scores } from '../scores.js';
import { MIGRATIONS } from './migrations.js';
import { nextPace, type Throughput } from './throughput.js';

export type { Throughput } from './throughput.js';

export interface StoreIdentity {
  netuid: number;
  /** The validator's hotkey (ss58). */
  hotkey: string;
}

export interface RoundRecord {
  round: number;
  block: number;
  startedAt: number;
  finishedAt: number;
}

export interface RecordedResult extends ChallengeResult {
  reward: number;
}

export interface WeightSubmission {
  id: number;
  /** `timelocked`: a commit the chain reveals itself at `revealRound`'s drand pulse. */
  kind: 'set' | 'commit' | 'timelocked';
  createdAt: number;
  block: number | undefined;
  uids: number[];
  weights: number[];
  salt: number[] | undefined;
  versionKey: number;
  commitHash: string | undefined;
  status: 'pending' | 'included' | 'revealed' | 'failed' | 'expired';
  error: string | undefined;
  revealRound: number | undefined;
}

interface ResultRow {
  round: number;
  uid: number;
  hotkey: string;
  precision: string | null;
  m: number | null;
  n: number | null;
  k: number | null;
  seconds: number | null;
  rtt_ms: number | null;
  gemms: number | null;
  window_s: number | null;
  sized_tflops: number | null;
  tflops: number;
  reward: number;
  verdict: Verdict;
  reason: string;
  detail: string | null;
  device: string | null;
}

interface SubmissionRow {
  id: number;
  kind: WeightSubmission['kind'];
  created_at: number;
  block: number | null;
  uids: string;
  weights: string;
  salt: string | null;
  version_key: number;
  commit_hash: string | null;
  status: WeightSubmission['status'];
  error: string | null;
  reveal_round: number | null;
}

const isPrecision = (p: string | null): p is Precision => p !== null && (PRECISIONS as readonly string[]).includes(p);

/** Rows keyed by miner hotkey, then by class; rows naming a class this version does not know are skipped. */
function byHotkeyAndClass<R extends { hotkey: string; precision: string }, V>(rows: readonly R[], value: (row: R) => V): Map<string, Map<Precision, V>> {
  const out = new Map<string, Map<Precision, V>>();
  for (const r of rows) {
    if (!isPrecision(r.precision)) continue;
    let byClass = out.get(r.hotkey);
    if (!byClass) out.set(r.hotkey, (byClass = new Map()));
    byClass.set(r.precision, value(r));
  }
  return out;
}

function toResult(row: ResultRow): RecordedResult {
  return {
    round: row.round,
    uid: row.uid,
    hotkey: row.hotkey,
    ...(isPrecision(row.precision) ? { precision: row.precision } : {}),
    ...(isPrecision(row.precision) && row.m !== null && row.n !== null && row.k !== null
      ? { challenge: { precision: row.precision, m: row.m, n: row.n, k: row.k } }
      : {}),
    ...(row.seconds !== null ? { seconds: row.seconds } : {}),
    ...(row.rtt_ms !== null ? { rttMs: row.rtt_ms } : {}),
    ...(row.gemms !== null ? { gemms: row.gemms } : {}),
    ...(row.window_s !== null ? { windowSeconds: row.window_s } : {}),
    ...(row.sized_tflops !== null ? { sizedTflops: row.sized_tflops } : {}),
    tflops: row.tflops,
    reward: row.reward,
    verdict: row.verdict,
    reason: row.reason,
    ...(row.detail !== null ? { detail: row.detail } : {}),
    ...(row.device !== null ? { device: row.device } : {}),
  };
}

function toSubmission(row: SubmissionRow): WeightSubmission {
  return {
    id: row.id,
    kind: row.kind,
    createdAt: row.created_at,
    block: row.block ?? undefined,
    uids: JSON.parse(row.uids) as number[],
    weights: JSON.parse(row.weights) as number[],
    salt: row.salt === null ? undefined : (JSON.parse(row.salt) as number[]),
    versionKey: row.version_key,
    commitHash: row.commit_hash ?? undefined,
    status: row.status,
    error: row.error ?? undefined,
    revealRound: row.reveal_round ?? undefined,
  };
}

export class ValidatorStore {
  readonly path: string;
  private readonly db: Database.Database;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
  }

  /**
   * Opens (creating if needed) the database at `path` (`:memory:` for tests), migrates it, and checks
   * that it belongs to this validator: one file per (netuid, hotkey), so scores are never mixed.
   */
  static open(path: string, identity: StoreIdentity): ValidatorStore {
    const full = path === ':memory:' ? path : resolve(path);
    let db: Database.Database;
    try {
      if (full !== ':memory:') mkdirSync(dirname(full), { recursive: true });
      db = new Database(full);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    } catch (error) {
      throw new FlopnetError(`Cannot open the validator database ${full}: ${(error as Error).message}`, {
        code: 'E_DB_OPEN',
        hint: 'check that the directory is writable, or choose another file with --db',
        cause: error,
      });
    }
    const store = new ValidatorStore(full, db);
    try {
      store.migrate();
      store.claim(identity);
    } catch (error) {
      db.close();
      throw error;
    }
    return store;
  }

  /**
   * Opens an existing database whatever validator it belongs to (for reports), with that identity.
   * Fails with a hint when there is none at `path`.
   */
  static openExisting(path: string): { store: ValidatorStore; identity: StoreIdentity } {
    const full = resolve(path);
    if (!existsSync(full)) {
      throw new FlopnetError(`No validator database at ${full}`, {
        code: 'E_DB_MISSING',
        hint: 'run `flopnet validator start` first, or point --db at the file it writes',
      });
    }
    const probe = new Database(full, { fileMustExist: true });
    let identity: StoreIdentity;
    try {
      const get = (key: string) => probe.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
      const netuid = get('netuid');
      const hotkey = get('hotkey');
      if (netuid === undefined || hotkey === undefined) throw new Error('no identity');
      identity = { netuid: Number(netuid), hotkey };
    } catch {
      throw new FlopnetError(`${full} is not a flopnet validator database`, { code: 'E_DB_OPEN', hint: 'point --db at the file `flopnet validator start` writes' });
    } finally {
      probe.close();
    }
    return { store: ValidatorStore.open(full, identity), identity };
  }

  /**
   * Opens an existing database for reading only (the dashboard): nothing is migrated or claimed, and
   * any write fails. The schema must be this flopnet's: an older file is migrated by starting its validator.
   */
  static openReadOnly(path: string): { store: ValidatorStore; identity: StoreIdentity } {
    const full = resolve(path);
    if (!existsSync(full)) throw new FlopnetError(`No validator database at ${full}`, { code: 'E_DB_MISSING', hint: 'point --db at the file `flopnet validator start` writes' });
    const db = new Database(full, { readonly: true, fileMustExist: true });
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== MIGRATIONS.length) {
        throw new FlopnetError(`The validator database ${full} has schema ${version}; this flopnet reads schema ${MIGRATIONS.length}`, {
          code: 'E_DB_VERSION',
          hint: version < MIGRATIONS.length ? 'start its validator once with this flopnet (it migrates the file), then read it' : 'upgrade flopnet',
        });
      }
      const get = (key: string) => db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
      const netuid = get('netuid');
      const hotkey = get('hotkey');
      if (netuid === undefined || hotkey === undefined) throw new FlopnetError(`${full} is not a flopnet validator database`, { code: 'E_DB_OPEN', hint: 'point --db at the file `flopnet validator start` writes' });
      return { store: new ValidatorStore(full, db), identity: { netuid: Number(netuid), hotkey } };
    } catch (error) {
      db.close();
      throw error instanceof FlopnetError ? error : new FlopnetError(`${full} is not a flopnet validator database`, { code: 'E_DB_OPEN', cause: error });
    }
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new FlopnetError(`The validator database ${this.path} was written by a newer flopnet (schema ${current}, this one knows ${MIGRATIONS.length})`, {
        code: 'E_DB_VERSION',
        hint: 'upgrade flopnet, or point --db at a new file',
      });
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  private claim(identity: StoreIdentity): void {
    const get = this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    const netuid = get.get('netuid')?.value;
    const hotkey = get.get('hotkey')?.value;
    if (netuid === undefined && hotkey === undefined) {
      const put = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      this.db.transaction(() => {
        put.run('netuid', String(identity.netuid));
        put.run('hotkey', identity.hotkey);
      })();
      return;
    }
    if (netuid !== String(identity.netuid) || hotkey !== identity.hotkey) {
      throw new FlopnetError(`The validator database ${this.path} belongs to netuid ${netuid} and hotkey ${hotkey}, not netuid ${identity.netuid} and hotkey ${identity.hotkey}`, {
        code: 'E_DB_IDENTITY',
        hint: 'use a separate --db file for each subnet and hotkey',
      });
    }
  }

  /** The number the next round gets: one past the last round written. */
  nextRound(): number {
    const row = this.db.prepare<[], { last: number | null }>('SELECT MAX(round) AS last FROM rounds').get();
    return (row?.last ?? 0) + 1;
  }

  loadScores(): Map<string, ScoreEntry> {
    const rows = this.db.prepare<[], Omit<ScoreEntry, 'ema'>>('SELECT hotkey, uid, score, round FROM scores').all();
    const classes = this.db.prepare<[], { hotkey: string; precision: string; ema: number }>('SELECT hotkey, precision, ema FROM score_classes').all();
    const ema = byHotkeyAndClass(classes, (r) => r.ema);
    return new Map(rows.map((r) => [r.hotkey, { ...r, ema: Object.fromEntries(ema.get(r.hotkey) ?? []) as ClassTflops }]));
  }

  /** Last measured throughput per miner hotkey and class. */
  loadThroughput(): Map<string, Map<Precision, Throughput>> {
    const rows = this.db
      .prepare<[], { hotkey: string; precision: string; tflops: number }>('SELECT hotkey, precision, tflops FROM throughput')
      .all();
    return byHotkeyAndClass(rows, (r) => ({ tflops: r.tflops }));
  }

  /** Credited TFLOPS of each miner's latest verified result per class. */
  lastVerified(): Map<string, Map<Precision, number>> {
    const rows = this.db
      .prepare<[], { hotkey: string; precision: string; tflops: number }>(
        `SELECT r.hotkey, r.precision, r.tflops FROM results r
         JOIN (SELECT hotkey, precision, MAX(round) AS round FROM results WHERE verdict = 'verified' GROUP BY hotkey, precision) last
           ON last.hotkey = r.hotkey AND last.precision = r.precision AND last.round = r.round`,
      )
      .all();
    return byHotkeyAndClass(rows, (r) => r.tflops);
  }

  loadDevices(): Map<string, DeviceInfo> {
    const rows = this.db.prepare<[], { hotkey: string; info: string }>('SELECT hotkey, info FROM devices').all();
    const out = new Map<string, DeviceInfo>();
    for (const r of rows) {
      // A device report came from a miner: re-validate rather than trust what was stored.
      const parsed = zDeviceInfo.safeParse(JSON.parse(r.info));
      if (parsed.success) out.set(r.hotkey, parsed.data);
    }
    return out;
  }

  /**
   * Writes one finished round atomically: the round, every result, the scores that replace the
   * stored ones, the throughput of each verified result and the devices reported.
   */
  recordRound(round: RoundRecord, results: readonly RecordedResult[], scores: Scores, devices: ReadonlyMap<string, DeviceInfo> = new Map()): void {
    const insertRound = this.db.prepare(
      'INSERT INTO rounds (round, block, started_at, finished_at, miners, verified) VALUES (@round, @block, @startedAt, @finishedAt, @miners, @verified)',
    );
    const insertResult = this.db.prepare(
      `INSERT INTO results (round, uid, hotkey, precision, m, n, k, gemms, seconds, rtt_ms, window_s, sized_tflops, tflops, reward, verdict, reason, detail, device)
       VALUES (@round, @uid, @hotkey, @precision, @m, @n, @k, @gemms, @seconds, @rtt_ms, @window_s, @sized_tflops, @tflops, @reward, @verdict, @reason, @detail, @device)`,
    );
    const upsertThroughput = this.db.prepare(
      `INSERT INTO throughput (hotkey, precision, tflops, flops, round) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (hotkey, precision) DO UPDATE SET tflops = excluded.tflops, flops = excluded.flops, round = excluded.round`,
    );
    const paces = this.loadThroughput();
    const upsertDevice = this.db.prepare(
      `INSERT INTO devices (hotkey, info, round) VALUES (?, ?, ?)
       ON CONFLICT (hotkey) DO UPDATE SET info = excluded.info, round = excluded.round`,
    );
    this.db.transaction(() => {
      insertRound.run({ ...round, miners: results.length, verified: results.filter((r) => r.verdict === 'verified').length });
      for (const r of results) {
        insertResult.run({
          round: round.round,
          uid: r.uid,
          hotkey: r.hotkey,
          precision: r.precision ?? r.challenge?.precision ?? null,
          m: r.challenge?.m ?? null,
          n: r.challenge?.n ?? null,
          k: r.challenge?.k ?? null,
          seconds: r.seconds ?? null,
          rtt_ms: r.rttMs ?? null,
          gemms: r.gemms ?? null,
          window_s: r.windowSeconds ?? null,
          sized_tflops: r.sizedTflops ?? null,
          tflops: r.tflops,
          reward: r.reward,
          verdict: r.verdict,
          reason: r.reason,
          detail: r.detail ?? null,
          device: r.device ?? null,
        });
        if (!r.challenge) continue;
        const pace = nextPace(r, paces.get(r.hotkey)?.get(r.challenge.precision));
        if (pace) upsertThroughput.run(r.hotkey, r.challenge.precision, pace.tflops, pace.flops, round.round);
      }
      for (const [hotkey, info] of devices) upsertDevice.run(hotkey, JSON.stringify(info), round.round);
      this.writeScores(scores);
    })();
  }

  /** Replaces the stored scores (after a metagraph resync dropped replaced hotkeys). */
  saveScores(scores: Scores): void {
    this.db.transaction(() => this.writeScores(scores))();
  }

  private writeScores(scores: Scores): void {
    this.db.prepare('DELETE FROM scores').run();
    this.db.prepare('DELETE FROM score_classes').run();
    const insert = this.db.prepare('INSERT INTO scores (hotkey, uid, score, round) VALUES (?, ?, ?, ?)');
    const insertClass = this.db.prepare('INSERT INTO score_classes (hotkey, precision, ema) VALUES (?, ?, ?)');
    for (const entry of scores.values()) {
      insert.run(entry.hotkey, entry.uid, entry.score, entry.round);
      for (const precision of PRECISIONS) {
        const ema = entry.ema[precision];
        if (ema !== undefined) insertClass.run(entry.hotkey, precision, ema);
      }
    }
    // Miners that left the subnet take their sizing history with them.
    this.db.prepare('DELETE FROM throughput WHERE hotkey NOT IN (SELECT hotkey FROM scores)').run();
    this.db.prepare('DELETE FROM devices WHERE hotkey NOT IN (SELECT hotkey FROM scores)').run();
  }

  /** Results, newest round first; optionally one round's or one miner's. */
  results(filter: { round?: number; hotkey?: string; limit?: number } = {}): RecordedResult[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit ?? -1 };
    if (filter.round !== undefined) {
      where.push('round = @round');
      params['round'] = filter.round;
    }
    if (filter.hotkey !== undefined) {
      where.push('hotkey = @hotkey');
      params['hotkey'] = filter.hotkey;
    }
    const sql = `SELECT * FROM results ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY round DESC, uid ASC LIMIT @limit`;
    return this.db.prepare<[Record<string, unknown>], ResultRow>(sql).all(params).map(toResult);
  }

  /** Each miner's most recent result that judged it (an excused refusal says nothing of the miner). */
  latestResults(): RecordedResult[] {
    return this.db
      .prepare<[], ResultRow>(
        `SELECT r.* FROM results r
         JOIN (SELECT hotkey, MAX(round) AS round FROM results WHERE verdict != 'excused' GROUP BY hotkey) last
           ON last.hotkey = r.hotkey AND last.round = r.round
         ORDER BY r.uid`,
      )
      .all()
      .map(toResult);
  }

  rounds(limit = 20): Array<RoundRecord & { miners: number; verified: number }> {
    return this.db
      .prepare<[number], RoundRecord & { miners: number; verified: number }>(
        'SELECT round, block, started_at AS startedAt, finished_at AS finishedAt, miners, verified FROM rounds ORDER BY round DESC LIMIT ?',
      )
      .all(limit);
  }

  addWeightSubmission(s: Omit<WeightSubmission, 'id' | 'error' | 'block' | 'revealRound'> & { block?: number }): number {
    const info = this.db
      .prepare(
        `INSERT INTO weight_submissions (kind, created_at, block, uids, weights, salt, version_key, commit_hash, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.kind,
        s.createdAt,
        s.block ?? null,
        JSON.stringify(s.uids),
        JSON.stringify(s.weights),
        s.salt ? JSON.stringify(s.salt) : null,
        s.versionKey,
        s.commitHash ?? null,
        s.status,
      );
    return Number(info.lastInsertRowid);
  }

  updateWeightSubmission(id: number, update: { status: WeightSubmission['status']; block?: number; error?: string; revealRound?: number }): void {
    this.db
      .prepare('UPDATE weight_submissions SET status = ?, block = COALESCE(?, block), error = ?, reveal_round = COALESCE(?, reveal_round) WHERE id = ?')
      .run(update.status, update.block ?? null, update.error ?? null, update.revealRound ?? null, id);
  }

  /**
   * Commits not yet revealed, oldest first: included ones, and ones sent when the process stopped
   * (`pending`), which may have landed.
   */
  pendingCommits(): WeightSubmission[] {
    return this.db
      .prepare<[], SubmissionRow>("SELECT * FROM weight_submissions WHERE kind = 'commit' AND status IN ('pending', 'included') ORDER BY id")
      .all()
      .map(toSubmission);
  }

  weightSubmissions(limit = 20): WeightSubmission[] {
    return this.db.prepare<[number], SubmissionRow>('SELECT * FROM weight_submissions ORDER BY id DESC LIMIT ?').all(limit).map(toSubmission);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
