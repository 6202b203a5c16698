import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsGemm } from '../../../../miner/backends/gemm/js.js';
import type { GemmKernel, GemmOperands, RowBands } from '../../../../miner/backends/gemm/kernel.js';
import { protocolInputs, selfTest } from '../../../../miner/backends/gemm/selftest.js';
import { createWasmGemmShared, WasmGemm, WasmGemmThread, wasmLayout } from '../../../../miner/backends/gemm/wasm.js';
import { PRECISIONS } from '../../../../shared/challenge/types.js';
import { silentLogger } from '../../../../shared/log.js';
import { expectMatchesReference, inlineRunner } from './kernels.js';

describe('WebAssembly GEMM kernel', () => {
  const shared = createWasmGemmShared();
  const runner = inlineRunner(2, new WasmGemmThread(shared));
  const reference = new JsGemm(runner);
  const kernel = new WasmGemm(shared, runner, reference, silentLogger);

  it('passes the start-up self-test', async () => {
    expect(await selfTest((operands) => kernel.multiply(operands))).toBeUndefined();
  });

  it('computes every entry of every class within the tolerance (fp8 bit for bit), at any shape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PRECISIONS), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 600 }), async (precision, n, k) => {
        await expectMatchesReference(kernel, precision, n, k);
      }),
      { numRuns: 30 },
    );
  });

  it('gives a row the same bits whatever bands it is computed in (openings recompute bands)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('fp32' as const, 'fp64' as const),
        fc.integer({ min: 2, max: 90 }),
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }),
        async (precision, n, k, cuts) => {
          const { operands } = protocolInputs({ inputs: precision, precision, n, k });
          await kernel.multiply(operands);
          const whole = new Uint8Array(operands.c).slice();
          const points = [...new Set(cuts.map((x) => Math.floor(x * n)))].sort((x, y) => x - y);
          const rows: [number, number][] = [];
          for (let i = 0; i + 1 < points.length; i += 2) if (points[i]! < points[i + 1]!) rows.push([points[i]!, points[i + 1]!]);
          if (rows.length === 0) rows.push([points[0]!, n]);
          new Uint8Array(operands.c).fill(0);
          await kernel.multiply(operands, rows);
          const width = precision === 'fp64' ? 8 : 4;
          for (const [from, to] of rows) {
            expect(Buffer.from(new Uint8Array(operands.c, from * n * width, (to - from) * n * width)).equals(Buffer.from(whole.subarray(from * n * width, to * n * width)))).toBe(true);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('hands a product that does not fit 4 GiB of WebAssembly memory to its fallback', async () => {
    const calls: [GemmOperands, RowBands | undefined][] = [];
    const fallback: GemmKernel = { name: 'js', detail: 'records', multiply: async (o, rows) => void calls.push([o, rows]), close: async () => {} };
    const big = new WasmGemm(shared, runner, fallback, silentLogger);
    const n = 30_000;
    expect(wasmLayout(false, n, n, [[0, n]]).end).toBeGreaterThan(2 ** 32);
    const before = shared.memory.buffer.byteLength;
    // The buffers are never touched: the layout is refused before any work.
    const operands: GemmOperands = { precision: 'fp32', n, k: n, a: new SharedArrayBuffer(4), bt: new SharedArrayBuffer(4), c: new SharedArrayBuffer(4) };
    await big.multiply(operands, [[0, 100]]);
    expect(calls).toEqual([[operands, [[0, 100]]]]);
    expect(shared.memory.buffer.byteLength).toBe(before);
  });
});
