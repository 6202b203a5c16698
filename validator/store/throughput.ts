/**
 * The pace a miner's next challenge at a class is sized for, from the result of its last one. Pure, so
 * the store and `flopnet simulate` follow the same rule.
 *
 * Sizing follows what the device measurably did (committed FLOPs over the seconds they took: a device
 * that ran out of GEMMs before the window closed did them faster than the window says), not what it
 * was credited. A miner that did not even commit its first GEMM in the window is sized for half the
 * pace it was sized for (its stored pace, or the one its first challenge assumed), also one never measured (else it would get the same first challenge, and miss
 * it, forever).
 */
import { committedFlops } from '../../shared/challenge/challenge.js';
import type { ChallengeResult } from '../result.js';

/** A miner's last measured throughput at one class (committed FLOPs over the seconds they took), TFLOP/s. */
export interface Throughput {
  tflops: number;
}

/**
 * Reasons that mean the challenge did not finish in time, or its first GEMM would not have (the miner
 * refused it): the next one is sized for half the pace.
 */
export const TIMEOUT_REASONS: ReadonlySet<string> = new Set(['E_TIMEOUT', 'E_DEADLINE', 'late', 'E_GEMM_TOO_LONG']);

/**
 * The new pace for the result's class, with the committed FLOPs behind it (0 after a timeout), given
 * the pace stored before; undefined: keep the old one.
 */
export function nextPace(result: ChallengeResult, previous: Throughput | undefined): (Throughput & { flops: number }) | undefined {
  const c = result.challenge;
  if (!c) return undefined;
  if (result.verdict === 'verified' && result.gemms !== undefined && result.seconds !== undefined && result.seconds > 0) {
    const flops = committedFlops(c, result.gemms);
    return { tflops: flops / result.seconds / 1e12, flops };
  }
  const sizedFor = previous?.tflops ?? result.sizedTflops;
  if (TIMEOUT_REASONS.has(result.reason) && sizedFor !== undefined && sizedFor > 0) return { tflops: sizedFor / 2, flops: 0 };
  return undefined;
}
