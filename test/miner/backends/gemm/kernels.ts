/**
 * Shared by the GEMM kernel tests: a TaskRunner that runs the CPU worker's tasks on the test's own thread
 * (so a kernel's band code runs without worker threads), and the comparison of a kernel's product with
 * the reference entry by entry.
 */
import { expect } from 'vitest';
import { runTask } from '../../../../miner/backends/cpu-worker.js';
import type { GemmKernel, TaskRunner } from '../../../../miner/backends/gemm/kernel.js';
import { entryFault, protocolInputs } from '../../../../miner/backends/gemm/selftest.js';
import type { WasmGemmThread } from '../../../../miner/backends/gemm/wasm.js';
import type { Precision } from '../../../../shared/challenge/types.js';

export function inlineRunner(size: number, wasm?: WasmGemmThread): TaskRunner {
  return { size, run: async (task) => runTask(task, wasm) };
}

/**
 * Runs `kernel` on protocol inputs of `precision` and checks every entry: bit for bit against the exact
 * sum for fp8 inputs (exact in binary32 whatever the order, selftest.ts says why), within the
 * validator's tolerance otherwise.
 */
export async function expectMatchesReference(kernel: GemmKernel, precision: Precision, n: number, k: number): Promise<void> {
  const { operands, rowsA, colsB } = protocolInputs({ inputs: precision, precision, n, k });
  await kernel.multiply(operands);
  const got = precision === 'fp64' ? new Float64Array(operands.c) : new Float32Array(operands.c);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const fault = entryFault(precision, precision === 'fp8', rowsA[r]!, colsB[c]!, k, got[r * n + c]!, r, c);
      if (fault) expect.fail(`${kernel.name} ${n}×${n}×${k}: ${fault}`);
    }
  }
}
