/**
 * The CPU backend on each GEMM kernel, and its choice among them: every kernel's challenges verify; a
 * BLAS that is missing, crashes or computes wrong answers costs a fallback with the reason logged, never
 * a rejected or wrong commitment; auto takes the fastest kernel that passed.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuBackend, type CpuBackendOptions } from '../../../miner/backends/cpu.js';
import { blasCandidates } from '../../../miner/backends/gemm/blas.js';
import { probeBlas } from '../../../miner/backends/gemm/probe.js';
import { PRECISIONS } from '../../../shared/challenge/types.js';
import { createLogger } from '../../../shared/log.js';
import { buildFakeBlas, type FakeBlasFlaw } from '../../fixtures/fake-blas/build.js';
import { round } from './round.js';

const fakes = Object.fromEntries((['none', 'wrong', 'wrong-large', 'crash'] as FakeBlasFlaw[]).map((flaw) => [flaw, buildFakeBlas(flaw)]));
const noCompiler = Object.values(fakes).find((f): f is { skip: string } => 'skip' in f)?.skip;
const fake = (flaw: FakeBlasFlaw) => (fakes[flaw] as { path: string }).path;
const realBlas = (await probeBlas(blasCandidates(), 2)).find((p) => p.ok);

const backends: CpuBackend[] = [];
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

/** A backend on 2 threads whose log lines are kept. */
function backend(options: CpuBackendOptions = {}): { b: CpuBackend; lines: string[] } {
  const lines: string[] = [];
  const b = new CpuBackend({ threads: 2, log: createLogger({ level: 'info', write: (line) => void lines.push(line) }), ...options });
  backends.push(b);
  return { b, lines };
}

const kernels = ['js', 'wasm', ...(realBlas ? ['blas' as const] : [])] as const;

describe.each(kernels)('CPU backend on the %s GEMM kernel', (gemm) => {
  const { b } = backend({ gemm });

  it('says so in device.detail', async () => {
    await b.start();
    expect((await b.describe()).detail).toMatch(new RegExp(`^2 worker threads; GEMM ${gemm}: `));
  });

  it('commits to results that verify, for every class and shape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PRECISIONS), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), async (precision, m, n, k) => {
        const verdict = await round(b, { precision, m, n, k, deadlineMs: 60_000 }, Math.min(16, m * n));
        expect(verdict).toMatchObject({ ok: true, reason: 'ok' });
      }),
      { numRuns: 12 },
    );
  });
});

describe('choosing the GEMM kernel', () => {
  it.skipIf(!realBlas)("auto takes the machine's BLAS when it is faster than WebAssembly, and says what it passed over", async () => {
    const { b, lines } = backend();
    await b.start();
    const report = b.gemmReport();
    const blas = report.find((r) => r.kernel === 'blas')!;
    const wasm = report.find((r) => r.kernel === 'wasm')!;
    expect(blas.ok && wasm.ok).toBe(true);
    expect(blas.gflops! > wasm.gflops! ? 'blas' : 'wasm').toBe((await b.describe()).detail!.match(/GEMM (\w+):/)![1]);
    expect(lines.join('\n')).toMatch(/GEMM wasm passed over \([\d.]+ GFLOP\/s against [\d.]+\)|GEMM blas passed over/);
  });

  it.skipIf(noCompiler)('auto passes over a BLAS slower than WebAssembly (a naive one) after timing both', async () => {
    const { b, lines } = backend({ blas: fake('none') });
    await b.start();
    const report = b.gemmReport();
    expect(report.find((r) => r.kernel === 'blas')).toMatchObject({ ok: true, detail: expect.stringMatching(/^fake CBLAS \(.*libfakeblas-none/) });
    expect((await b.describe()).detail).toMatch(/GEMM wasm: /);
    expect(report.find((r) => r.kernel === 'blas')!.gflops).toBeLessThan(report.find((r) => r.kernel === 'wasm')!.gflops!);
    expect(lines.join('\n')).toMatch(/GEMM blas passed over \([\d.]+ GFLOP\/s against [\d.]+\): fake CBLAS/);
  });

  it.skipIf(noCompiler)('falls back from a BLAS that computes a wrong entry, logging which entry', async () => {
    const { b, lines } = backend({ blas: fake('wrong') });
    expect(await round(b, { precision: 'bf16', m: 1, n: 40, k: 64, deadlineMs: 60_000 }, 40)).toMatchObject({ ok: true });
    expect((await b.describe()).detail).toMatch(/GEMM wasm: /);
    expect(lines.join('\n')).toMatch(/GEMM blas unavailable: .*libfakeblas-wrong.*wrong result: fp8 inputs, 67×67×300: fp8 entry \(0, 0\)/);
  });

  it.skipIf(noCompiler)('falls back from a BLAS that crashes the process calling it, and lives', async () => {
    const { b, lines } = backend({ blas: fake('crash') });
    expect(await round(b, { precision: 'fp32', m: 1, n: 30, k: 50, deadlineMs: 60_000 }, 30)).toMatchObject({ ok: true });
    expect(lines.join('\n')).toMatch(/GEMM blas unavailable: .*libfakeblas-crash.*the self-test crashed \(SIGSEGV\)/);
  });

  it('falls back from a BLAS path that is not there, or is no library', async () => {
    const { b, lines } = backend({ blas: '/nonexistent/libopenblas.so.0' });
    expect(await round(b, { precision: 'fp64', m: 1, n: 20, k: 30, deadlineMs: 60_000 }, 20)).toMatchObject({ ok: true });
    expect(lines.join('\n')).toMatch(/GEMM blas unavailable: \/nonexistent\/libopenblas\.so\.0: .*does not load/);
  });

  it.skipIf(noCompiler)('refuses to start when the BLAS it was told to use fails its self-test', async () => {
    const { b } = backend({ gemm: 'blas', blas: fake('wrong') });
    await expect(b.start()).rejects.toMatchObject({ code: 'E_GEMM_UNAVAILABLE', message: expect.stringMatching(/the blas GEMM kernel cannot run here: .*wrong result/) });
  });

  it.skipIf(noCompiler)('a BLAS wrong only on bigger products is caught by the spot checks: the product is recomputed and verifies', async () => {
    const { b, lines } = backend({ gemm: 'blas', blas: fake('wrong-large') });
    await b.start();
    expect(b.gemmKernel().name).toBe('blas');
    // Right below n = 600 (the self-test's sizes), short of one product per entry from there.
    expect(await round(b, { precision: 'fp32', m: 2, n: 640, k: 64, deadlineMs: 600_000 }, 48)).toMatchObject({ ok: true, reason: 'ok' });
    expect(b.gemmKernel().name).toBe('js');
    expect(lines.join('\n')).toMatch(/ERROR.*GEMM kernel blas computed a wrong entry; the js kernel takes over/);
  });
});
