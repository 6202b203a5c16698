/**
 * The GPU device suite rehearsed on the fake CUDA library, as docs/benchmarks.md says to before a GPU
 * session spends its minutes: the script must run end to end, write report.json and report.md as it
 * goes, and have a row for every step. The numbers mean nothing on the fake (its "GPU" is host C).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFakeCuda } from '../fixtures/fake-cuda/build.js';

const fake = buildFakeCuda();
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'flopnet-suite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf('skip' in fake)('scripts/device-suite.ts on the fake CUDA library (the rehearsal, not a GPU measurement)', () => {
  it('runs every step for the classes asked and leaves both reports', { timeout: 180_000 }, async () => {
    const out = join(dir, 'out');
    const args = ['tsx', 'scripts/device-suite.ts', '--quick', '--libraries', (fake as { path: string }).path, '--classes', 'bf16,tf32', '--probe', '128', '--error-n', '64', '--error-ks', '512', '--rows', '8', '--out', out];
    const { stdout } = await run('npx', args, { timeout: 170_000 });
    expect(stdout).toContain(`report written to ${out}/report.json`);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ finished: true, skipped: [], windowFailures: [], errorFailures: [] });
    expect(report.device.name).toBe('Fake CUDA Device (CPU)');
    expect(report.startup.map((s: { pipeline: string; ok: boolean }) => [s.pipeline, s.ok])).toEqual([['serial', true], ['overlap', true]]);
    expect(report.verify.map((v: { precision: string; ok: boolean }) => [v.precision, v.ok])).toEqual([['bf16', true], ['tf32', true]]);
    // A window per class and pipeline, credited only for a verified answer.
    expect(report.windows).toHaveLength(4);
    for (const w of report.windows) {
      expect(w.verdict).toBe('ok');
      expect(w.gemms).toBeGreaterThanOrEqual(1);
      expect(w.creditedTflops).toBeCloseTo((2 * w.gemms * w.n * w.n * w.k) / w.windowS / 1e12, 12);
    }
    // Honest error per class, and tf32's cheat (bf16 inputs) far outside τ.
    expect(report.errors.map((e: { precision: string; k: number }) => [e.precision, e.k])).toEqual([['bf16', 512], ['tf32', 512]]);
    const tf32 = report.errors[1];
    expect(tf32.honest.max).toBeLessThan(tf32.tau);
    expect(tf32.cheat.as).toBe('bf16');
    expect(tf32.cheat.p50).toBeGreaterThan(tf32.tau);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toMatch(/^# flopnet GPU device suite — finished\n/);
    expect(markdown).toContain('| tf32 | overlap |');
  });
});
