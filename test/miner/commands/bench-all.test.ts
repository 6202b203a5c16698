/** `flopnet bench --all`: every class the device has, one verified challenge each, as a table or JSON. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PRECISIONS } from '../../../shared/challenge/types.js';

const run = promisify(execFile);

describe('flopnet bench --all', () => {
  it('runs every class of the cpu backend through the verifier (JSON)', async () => {
    const { stdout } = await run(process.execPath, ['bin/flopnet.mjs', 'bench', '--backend', 'cpu', '--threads', '1', '--all', '--m', '2', '--n', '16', '--k', '48', '--json']);
    const { device, results } = JSON.parse(stdout) as {
      device: { backend: string; detail: string };
      results: { precision: string; verdict: { ok: boolean }; gemms: number; flops: number; tflops: number; raw: { tflops: number }; numpy: { gflops: number } | { skip: string } }[];
    };
    expect(device.backend).toBe('cpu');
    expect(device.detail).toMatch(/GEMM (blas|wasm|js): /);
    expect(results.map((r) => r.precision)).toEqual([...PRECISIONS]);
    for (const r of results) {
      expect(r.verdict.ok, r.precision).toBe(true);
      // bench passes no stopAt: every GEMM is done, committed and counted.
      expect(r.gemms).toBe(2);
      expect(r.flops).toBe(2 * 2 * 16 * 16 * 48);
      expect(r.tflops).toBeGreaterThan(0);
      // The same kernel alone at the same shape, and numpy's where python3 has it (else why not).
      expect(r.raw.tflops).toBeGreaterThan(0);
      expect('gflops' in r.numpy ? r.numpy.gflops > 0 : r.numpy.skip.length > 0).toBe(true);
    }
  });

  it('prints a table with one row per class', async () => {
    const { stdout } = await run(process.execPath, ['bin/flopnet.mjs', 'bench', '--backend', 'gpujs', '--all', '--n', '8', '--k', '16']);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^gpujs \(gpu\.js \w+/);
    expect(lines[1]).toMatch(/^class\s+verdict\s+m×n×k\s+ms\s+credited GFLOP\/s\s+raw GFLOP\/s\s+credited\/raw\s+numpy GFLOP\/s\s+generate\s+gemm\s+hash$/);
    // gpu.js runs fp32 only, and cannot time its GEMM apart from a challenge: no raw column.
    expect(lines[2]).toMatch(/^fp32\s+ACCEPTED\s+1×8×16\s+[\d.]+\s+[\d.e+-]+\s+-\s+-\s/);
    expect(lines[3]).toMatch(/^numpy: /);
    expect(lines).toHaveLength(4);
  });
});
