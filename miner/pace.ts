/**
 * How fast the device runs each class, measured on the device itself: from every challenge it runs;
 * before serving (`flopnet miner` measures every class the device runs, which also warms each class's
 * code); and otherwise, for a class it has never run, from a few small GEMMs just before the first one
 * larger than sizing's smallest (a GEMM that small is what the slowest devices are sent, never refused). The miner
 * refuses a challenge whose first GEMM would hold the device for more than a share of the window at
 * this pace (policy.ts checkChallenge): a GEMM cannot be interrupted, so without it one GEMM sent
 * out of turn could keep the next slot's owner waiting past its window.
 */
import { createChallenge } from '../shared/challenge/challenge.js';
import { gemmWorkingSet, SIZING } from '../shared/challenge/sizing.js';
import type { DeviceInfo, Precision } from '../shared/challenge/types.js';
import type { ComputeBackend } from './backends/backend.js';

/** A calibration GEMM grows until it takes this long, so its fixed costs are a small share of it. */
const CALIBRATION_MS = 25;
/** Recent paces kept per class; the fastest counts, so a slow run (a loaded host) never refuses honest work. */
const KEPT = 8;

export class DevicePace {
  private readonly paces = new Map<Precision, number[]>();

  /** Records a run: `flops` done in `ms` of wall time on the device. */
  record(precision: Precision, flops: number, ms: number): void {
    if (!(flops > 0)) return;
    const list = this.paces.get(precision) ?? [];
    list.push(flops / Math.max(ms, 1e-3) * 1000);
    if (list.length > KEPT) list.shift();
    this.paces.set(precision, list);
  }

  /** The device's pace at `precision`, FLOP/s: the fastest of its recent runs; undefined before any. */
  flopsPerSecond(precision: Precision): number | undefined {
    const list = this.paces.get(precision);
    return list?.length ? Math.max(...list) : undefined;
  }

  /**
   * Measures `precision` with single-GEMM challenges from minDim up, doubling n = k until one takes
   * CALIBRATION_MS or reaches `upTo` (the shape about to run, never more: it passed the memory check;
   * it is larger than minDim³). Small GEMMs understate a GPU's pace, which only makes the refusal rule
   * more lenient.
   */
  async calibrate(backend: ComputeBackend, precision: Precision, upTo: { n: number; k: number }, signal?: AbortSignal): Promise<number | undefined> {
    for (let dim = SIZING.minDim; ; dim *= 2) {
      const n = Math.min(dim, upTo.n);
      const k = Math.min(dim, upTo.k);
      // The first size twice: the first run of a class also pays for warming its code paths.
      let ms = Infinity;
      for (let i = dim === SIZING.minDim ? 0 : 1; i < 2; i++) {
        const probe = createChallenge({ precision, m: 1, n, k, deadlineMs: 60_000 });
        const started = performance.now();
        try {
          await backend.execute(probe, signal ? { signal } : {});
        } finally {
          await backend.release(probe.id);
        }
        ms = Math.min(ms, performance.now() - started);
      }
      this.record(precision, 2 * n * n * k, ms);
      if (ms >= CALIBRATION_MS || (n === upTo.n && k === upTo.k)) return this.flopsPerSecond(precision);
    }
  }

  /**
   * Measures every class the device runs, each up to the largest square GEMM sizing would send it
   * (memory permitting), and returns the paces, FLOP/s.
   */
  async calibrateDevice(backend: ComputeBackend, device: DeviceInfo, signal?: AbortSignal): Promise<Map<Precision, number>> {
    const paces = new Map<Precision, number>();
    for (const precision of device.precisions) {
      let dim = SIZING.minDim;
      while (dim * 2 <= SIZING.preferredDim && gemmWorkingSet(precision, dim * 2, dim * 2) <= SIZING.memoryFraction * device.memoryBytes) dim *= 2;
      const pace = await this.calibrate(backend, precision, { n: dim, k: dim }, signal);
      if (pace !== undefined) paces.set(precision, pace);
    }
    return paces;
  }
}
