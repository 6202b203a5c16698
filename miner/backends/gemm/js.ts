/**
 * The JavaScript reference GEMM as a kernel: the row bands go to the CPU backend's worker threads as
 * `gemm` tasks, which ../cpu-worker.ts computes with every partial sum rounded to the accumulation type
 * (Math.fround; binary64 for fp64), exactly the accumulation docs/protocol.md §4 asks of a GPU. It is
 * the correctness reference the other kernels are compared with and the last fallback. (The adversaries
 * whose cheat is in the product run the same tasks with their changes, from ../cpu.ts.)
 */
import { splitBands, type GemmKernel, type GemmOperands, type RowBands, type TaskRunner } from './kernel.js';

export class JsGemm implements GemmKernel {
  readonly name = 'js' as const;
  readonly detail: string;

  constructor(private readonly pool: TaskRunner) {
    this.detail = `JavaScript reference, ${pool.size} worker threads`;
  }

  /** Each row is computed alone, so any bands give the same bits. */
  multiply(operands: GemmOperands, rows: RowBands = [[0, operands.n]]): Promise<void> {
    const { precision, n, k, a, bt, c } = operands;
    const wide = precision === 'fp64';
    const task = { type: 'gemm', wide, n, k, a, bt, c, accumulate: wide ? 'fp64' : 'fp32' } as const;
    // Several bands per thread balance the threads' loads; one thread needs one band.
    const parts = this.pool.size > 1 ? this.pool.size * 4 : 1;
    return Promise.all(splitBands(rows, parts).map(([from, to]) => this.pool.run({ ...task, from, to }))).then(() => undefined);
  }

  async close(): Promise<void> {}
}
