/**
 * How big a challenge is (docs/protocol.md §11). A challenge is a window of `windowSeconds`: the miner
 * computes its GEMMs in order until the window is over and is paid for the ones it finished. Sizing
 * picks one GEMM's shape, about 1/gemmsPerWindow of the window at the miner's last measured
 * throughput (so stopping between two GEMMs wastes little) but never so small that it times launch
 * overheads, within the memory the miner reported, with random jitter so no two rounds have the same
 * shape; and m, enough GEMMs that a device `headroom` times faster than last measured still has work to
 * the end of the window (up to MAX_GEMMS GEMMs of 16384² × 65536: 58 PFLOP/s over a 10 s window). A miner never measured is
 * assumed to run at `startFlopsPerSecond`; it shows what it does in its first window, and its GEMMs
 * grow with what it showed.
 */
import { randomInt } from 'node:crypto';
import { MAX_DIM, MAX_GEMMS, type Precision } from './types.js';

export const SIZING = {
  /** Throughput assumed for a miner never measured at a class, FLOP/s (about one CPU core). */
  startFlopsPerSecond: 1e9,
  /** Work offered = headroom × the window at the last measured throughput: how much faster a device may show itself in one round. */
  headroom: 8,
  /** One GEMM is about this fraction of the window at the last measured throughput. */
  gemmsPerWindow: 32,
  /** n and k grow to this before m grows (the verifier's cost grows with k, not with m or n). */
  preferredDim: 16384,
  /** n and k are at least this (memory permitting): a smaller GEMM times launch overhead, not arithmetic. */
  minDim: 128,
  /** k stays inside the range the tolerance was calibrated on (precision-calibration.md). */
  maxK: 65536,
  /**
   * Past this many GEMMs of the largest square shape, k lengthens (to maxK) before m grows further: a
   * GEMM's rows cost the same to hash whatever k is, so a fast device's hashing share falls as k grows.
   */
  gemmsBeforeLongK: 1024,
  /** Dimensions above this are multiples of it (GEMM tile friendly; steps of 64 still give many shapes). */
  granule: 64,
  /** Share of the reported device memory one GEMM's inputs and result may use. */
  memoryFraction: 0.5,
  /** Each of n and k is drawn up to this share below its ideal, so shapes differ between rounds. */
  jitter: 0.15,
  /**
   * Longest window a validator sends (the incentive config's bound on challengeSeconds); a miner refuses
   * a longer one (docs/protocol.md §12). The wire schema allows up to an hour.
   */
  maxWindowMs: 600_000,
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
  /** The challenge's window, seconds (default 10). Every challenge of a round has the same one. */
  windowSeconds?: number;
  /** Last measured throughput at this precision, TFLOP/s; absent for a miner never measured. */
  tflops?: number;
  /** Throughput assumed for a miner never measured, FLOP/s (default SIZING.startFlopsPerSecond). */
  startFlopsPerSecond?: number;
  random?: RandomUnit;
}

export interface ChallengeSize {
  m: number;
  n: number;
  k: number;
  /** Work offered, 2·m·n·n·k: all m GEMMs. */
  flops: number;
  /** The throughput the shape was chosen for, FLOP/s. */
  flopsPerSecond: number;
  /** The window, ms: the challenge's deadlineMs. */
  deadlineMs: number;
}

/** Bytes one GEMM needs on the device: A and B in the input type, C in the result type. */
export function gemmWorkingSet(precision: Precision, n: number, k: number): number {
  return 2 * n * k * INPUT_BYTES[precision] + n * n * RESULT_BYTES[precision];
}

/** Rounded down to a multiple of the granule above it, so a shape never exceeds what it was sized for. */
const roundDim = (x: number) => {
  const g = SIZING.granule;
  return x < g ? Math.max(1, Math.floor(x)) : Math.floor(x / g) * g;
};

/** The shape (m, n, k) and window of the next challenge for one miner at one precision. */
export function sizeChallenge(input: SizingInput): ChallengeSize {
  const random = input.random ?? cryptoRandomUnit;
  const windowSeconds = input.windowSeconds ?? 10;
  const deadlineMs = Math.min(SIZING.maxWindowMs, Math.max(1, Math.round(windowSeconds * 1000)));
  const known = input.tflops !== undefined && input.tflops > 0 && Number.isFinite(input.tflops);
  const rate = known ? input.tflops! * 1e12 : (input.startFlopsPerSecond ?? SIZING.startFlopsPerSecond);
  const perWindow = (rate * deadlineMs) / 1000;
  const offered = perWindow * SIZING.headroom;

  // Largest square-ish dims the device memory allows.
  const budget = (Number.isFinite(input.memoryBytes) ? Math.max(0, input.memoryBytes) : 0) * SIZING.memoryFraction;
  let dimCap = Math.min(SIZING.preferredDim, MAX_DIM);
  while (dimCap > SIZING.granule && gemmWorkingSet(input.precision, dimCap, dimCap) > budget) dimCap = roundDim(dimCap / 1.25);

  // Each dimension independently 0–15% below its ideal, so shapes vary from round to round.
  const low = 1 - SIZING.jitter;
  const base = Math.min(dimCap, Math.max(SIZING.minDim / low, Math.cbrt(perWindow / SIZING.gemmsPerWindow / 2)));
  const n = roundDim(base * (low + SIZING.jitter * random()));
  let k = roundDim(base * (low + SIZING.jitter * random()));
  let m = Math.ceil(offered / (2 * n * n * k));
  if (m > SIZING.gemmsBeforeLongK) {
    // The largest square GEMMs are too few: lengthen k first (its working set grows linearly, and the
    // rows to hash per FLOP shrink), then add GEMMs up to MAX_GEMMS.
    let kMax = Math.min(SIZING.maxK, MAX_DIM);
    while (kMax > k && gemmWorkingSet(input.precision, n, kMax) > budget) kMax = roundDim(kMax / 1.25);
    k = Math.max(k, Math.min(kMax, roundDim(offered / (2 * SIZING.gemmsBeforeLongK * n * n))));
    m = Math.ceil(offered / (2 * n * n * k));
  }
  m = Math.max(1, Math.min(MAX_GEMMS, m));
  return { m, n, k, flops: 2 * m * n * n * k, flopsPerSecond: rate, deadlineMs };
}

/**
 * Whether n × k is a shape sizeChallenge can produce, whatever the pace, window and memory: each of n
 * and k is a multiple of the granule from minDim to its bound (n: the square bound, k: maxK), or below
 * minDim (only a device too small for a minDim GEMM gets those, and they cost little); and k is at
 * least n less its jitter (k is drawn like n and only ever lengthened). A miner refuses other shapes
 * (docs/protocol.md §12): a GEMM with huge n and tiny k is cheap to compute and fills device memory.
 */
export function onSizingGrid(n: number, k: number): boolean {
  const onGrid = (d: number, max: number) => Number.isInteger(d) && d >= 1 && d <= max && (d < SIZING.minDim || d % SIZING.granule === 0);
  return onGrid(n, Math.min(SIZING.preferredDim, MAX_DIM)) && onGrid(k, Math.min(SIZING.maxK, MAX_DIM)) && k >= roundDim((1 - SIZING.jitter) * n);
}
