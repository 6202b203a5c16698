/**
 * The JavaScript reference GEMM as a kernel: the row bands go to the CPU backend's worker threads as
 * `gemm` tasks, which ../cpu-worker.ts computes with every partial sum rounded to the accumulation type
 * (Math.fround; binary64 for fp64), exactly the accumulation docs/protocol.md §4 asks of a GPU. It is
 * the correctness reference the other kernels are compared with, the last fallback, and the only kernel
 * that runs the adversaries whose cheat is in the product (fp16 accumulation, skipped rows, NaN).
 */
import type { GemmTask } from '../cpu-worker.js';
import { splitBands, type GemmKernel, type GemmOperands, type RowBands, type TaskRunner } from './kernel.js';

/** An adversary's change to the product; absent for the honest one. */
export type JsGemmVariant = Partial<Omit<GemmTask, 'type' | 'wide' | 'n' | 'k' | 'from' | 'to' | 'a' | 'bt' | 'c'>>;

export class JsGemm implements GemmKernel {
  readonly name = 'js' as const;
  readonly detail: string;

  constructor(private readonly pool: TaskRunner) {
    this.detail = `JavaScript reference, ${pool.size} worker threads`;
  }

  /** Each row is computed alone, so any bands give the same bits. */
  multiply(operands: GemmOperands, rows: RowBands = [[0, operands.n]], variant: JsGemmVariant = {}): Promise<void> {
    const { precision, n, k, a, bt, c } = operands;
    const wide = precision === 'fp64';
    const task = { type: 'gemm', wide, n, k, a, bt, c, accumulate: wide ? 'fp64' : 'fp32', ...variant } as const;
    // Several bands per thread balance the threads' loads; one thread needs one band.
    const parts = this.pool.size > 1 ? this.pool.size * 4 : 1;
    return Promise.all(splitBands(rows, parts).map(([from, to]) => this.pool.run({ ...task, from, to }))).then(() => undefined);
  }

  async close(): Promise<void> {}
}
