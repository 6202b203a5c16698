/**
 * What a compute backend does for the miner and for `flopnet bench`: run a challenge to a Merkle root,
 * keep the results until the openings are answered, then free them.
 */
import { FlopnetError } from '../../shared/errors.js';
import type { Challenge, DeviceInfo, RowOpening, RowRef } from '../../shared/challenge/types.js';

export interface ExecutionTimings {
  /** Milliseconds spent generating the inputs from the seed. */
  generateMs: number;
  /** Milliseconds in the matrix products. */
  gemmMs: number;
  /** Milliseconds hashing rows and building the Merkle tree. */
  hashMs: number;
}

export interface Execution {
  challengeId: string;
  root: Uint8Array;
  timings: ExecutionTimings;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  /** Called with the fraction done (0..1) on long runs, for progress displays. */
  onProgress?: (fraction: number) => void;
}

export interface ComputeBackend {
  readonly kind: DeviceInfo['backend'];
  describe(): Promise<DeviceInfo>;
  /** Runs the challenge and commits to its results, which stay held until `release`. */
  execute(challenge: Challenge, options?: ExecuteOptions): Promise<Execution>;
  /** Opens held result rows with their Merkle paths. */
  open(challengeId: string, rows: readonly RowRef[]): Promise<RowOpening[]>;
  /** Frees what `execute` held for the challenge; a no-op when nothing is held. */
  release(challengeId: string): Promise<void>;
  /** Frees everything; the backend is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * What every backend's `open` checks first: the challenge is held, and each requested row exists.
 * Returns the held entry so the backend can copy its rows.
 */
export function heldForOpening<H extends { challenge: Challenge }>(held: ReadonlyMap<string, H>, challengeId: string, rows: readonly RowRef[]): H {
  const entry = held.get(challengeId);
  if (!entry) {
    throw new FlopnetError(`no results held for challenge ${challengeId}`, {
      code: 'E_UNKNOWN_CHALLENGE',
      hint: 'openings are answered only between execute and release of the same challenge',
    });
  }
  const { m, n } = entry.challenge;
  for (const { matrix, row } of rows) {
    if (!Number.isInteger(matrix) || !Number.isInteger(row) || matrix < 0 || matrix >= m || row < 0 || row >= n) {
      throw new FlopnetError(`row (${matrix}, ${row}) is outside the challenge's ${m} × ${n} rows`, { code: 'E_OPENING_RANGE' });
    }
  }
  return entry;
}
