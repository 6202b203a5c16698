/**
 * What a compute backend does for the miner and for `flopnet bench`: run a challenge to a Merkle root,
 * keep what it needs to open any committed row (the rows themselves, or the roots of bands of rows it
 * recomputes: node.ts) until the openings are answered, then forget it.
 */
import { FlopnetError } from '../../shared/errors.js';
import type { Challenge, DeviceInfo, Precision, RowOpening, RowRef } from '../../shared/challenge/types.js';

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
  /** GEMMs computed and committed: the first `gemms` of the challenge's m. */
  gemms: number;
  /** Merkle root over the gemms·n result rows. */
  root: Uint8Array;
  timings: ExecutionTimings;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  /** Called with the fraction of the m GEMMs done (0..1) on long runs, for progress displays. */
  onProgress?: (fraction: number) => void;
  /**
   * When the root must be ready (performance.now() ms), read before each GEMM: the backend starts
   * another GEMM only while it can still finish it and the Merkle tree by then (nextGemmFits). It is
   * a function because the miner's queue moves it when another challenge comes to share the device.
   * Absent: all m GEMMs, or as many as fit in the device memory (`flopnet bench`).
   */
  stopAt?: () => number;
}

/**
 * Whether GEMM number `done` (0-based) can still start: the first always does (a commitment covers at
 * least one); a later one if `now`, plus a GEMM at the slowest pace seen so far, plus `finishMs` for
 * the tree and root, is before `stopAt`. The slowest, not the mean, because a miss costs the whole
 * round and one GEMM less costs a fraction of it.
 */
export function nextGemmFits(stopAt: (() => number) | undefined, done: number, slowestGemmMs: number, finishMs: number, now = performance.now()): boolean {
  if (stopAt === undefined || done === 0) return true;
  return now + slowestGemmMs + finishMs <= stopAt();
}

/** A backend's GEMM alone, timed on inputs already in place: what its library does at one shape. */
export interface GemmRate {
  msPerGemm: number;
  tflops: number;
  repetitions: number;
  /**
   * Where the GEMM runs in this process (the CPU backend): FLOPs per CPU-second of the process. On a
   * machine shared with other work, wall time counts the waits for a core and this does not.
   */
  cpuTflops?: number;
}

export interface ComputeBackend {
  readonly kind: DeviceInfo['backend'];
  describe(): Promise<DeviceInfo>;
  /**
   * Times the backend's GEMM alone at n×k, over about `seconds` (benchmarks compare a challenge's credited
   * throughput with it). Absent where the backend cannot time its product apart from a challenge.
   */
  measureGemm?(precision: Precision, n: number, k: number, seconds?: number): Promise<GemmRate>;
  /**
   * Loads what a challenge needs (worker threads, compiled kernels) ahead of the first one, whose
   * window would otherwise pay for it. Absent where creating the backend already did.
   */
  start?(): Promise<void>;
  /**
   * Runs the challenge, GEMM by GEMM until all m are done or `stopAt` leaves no room for another, and
   * commits to the results, which stay openable (as the committed part) until `release`.
   */
  execute(challenge: Challenge, options?: ExecuteOptions): Promise<Execution>;
  /** Opens committed result rows with their Merkle paths; an error, never a row it did not commit to. */
  open(challengeId: string, rows: readonly RowRef[]): Promise<RowOpening[]>;
  /** Frees what `execute` held for the challenge; a no-op when nothing is held. */
  release(challengeId: string): Promise<void>;
  /** Frees everything; the backend is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * What every backend's `open` checks first: the challenge is held (as its committed part, so its m is
 * the GEMMs committed), and each requested row exists.
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
