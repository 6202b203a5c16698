import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** `flopnet bench` as a user runs it: a real process, so the worker shim is exercised under bin/flopnet.mjs. */
async function bench(...args: string[]): Promise<{ code: number; result: Record<string, any> }> {
  try {
    const { stdout } = await run(process.execPath, ['bin/flopnet.mjs', 'bench', '--backend', 'cpu', '--threads', '2', '--json', ...args]);
    return { code: 0, result: JSON.parse(stdout) };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, result: JSON.parse(e.stdout) };
  }
}

describe('flopnet bench --backend cpu', () => {
  it('accepts an honest run and reports TFLOP/s and timing shares', async () => {
    const { code, result } = await bench('--precision', 'bf16', '--n', '64', '--k', '128', '--m', '2');
    expect(code).toBe(0);
    expect(result.verdict).toMatchObject({ ok: true, reason: 'ok' });
    expect(result.flops).toBe(2 * 2 * 64 * 64 * 128);
    expect(result.tflops).toBeGreaterThan(0);
    const { generate, gemm, hash } = result.shares;
    expect(generate + gemm + hash).toBeCloseTo(1, 6);
  });

  it('rejects a cheat with its reason and a failing exit status', async () => {
    const { code, result } = await bench('--precision', 'fp32', '--n', '64', '--k', '256', '--adversary', 'precision:bf16');
    expect(code).toBe(1);
    expect(result.verdict).toMatchObject({ ok: false, reason: 'out_of_tolerance' });
    expect(result.tflops).toBe(0);
  });

  it('--window sizes the challenge for the window, stops in it and credits committed work over it', async () => {
    const { code, result } = await bench('--precision', 'fp32', '--gemm', 'wasm', '--window', '3');
    expect(code).toBe(0);
    expect(result.verdict).toMatchObject({ ok: true });
    expect(result.windowSeconds).toBe(3);
    // Sized as a validator sizes: 8 windows of work offered, so the window, not m, ends the run.
    expect(result.gemms).toBeLessThan(result.m);
    expect(result.elapsedMs).toBeLessThan(3000);
    expect(result.tflops).toBeCloseTo(result.flops / 3 / 1e12, 12);
    expect(result.device.detail).toMatch(/GEMM wasm: WebAssembly SIMD, 2 worker threads/);
    expect(result.raw.tflops).toBeGreaterThan(0);
  });

  it('explains an unknown adversary', async () => {
    const { code, result } = await bench('--adversary', 'sloppy');
    expect(code).toBe(2);
    expect(result.error.code).toBe('E_ADVERSARY');
    expect(result.error.hint).toMatch(/lazy:<fraction>/);
  });
});
