/** `flopnet bench --all`: every class the device has, one verified challenge each, as a table or JSON. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PRECISIONS } from '../../../shared/challenge/types.js';

const run = promisify(execFile);

describe('flopnet bench --all', () => {
  it('runs every class of the cpu backend through the verifier (JSON)', async () => {
    const { stdout } = await run(process.execPath, ['bin/flopnet.mjs', 'bench', '--backend', 'cpu', '--threads', '1', '--all', '--m', '2', '--n', '16', '--k', '48', '--json']);
    const { device, results } = JSON.parse(stdout) as { device: { backend: string }; results: { precision: string; verdict: { ok: boolean }; gemms: number; flops: number; tflops: number }[] };
    expect(device.backend).toBe('cpu');
    expect(results.map((r) => r.precision)).toEqual([...PRECISIONS]);
    for (const r of results) {
      expect(r.verdict.ok, r.precision).toBe(true);
      // bench passes no stopAt: every GEMM is done, committed and counted.
      expect(r.gemms).toBe(2);
      expect(r.flops).toBe(2 * 2 * 16 * 16 * 48);
      expect(r.tflops).toBeGreaterThan(0);
    }
  });

  it('prints a table with one row per class', async () => {
    const { stdout } = await run(process.execPath, ['bin/flopnet.mjs', 'bench', '--backend', 'gpujs', '--all', '--n', '8', '--k', '16']);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^gpujs \(gpu\.js \w+/);
    expect(lines[1]).toMatch(/^class\s+verdict\s+m×n×k\s+ms\s+TFLOP\/s\s+generate\s+gemm\s+hash$/);
    expect(lines.slice(2)).toHaveLength(1); // gpu.js runs fp32 only
    expect(lines[2]).toMatch(/^fp32\s+ACCEPTED\s+1×8×16/);
  });
});
