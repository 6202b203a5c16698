/**
 * What a compute backend does for the miner and for `flopnet bench`: run a challenge to a Merkle root,
 * keep the results until the openings are answered, then free them.
 */
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
