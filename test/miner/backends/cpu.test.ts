import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CpuBackend } from '../../../miner/backends/cpu.js';
import { parseAdversary } from '../../../miner/backends/adversary.js';
import type { ComputeBackend } from '../../../miner/backends/backend.js';
import { createChallenge, type ChallengeParameters } from '../../../shared/challenge/challenge.js';
import { colOfB, matrixKey, rowOfA } from '../../../shared/challenge/elements.js';
import { pickRows } from '../../../shared/challenge/openings.js';
import { decodeRow, verifyOpenings, type Verdict } from '../../../shared/challenge/verify.js';
import { PRECISIONS } from '../../../shared/challenge/types.js';

const backends: ComputeBackend[] = [];
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});
function backend(adversary?: string): ComputeBackend {
  const b = new CpuBackend({ threads: 2, ...(adversary ? { adversary: parseAdversary(adversary) } : {}) });
  backends.push(b);
  return b;
}

/** One full round as a validator runs it: execute, time, open `rows` rows, verify `entries` per row. */
async function round(b: ComputeBackend, parameters: ChallengeParameters, rows: number, entries = 2): Promise<Verdict> {
  const challenge = createChallenge(parameters);
  const started = performance.now();
  const execution = await b.execute(challenge);
  const elapsedMs = performance.now() - started;
  const request = pickRows(challenge, rows);
  const openings = { id: challenge.id, rows: await b.open(challenge.id, request.rows) };
  await b.release(challenge.id);
  return verifyOpenings(challenge, { id: challenge.id, root: execution.root }, request, openings, { entries, elapsedMs });
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
    expect(execution.timings.gemmMs).toBeGreaterThan(0);
    expect(execution.root).toHaveLength(32);
    await honest.release(challenge.id);
  });

  it('stops on abort', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const challenge = createChallenge({ precision: 'fp32', m: 1, n: 8, k: 8, deadlineMs: 60_000 });
    await expect(honest.execute(challenge, { signal: controller.signal })).rejects.toThrow('stop');
  });
});

describe('every cheat is rejected', () => {
  // Sizes where the documented detection probability of a single round is below 1e-6 (docs/protocol.md §9).
  const cases: [string, ChallengeParameters, string][] = [
    ['wrong-seed', { precision: 'fp32', m: 1, n: 16, k: 64, deadlineMs: 60_000 }, 'out_of_tolerance'],
    ['fabricate', { precision: 'bf16', m: 2, n: 16, k: 64, deadlineMs: 60_000 }, 'out_of_tolerance'],
    ['lazy:0.1', { precision: 'fp32', m: 2, n: 64, k: 32, deadlineMs: 60_000 }, 'out_of_tolerance'],
    ['swap-rows', { precision: 'fp16', m: 1, n: 16, k: 64, deadlineMs: 60_000 }, 'out_of_tolerance'],
    ['nan', { precision: 'fp32', m: 1, n: 16, k: 64, deadlineMs: 60_000 }, 'non_finite'],
    ['forge-path', { precision: 'fp32', m: 2, n: 16, k: 64, deadlineMs: 60_000 }, 'bad_path'],
    ['late', { precision: 'fp32', m: 1, n: 8, k: 16, deadlineMs: 100 }, 'late'],
    ['precision:bf16', { precision: 'fp32', m: 1, n: 32, k: 512, deadlineMs: 60_000 }, 'out_of_tolerance'],
    ['precision:tf32', { precision: 'fp32', m: 1, n: 32, k: 512, deadlineMs: 60_000 }, 'out_of_tolerance'],
    ['precision:fp32', { precision: 'fp64', m: 1, n: 32, k: 512, deadlineMs: 60_000 }, 'out_of_tolerance'],
    ['precision:fp16acc', { precision: 'bf16', m: 1, n: 32, k: 512, deadlineMs: 60_000 }, 'out_of_tolerance'],
    ['precision:bf16', { precision: 'tf32', m: 1, n: 32, k: 512, deadlineMs: 60_000 }, 'out_of_tolerance'],
    ['precision:fp8', { precision: 'fp16', m: 1, n: 32, k: 512, deadlineMs: 60_000 }, 'out_of_tolerance'],
  ];
  it.each(cases)('%s on %o → %s', async (adversary, parameters, reason) => {
    const b = backend(adversary);
    // lazy:0.1 opens every one of the 128 rows: a round passes only if no row was skipped (0.9^128 ≈ 1e-6).
    const rows = adversary.startsWith('lazy') ? parameters.m * parameters.n : 16;
    try {
      for (let i = 0; i < 3; i++) {
        const verdict = await round(b, parameters, rows, 2);
        expect(verdict.ok).toBe(false);
        expect(verdict.reason).toBe(reason);
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
