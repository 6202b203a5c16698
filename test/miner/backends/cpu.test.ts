import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CpuBackend } from '../../../miner/backends/cpu.js';
import { parseAdversary } from '../../../miner/backends/adversary.js';
import type { ComputeBackend } from '../../../miner/backends/backend.js';
import { createChallenge } from '../../../shared/challenge/challenge.js';
import { colOfB, matrixKey, rowOfA } from '../../../shared/challenge/elements.js';
import { decodeRow } from '../../../shared/challenge/verify.js';
import { PRECISIONS, type Precision } from '../../../shared/challenge/types.js';
import type { GemmPreference } from '../../../miner/backends/gemm/select.js';
import { round } from './round.js';

const backends: ComputeBackend[] = [];
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});
function backend(adversary?: string, gemm?: GemmPreference): ComputeBackend {
  const b = new CpuBackend({ threads: 2, ...(adversary ? { adversary: parseAdversary(adversary) } : {}), ...(gemm ? { gemm } : {}) });
  backends.push(b);
  return b;
}

describe('CPU backend', () => {
  const honest = backend();

  it('computes C = A·B as the spec defines it (entries against an fp64 dot product)', async () => {
    const challenge = createChallenge({ precision: 'fp64', m: 2, n: 5, k: 33, deadlineMs: 60_000 });
    await honest.execute(challenge);
    const [opened] = await honest.open(challenge.id, [{ matrix: 1, row: 3 }]);
    const values = decodeRow('fp64', opened!.data);
    const a = rowOfA('fp64', matrixKey(challenge.seed, 'A', 1), 3, 33);
    for (let c = 0; c < 5; c++) {
      const b = colOfB('fp64', matrixKey(challenge.seed, 'B', 1), c, 33);
      const exact = a.reduce((sum, x, l) => sum + x * b[l]!, 0);
      expect(values[c]).toBeCloseTo(exact, 12);
    }
    await honest.release(challenge.id);
    await expect(honest.open(challenge.id, [{ matrix: 0, row: 0 }])).rejects.toMatchObject({ code: 'E_UNKNOWN_CHALLENGE' });
  });

  it('an honest run always verifies (any class and shape)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PRECISIONS),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 300 }),
        async (precision, m, n, k) => {
          const verdict = await round(honest, { precision, m, n, k, deadlineMs: 60_000 }, m * n, n);
          expect(verdict).toMatchObject({ ok: true, reason: 'ok' });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reports timings and progress', async () => {
    const seen: number[] = [];
    const challenge = createChallenge({ precision: 'bf16', m: 3, n: 16, k: 64, deadlineMs: 60_000 });
    const execution = await honest.execute(challenge, { onProgress: (f) => seen.push(f) });
    expect(seen).toEqual([1 / 3, 2 / 3, 1]);
    expect(execution.gemms).toBe(3);
    expect(execution.timings.gemmMs).toBeGreaterThan(0);
    expect(execution.root).toHaveLength(32);
    await honest.release(challenge.id);
  });

  it('computes GEMMs until the next would end after stopAt, and commits to those only', async () => {
    // On the reference kernel: its GEMMs are long enough for the stop rule, not timer jitter, to show.
    const honest = backend(undefined, 'js');
    const parameters = { precision: 'fp32', m: 64, n: 96, k: 96, deadlineMs: 60_000 } as const;
    // A stop already past: the one GEMM every commitment covers, then nothing.
    const past = createChallenge(parameters);
    const one = await honest.execute(past, { stopAt: () => 0 });
    expect(one.gemms).toBe(1);
    await expect(honest.open(past.id, [{ matrix: 1, row: 0 }])).rejects.toMatchObject({ code: 'E_OPENING_RANGE' });
    await honest.release(past.id);
    // A stop some GEMMs away: fewer than offered, finished (tree included) before the stop.
    const single = performance.now();
    await honest.release((await honest.execute(createChallenge({ ...parameters, m: 1 }))).challengeId);
    const gemmMs = performance.now() - single;
    const windowed = createChallenge(parameters);
    const started = performance.now();
    const stopAt = started + 8 * gemmMs;
    const some = await honest.execute(windowed, { stopAt: () => stopAt });
    expect(performance.now()).toBeLessThanOrEqual(stopAt + gemmMs);
    expect(some.gemms).toBeGreaterThan(1);
    expect(some.gemms).toBeLessThan(parameters.m);
    await honest.release(windowed.id);
    // And what it committed to verifies as the committed part.
    const verdict = await round(honest, { ...parameters, m: 4 }, 8, 2);
    expect(verdict.reason).toBe('ok');
  });

  it('stops on abort', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const challenge = createChallenge({ precision: 'fp32', m: 1, n: 8, k: 8, deadlineMs: 60_000 });
    await expect(honest.execute(challenge, { signal: controller.signal })).rejects.toThrow('stop');
  });
});

