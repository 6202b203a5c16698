/**
 * The validator database's schema, as an append-only list: migration i brings `user_version` from i
 * to i + 1. Never edit a shipped migration; add the next one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE rounds (
    round       INTEGER PRIMARY KEY,
    block       INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    miners      INTEGER NOT NULL,
    verified    INTEGER NOT NULL
  );

  CREATE TABLE results (
    round     INTEGER NOT NULL REFERENCES rounds(round),
    uid       INTEGER NOT NULL,
    hotkey    TEXT    NOT NULL,
    precision TEXT,
    m         INTEGER,
    n         INTEGER,
    k         INTEGER,
    seconds   REAL,
    rtt_ms    REAL,
    expected_s REAL,
    tflops    REAL    NOT NULL,
    reward    REAL    NOT NULL,
    verdict   TEXT    NOT NULL CHECK (verdict IN ('verified', 'failed', 'no_answer', 'unreachable')),
    reason    TEXT    NOT NULL,
    detail    TEXT,
    device    TEXT,
    PRIMARY KEY (round, hotkey)
  );
  CREATE INDEX results_by_hotkey ON results (hotkey, round);

  CREATE TABLE scores (
    hotkey TEXT PRIMARY KEY,
    uid    INTEGER NOT NULL,
    score  REAL    NOT NULL,
    round  INTEGER NOT NULL
  );

  -- Measured throughput per miner and class: the sizing input for its next challenge (halved after a
  -- timeout, so a device that slowed down, or a new one slower than assumed, is asked for less).
  CREATE TABLE throughput (
    hotkey    TEXT    NOT NULL,
    precision TEXT    NOT NULL,
    tflops    REAL    NOT NULL,
    flops     REAL    NOT NULL,
    round     INTEGER NOT NULL,
    PRIMARY KEY (hotkey, precision)
  );

  CREATE TABLE devices (
    hotkey TEXT PRIMARY KEY,
    info   TEXT    NOT NULL,
    round  INTEGER NOT NULL
  );

  -- Every weight submission, so a restarted validator reveals the commits it made before.
  CREATE TABLE weight_submissions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL CHECK (kind IN ('set', 'commit')),
    created_at  INTEGER NOT NULL,
    block       INTEGER,
    uids        TEXT    NOT NULL,
    weights     TEXT    NOT NULL,
    salt        TEXT,
    version_key INTEGER NOT NULL,
    commit_hash TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'included', 'revealed', 'failed', 'expired')),
    error       TEXT
  );
  `,
  `
  -- Protocol v2: a challenge is a window the miner fills with GEMMs. A result records how many of the
  -- offered GEMMs were committed, the window, and the throughput the GEMMs were sized for (expected_s
  -- stays for v1 rows).
  ALTER TABLE results ADD COLUMN gemms INTEGER;
  ALTER TABLE results ADD COLUMN window_s REAL;
  ALTER TABLE results ADD COLUMN sized_tflops REAL;
  `,
  `
  -- Timelocked commits (commit-reveal v3/v4): the chain decrypts and applies them once drand's pulse for
  -- reveal_round is stored; the validator sends no reveal. SQLite cannot widen a CHECK: rebuild the table.
  CREATE TABLE weight_submissions_v3 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL CHECK (kind IN ('set', 'commit', 'timelocked')),
    created_at   INTEGER NOT NULL,
    block        INTEGER,
    uids         TEXT    NOT NULL,
    weights      TEXT    NOT NULL,
    salt         TEXT,
    version_key  INTEGER NOT NULL,
    commit_hash  TEXT,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'included', 'revealed', 'failed', 'expired')),
    error        TEXT,
    reveal_round INTEGER
  );
  INSERT INTO weight_submissions_v3 (id, kind, created_at, block, uids, weights, salt, version_key, commit_hash, status, error)
    SELECT id, kind, created_at, block, uids, weights, salt, version_key, commit_hash, status, error FROM weight_submissions;
  DROP TABLE weight_submissions;
  ALTER TABLE weight_submissions_v3 RENAME TO weight_submissions;
  `,
  `
  -- Per-class scoring: each miner keeps a moving average of its credited TFLOPS per class, and its
  -- score is what those are worth under the incentive config. Seeded from each miner's latest verified
  -- TFLOPS per class (what \`validator report\` showed), only for miners whose score was above zero:
  -- one that a failure had wiped stays at zero.
  CREATE TABLE score_classes (
    hotkey    TEXT NOT NULL,
    precision TEXT NOT NULL,
    ema       REAL NOT NULL,
    PRIMARY KEY (hotkey, precision)
  );
  INSERT INTO score_classes (hotkey, precision, ema)
    SELECT r.hotkey, r.precision, r.tflops FROM results r
    JOIN (SELECT hotkey, precision, MAX(round) AS round FROM results WHERE verdict = 'verified' GROUP BY hotkey, precision) last
      ON last.hotkey = r.hotkey AND last.precision = r.precision AND last.round = r.round
    WHERE r.hotkey IN (SELECT hotkey FROM scores WHERE score > 0);

  -- A signed "busy with the slot owner" refusal outside the sender's slot is its own verdict,
  -- 'excused'. SQLite cannot change a CHECK constraint, so the table is rebuilt with the same rows.
  CREATE TABLE results_v4 (
    round        INTEGER NOT NULL REFERENCES rounds(round),
    uid          INTEGER NOT NULL,
    hotkey       TEXT    NOT NULL,
    precision    TEXT,
    m            INTEGER,
    n            INTEGER,
    k            INTEGER,
    seconds      REAL,
    rtt_ms       REAL,
    expected_s   REAL,
    tflops       REAL    NOT NULL,
    reward       REAL    NOT NULL,
    verdict      TEXT    NOT NULL CHECK (verdict IN ('verified', 'failed', 'no_answer', 'unreachable', 'excused')),
    reason       TEXT    NOT NULL,
    detail       TEXT,
    device       TEXT,
    gemms        INTEGER,
    window_s     REAL,
    sized_tflops REAL,
    PRIMARY KEY (round, hotkey)
  );
  INSERT INTO results_v4 (round, uid, hotkey, precision, m, n, k, seconds, rtt_ms, expected_s, tflops, reward, verdict, reason, detail, device, gemms, window_s, sized_tflops)
    SELECT round, uid, hotkey, precision, m, n, k, seconds, rtt_ms, expected_s, tflops, reward, verdict, reason, detail, device, gemms, window_s, sized_tflops FROM results;
  DROP TABLE results;
  ALTER TABLE results_v4 RENAME TO results;
  CREATE INDEX results_by_hotkey ON results (hotkey, round);
  `,
];