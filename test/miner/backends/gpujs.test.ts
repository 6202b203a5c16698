/**
 * The gpu.js backend: what mode it really runs in (this CI machine has no display and no GPU, so gpu.js
 * falls back to WebAssembly and the backend must say so), and that its fp32 results verify.
 */
import gpujs from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import { GpujsBackend } from '../../../miner/backends/gpujs.js';
import { committedPart, createChallenge } from '../../../shared/challenge/challenge.js';
import { pickRows } from '../../../shared/challenge/openings.js';
import { verifyOpenings } from '../../../shared/challenge/verify.js';
import { colOfB, matrixKey, rowOfA } from '../../../shared/challenge/elements.js';

const backends: GpujsBackend[] = [];
afterAll(async () => {
  for (const b of backends) await b.close();
});
function make(mode?: 'gpu' | 'cpu') {
  const b = new GpujsBackend(mode ? { mode } : {});
  backends.push(b);
  return b;
}

/** Executes, opens rows of the GEMMs committed, and verifies them as a validator would. */
async function verify(b: GpujsBackend, m: number, n: number, k: number) {
  const challenge = createChallenge({ precision: 'fp32', m, n, k, deadlineMs: 60_000 });
  const started = performance.now();
  const { gemms, root } = await b.execute(challenge);
  const elapsedMs = performance.now() - started;
  const request = pickRows(committedPart(challenge, gemms), 8);
  const openings = { id: challenge.id, rows: await b.open(challenge.id, request.rows) };
  await b.release(challenge.id);
  return { challenge, gemms, verdict: verifyOpenings(challenge, { id: challenge.id, gemms, root }, request, openings, { entries: 6, elapsedMs }) };
}

describe('gpu.js backend', () => {
  it('reports the mode gpu.js really runs in and claims no GPU it is not using', async () => {
    const info = await make().describe();
    expect(info.backend).toBe('gpujs');
    expect(info.precisions).toEqual(['fp32']);
    const mode = /gpu\.js mode (\w+)/.exec(info.detail ?? '')?.[1];
    expect(mode).toBeDefined();
    // No GL context here (no display, headless-gl not installed): gpu.js cannot be on a GPU.
    if (!gpujs.GPU.isHeadlessGLSupported && !gpujs.GPU.isWebGLSupported && !gpujs.GPU.isWebGL2Supported) expect(['webasm', 'cpu']).toContain(mode);
    if (mode === 'webasm' || mode === 'cpu') {
      expect(info.name).toMatch(/no GPU/);
      expect(info.detail).toMatch(/on the CPU/);
    }
  });

  it.each(['gpu', 'cpu'] as const)('fp32 results requested in mode %s verify with the validator verifier', async (mode) => {
    const { verdict, gemms } = await verify(make(mode), 2, 24, 300);
    expect(gemms).toBe(2); // no stopAt: all m
    expect(verdict).toMatchObject({ ok: true, reason: 'ok' });
  });

  it('with a stopAt already past, commits GEMM 0 only, holds only it, and its root verifies', async () => {
    const b = make();
    const challenge = createChallenge({ precision: 'fp32', m: 3, n: 16, k: 40, deadlineMs: 60_000 });
    const { gemms, root } = await b.execute(challenge, { stopAt: () => 0 });
    expect(gemms).toBe(1);
    await expect(b.open(challenge.id, [{ matrix: 1, row: 0 }])).rejects.toMatchObject({ code: 'E_OPENING_RANGE' });
    const request = pickRows(committedPart(challenge, gemms), 8);
    const openings = { id: challenge.id, rows: await b.open(challenge.id, request.rows) };
    await b.release(challenge.id);
    expect(verifyOpenings(challenge, { id: challenge.id, gemms, root }, request, openings, { entries: 6 })).toMatchObject({ ok: true, reason: 'ok' });
  });

  it('computes C = A·B of the spec (an opened entry against an fp64 dot product)', async () => {
    const b = make();
    const challenge = createChallenge({ precision: 'fp32', m: 1, n: 6, k: 50, deadlineMs: 60_000 });
    await b.execute(challenge);
    const [opened] = await b.open(challenge.id, [{ matrix: 0, row: 4 }]);
    const values = new Float32Array(opened!.data.buffer, opened!.data.byteOffset, 6);
    const a = rowOfA('fp32', matrixKey(challenge.seed, 'A', 0), 4, 50);
    const col = colOfB('fp32', matrixKey(challenge.seed, 'B', 0), 3, 50);
    const exact = a.reduce((s, x, l) => s + x * col[l]!, 0);
    expect(Math.abs(values[3]! - exact)).toBeLessThan(1e-4 * Math.abs(exact) + 1e-4);
    await b.release(challenge.id);
  });

  it('refuses classes other than fp32 and unknown challenges', async () => {
    const b = make();
    await expect(b.execute(createChallenge({ precision: 'bf16', m: 1, n: 4, k: 4, deadlineMs: 1000 }))).rejects.toMatchObject({ code: 'E_PRECISION_UNSUPPORTED' });
    await expect(b.open('nope', [{ matrix: 0, row: 0 }])).rejects.toMatchObject({ code: 'E_UNKNOWN_CHALLENGE' });
  });
});