describe('every cheat is rejected', () => {
  const anyClass = fc.constantFrom(...PRECISIONS);
  const shape = (k: { min: number; max: number }) =>
    fc.record({ m: fc.integer({ min: 1, max: 3 }), n: fc.integer({ min: 2, max: 24 }), k: fc.integer(k) });

  /** Rejected in every round, whatever the class and shape (16 rows × 2 entries opened, all rows when fewer). */
  async function alwaysRejected(adversary: string, precision: fc.Arbitrary<Precision>, shapes: ReturnType<typeof shape>, reason: string, deadlineMs = 60_000) {
    const b = backend(adversary);
    try {
      await fc.assert(
        fc.asyncProperty(precision, shapes, async (p, { m, n, k }) => {
          const verdict = await round(b, { precision: p, m, n, k, deadlineMs }, Math.min(16, m * n), 2);
          expect(verdict).toMatchObject({ ok: false, reason });
        }),
        { numRuns: 6 },
      );
    } finally {
      await b.close();
    }
  }

  // Structural cheats: every opened row is wrong, at any size (k ≥ 16 so that a wrong-seed sum of fp8
  // products cannot coincide with the true one by chance).
  it('wrong-seed → out_of_tolerance', () => alwaysRejected('wrong-seed', anyClass, shape({ min: 16, max: 128 }), 'out_of_tolerance'));
  it('fabricate → out_of_tolerance', () => alwaysRejected('fabricate', anyClass, shape({ min: 1, max: 128 }), 'out_of_tolerance'));
  it('swap-rows → out_of_tolerance', () => alwaysRejected('swap-rows', anyClass, shape({ min: 16, max: 128 }), 'out_of_tolerance'));
  it('nan → non_finite', () => alwaysRejected('nan', anyClass, shape({ min: 1, max: 64 }), 'non_finite'));
  it('forge-path → bad_path', () => alwaysRejected('forge-path', anyClass, shape({ min: 1, max: 64 }), 'bad_path'));
  it('late → late', () => alwaysRejected('late', anyClass, shape({ min: 1, max: 16 }), 'late', 100));

  // Precision downgrades: at k ≥ 256 one entry passes with probability ≤ 0.02 (docs/protocol.md §9.2), so
  // 32 entries pass together with probability < 10^-50.
  const large = shape({ min: 256, max: 640 });
  it.each([
    ['precision:bf16', 'fp32'],
    ['precision:tf32', 'fp32'],
    ['precision:fp32', 'fp64'],
    ['precision:fp16acc', 'bf16'],
    ['precision:bf16', 'tf32'],
    ['precision:fp8', 'fp16'],
    ['precision:fp8', 'bf16'],
  ] as const)('%s when %s is asked → out_of_tolerance', (adversary, asked) =>
    alwaysRejected(adversary, fc.constant(asked), large, 'out_of_tolerance'),
  );

  it('lazy:0.1 → out_of_tolerance when all 128 rows are opened (passes only if no row was skipped: 0.9^128 ≈ 1e-6)', async () => {
    const b = backend('lazy:0.1');
    try {
      for (let i = 0; i < 3; i++) {
        const verdict = await round(b, { precision: 'fp32', m: 2, n: 64, k: 32, deadlineMs: 60_000 }, 128, 2);
        expect(verdict).toMatchObject({ ok: false, reason: 'out_of_tolerance' });
      }
    } finally {
      await b.close();
    }
  });
});

describe('parseAdversary', () => {
  it('reads every documented form', () => {
    expect(parseAdversary('lazy:0.1')).toEqual({ kind: 'lazy', fraction: 0.1 });
    expect(parseAdversary('precision:fp16acc')).toEqual({ kind: 'precision', cheaper: 'fp16acc' });
    for (const kind of ['wrong-seed', 'fabricate', 'swap-rows', 'nan', 'late', 'forge-path']) expect(parseAdversary(kind)).toEqual({ kind });
  });

  it.each(['lazy', 'lazy:0', 'lazy:2', 'precision:int8', 'nan:1', 'honest', 'lazy:0.1:x'])('rejects %s with the accepted forms', (spec) => {
    expect(() => parseAdversary(spec)).toThrow(expect.objectContaining({ code: 'E_ADVERSARY', hint: expect.stringContaining('lazy:<fraction>') }));
  });
});
