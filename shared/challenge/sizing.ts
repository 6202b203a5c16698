/**
 * How big a challenge is (docs/protocol.md §10): the validator aims at `targetSeconds` of work at the
 * miner's last verified throughput, with random jitter so no two rounds have the same shape, within the
 * memory the miner reported. A miner with no verified throughput gets a small probe first; each later
 * challenge grows by at most RAMP_FACTOR, so a fast device reaches its target in a few rounds while a slow one
 * is never handed an hour of work.
 */
import { randomInt } from 'node:crypto';
import { MAX_DIM, MAX_GEMMS, type Precision } from './types.js';

export const SIZING = {
  /** Work of the first challenge to a miner with no verified throughput (≈ 2 s on one CPU core). */
  startFlops: 2 * 1024 ** 3,
  /** Throughput assumed for that first challenge's deadline, FLOP/s. */
  startFlopsPerSecond: 1e9,
  /** A challenge has at most this many times the FLOPs of the last verified one. */
  rampFactor: 8,
  /** n and k grow to this before m grows (the verifier's cost grows with k, not with m or n). */
  preferredDim: 16384,
  /** k stays inside the range the tolerance was calibrated on (precision-calibration.md). */
  maxK: 65536,
  /** Dimensions above this are multiples of it (GEMM tile friendly; steps of 64 still give many shapes). */
  granule: 64,
  /** Share of the reported device memory one GEMM's inputs and result may use. */
  memoryFraction: 0.5,
  /** Deadline = slack × expected time, at least minDeadlineMs. */
  deadlineSlack: 3,
  minDeadlineMs: 5000,
  maxDeadlineMs: 3_600_000,
  /** Target work is multiplied by a uniform factor in [1 − jitter, 1 + jitter]. */
  jitter: 0.2,
} as const;

/** Bytes per input element as a miner stores it (its native type). */
export const INPUT_BYTES: Readonly<Record<Precision, number>> = { fp64: 8, fp32: 4, tf32: 4, bf16: 2, fp16: 2, fp8: 1 };
/** Bytes per result element: binary64 for fp64, binary32 otherwise. */
export const RESULT_BYTES: Readonly<Record<Precision, number>> = { fp64: 8, fp32: 4, tf32: 4, bf16: 4, fp16: 4, fp8: 4 };

/** Uniform in [0, 1). */
export type RandomUnit = () => number;
export const cryptoRandomUnit: RandomUnit = () => randomInt(2 ** 47) / 2 ** 47;

export interface SizingInput {
  precision: Precision;
  /** Reported device memory, bytes. */
  memoryBytes: number;
  /** Seconds of work to aim at (default 10). */
  targetSeconds?: number;
  /** Last verified throughput at this precision, TFLOP/s; absent for a miner never verified. */
  tflops?: number;
  /** FLOPs of the last verified challenge at this precision, to limit the ramp. */
  previousFlops?: number;
  /** Work of the first challenge to a miner never verified (default SIZING.startFlops). */
  startFlops?: number;
  random?: RandomUnit;
}

export interface ChallengeSize {
  m: number;
  n: number;
  k: number;
  /** 2·m·n·n·k. */
  flops: number;
  /** At the throughput used for sizing. */
  expectedSeconds: number;
  deadlineMs: number;
}

/** Bytes one GEMM needs on the device: A and B in the input type, C in the result type. */
export function gemmWorkingSet(precision: Precision, n: number, k: number): number {
  return 2 * n * k * INPUT_BYTES[precision] + n * n * RESULT_BYTES[precision];
}

/** Rounded down (to a multiple of the granule above it), so a shape never exceeds the work it was sized for. */
const roundDim = (x: number) => {
  const g = SIZING.granule;
  return x < g ? Math.max(1, Math.floor(x)) : Math.floor(x / g) * g;
};

/** The shape (m, n, k) and deadline of the next challenge for one miner at one precision. */
export function sizeChallenge(input: SizingInput): ChallengeSize {
  const random = input.random ?? cryptoRandomUnit;
  const targetSeconds = input.targetSeconds ?? 10;
  const known = input.tflops !== undefined && input.tflops > 0 && Number.isFinite(input.tflops);
  const rate = known ? input.tflops! * 1e12 : SIZING.startFlopsPerSecond;
  let flops = (known ? rate * targetSeconds : (input.startFlops ?? SIZING.startFlops)) * (1 + SIZING.jitter * (2 * random() - 1));
  if (input.previousFlops !== undefined && input.previousFlops > 0) flops = Math.min(flops, input.previousFlops * SIZING.rampFactor);

  // Largest square-ish dims the device memory allows.
  const budget = (Number.isFinite(input.memoryBytes) ? Math.max(0, input.memoryBytes) : 0) * SIZING.memoryFraction;
  let dimCap = Math.min(SIZING.preferredDim, MAX_DIM);
  while (dimCap > SIZING.granule && gemmWorkingSet(input.precision, dimCap, dimCap) > budget) dimCap = roundDim(dimCap / 1.25);

  // Each dimension independently 0–15% below its ideal, so shapes vary from round to round.
  const base = Math.min(dimCap, Math.cbrt(flops / 2));
  const n = roundDim(base * (0.85 + 0.15 * random()));
  let k = roundDim(base * (0.85 + 0.15 * random()));
  // Whole GEMMs, rounded down so the ramp limit holds.
  const m = Math.max(1, Math.min(MAX_GEMMS, Math.floor(flops / (2 * n * n * k))));
  if (m === MAX_GEMMS && 2 * m * n * n * k < flops) {
    // Even MAX_GEMMS square GEMMs are too little work: lengthen k (its working set grows linearly).
    let kMax = Math.min(SIZING.maxK, MAX_DIM);
    while (kMax > k && gemmWorkingSet(input.precision, n, kMax) > budget) kMax = roundDim(kMax / 1.25);
    k = Math.max(k, Math.min(kMax, roundDim(flops / (2 * m * n * n))));
  }
  const total = 2 * m * n * n * k;
  const expectedSeconds = total / rate;
  const deadlineMs = Math.ceil(
    Math.min(SIZING.maxDeadlineMs, Math.max(SIZING.minDeadlineMs, expectedSeconds * SIZING.deadlineSlack * 1000)),
  );
  return { m, n, k, flops: total, expectedSeconds, deadlineMs };
}
