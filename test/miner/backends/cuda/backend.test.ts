/**
 * CudaBackend end to end. Against the fake CUDA library (FFI marshalling and the backend's bookkeeping:
 * layouts, leaf order, tree, openings, memory accounting and error paths; the "GPU" is host C), and,
 * where a real NVIDIA GPU is present, against the device itself.
 */
import koffi from 'koffi';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CudaBackend, deviceBytesNeeded, precisionsFor } from '../../../../miner/backends/cuda/backend.js';
import { CpuBackend } from '../../../../miner/backends/cpu.js';
import type { ComputeBackend, ExecuteOptions } from '../../../../miner/backends/backend.js';
import { committedPart, createChallenge, type ChallengeParameters } from '../../../../shared/challenge/challenge.js';
import { pickRows } from '../../../../shared/challenge/openings.js';
import { verifyOpenings, type Verdict } from '../../../../shared/challenge/verify.js';
import { PRECISIONS, type Challenge } from '../../../../shared/challenge/types.js';
import { FlopnetError } from '../../../../shared/errors.js';
import { buildFakeCuda, fakePaths } from '../../../fixtures/fake-cuda/build.js';

const fake = buildFakeCuda();
const path = 'path' in fake ? fake.path : '';

/** Executes, opens rows of the GEMMs committed, and verifies them as a validator would. */
async function verifyRound(b: ComputeBackend, challenge: Challenge, rows = 6, options: ExecuteOptions = {}): Promise<{ verdict: Verdict; root: Uint8Array; gemms: number }> {
  const started = performance.now();
  const execution = await b.execute(challenge, options);
  const elapsedMs = performance.now() - started;
  const committed = committedPart(challenge, execution.gemms);
  const request = pickRows(committed, Math.min(rows, committed.m * committed.n));
  const openings = { id: challenge.id, rows: await b.open(challenge.id, request.rows) };
  await b.release(challenge.id);
  const verdict = verifyOpenings(challenge, { id: challenge.id, gemms: execution.gemms, root: execution.root }, request, openings, { entries: 4, elapsedMs });
  return { verdict, root: execution.root, gemms: execution.gemms };
}

const small = (precision: ChallengeParameters['precision'], m = 2, n = 7, k = 37): Challenge => createChallenge({ precision, m, n, k, deadlineMs: 60_000 });

describe('precisionsFor (classes by compute capability)', () => {
  it('gives fp8 from sm 8.9, bf16/tf32 from 8.0, fp16 from 7.0', () => {
    expect(precisionsFor(9, 0)).toEqual([...PRECISIONS]);
    expect(precisionsFor(8, 9)).toEqual([...PRECISIONS]);
    expect(precisionsFor(8, 0)).toEqual(['fp64', 'fp32', 'tf32', 'bf16', 'fp16']);
    expect(precisionsFor(7, 5)).toEqual(['fp64', 'fp32', 'fp16']);
  });
});

describe.skipIf('skip' in fake)('CudaBackend on the fake CUDA library (FFI and bookkeeping, not GPU code)', () => {
  const lib = koffi.load(path);
  const liveAllocations = lib.func('long fakeCudaLiveAllocations(void)') as () => number;
  const backends: ComputeBackend[] = [];
  const make = async (extra: { reserveBytes?: number; pipeline?: 'serial' | 'overlap' } = {}) => {
    const b = await CudaBackend.create({ libraries: fakePaths(path), reserveBytes: 0, ...extra });
    backends.push(b);
    return b;
  };
  afterEach(() => {
    delete process.env.FAKE_CUDA_FAIL;
    delete process.env.FAKE_CUDA_CC;
    delete process.env.FAKE_CUDA_MEMORY;
    delete process.env.FAKE_CUDA_DEFER;
  });
  afterAll(async () => {
    for (const b of backends) await b.close();
  });

  it('describes the device, with the classes its compute capability runs', async () => {
    const b = await make();
    const info = await b.describe();
    expect(info).toMatchObject({ backend: 'cuda', name: 'Fake CUDA Device (CPU)', memoryBytes: 2 ** 30, precisions: [...PRECISIONS] });
    expect(info.detail).toMatch(/^sm_90, driver API 13\.0, NVRTC 13\.0, /);
    process.env.FAKE_CUDA_CC = '80';
    const ampere = await make();
    expect((await ampere.describe()).precisions).toEqual(['fp64', 'fp32', 'tf32', 'bf16', 'fp16']);
    await expect(ampere.execute(small('fp8'))).rejects.toMatchObject({ code: 'E_PRECISION_UNSUPPORTED' });
  });

  it.each(PRECISIONS)('%s: a challenge verifies with the validator verifier', async (precision) => {
    const b = await make();
    const { verdict } = await verifyRound(b, small(precision, 3, 9, 70));
    expect(verdict).toMatchObject({ ok: true, reason: 'ok' });
  });

  it.each([
    ['serial', undefined],
    ['overlap', undefined],
    ['overlap', 'last'],
    ['overlap', 'first'],
  ] as const)('%s pipeline, streams deferred %s: same root as the CPU reference where every product is exact (fp64, tf32, bf16, fp16, fp8)', async (pipeline, defer) => {
    // Same accumulation order as the reference loop and exact products: identical results, so identical
    // roots prove the layouts (B first, fp8's column-major B), the leaf order and the tree. With deferred
    // streams the fake runs each stream as far ahead as its waits allow, so a missing wait between the
    // generation, GEMM and hash streams would change the root here.
    if (defer) process.env.FAKE_CUDA_DEFER = defer;
    const b = await make({ pipeline });
    const cpu = new CpuBackend({ threads: 1 });
    backends.push(cpu);
    for (const precision of ['fp64', 'tf32', 'bf16', 'fp16', 'fp8'] as const) {
      const challenge = small(precision, 3, 5, 19);
      const gpu = await b.execute(challenge);
      const ref = await cpu.execute(challenge);
      expect(Buffer.from(gpu.root).toString('hex'), precision).toBe(Buffer.from(ref.root).toString('hex'));
      const [mine] = await b.open(challenge.id, [{ matrix: 2, row: 4 }]);
      const [theirs] = await cpu.open(challenge.id, [{ matrix: 2, row: 4 }]);
      expect(mine).toEqual(theirs);
      await b.release(challenge.id);
      await cpu.release(challenge.id);
    }
  });

  it('keeps results on the device until release, then frees every allocation', async () => {
    const b = await make();
    const baseline = liveAllocations();
    const challenge = small('bf16', 4);
    await b.execute(challenge);
    expect(liveAllocations()).toBe(baseline + 4); // the four results; inputs and tree already freed
    await b.open(challenge.id, [{ matrix: 3, row: 0 }]);
    await b.release(challenge.id);
    expect(liveAllocations()).toBe(baseline);
    await expect(b.open(challenge.id, [{ matrix: 0, row: 0 }])).rejects.toMatchObject({ code: 'E_UNKNOWN_CHALLENGE' });
  });

  it('answers openings of one challenge while the next one executes', async () => {
    const b = await make();
    const first = small('bf16', 2, 9, 40);
    const { gemms, root } = await b.execute(first);
    const second = small('bf16', 6, 9, 40);
    const running = b.execute(second);
    const request = pickRows(first, 5);
    const openings = { id: first.id, rows: await b.open(first.id, request.rows) };
    await b.release(first.id);
    expect(verifyOpenings(first, { id: first.id, gemms, root }, request, openings, { entries: 3, elapsedMs: 1 }).ok).toBe(true);
    await running;
    await b.release(second.id);
  });

  it('refuses an opening outside the challenge', async () => {
    const b = await make();
    const challenge = small('fp32');
    await b.execute(challenge);
    await expect(b.open(challenge.id, [{ matrix: 2, row: 0 }])).rejects.toMatchObject({ code: 'E_OPENING_RANGE' });
    await expect(b.open(challenge.id, [{ matrix: 0, row: 7 }])).rejects.toMatchObject({ code: 'E_OPENING_RANGE' });
    await b.release(challenge.id);
  });

  it('refuses a challenge whose first GEMM does not fit in free device memory, before allocating anything', async () => {
    const b = await make({ reserveBytes: 64 << 20 });
    const baseline = liveAllocations();
    const challenge = createChallenge({ precision: 'fp64', m: 40, n: 11_000, k: 1024, deadlineMs: 60_000 });
    expect(deviceBytesNeeded(challenge, 1)).toBeGreaterThan(2 ** 30);
    const error = await b.execute(challenge).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlopnetError);
    expect(error).toMatchObject({ code: 'E_DEVICE_MEMORY' });
    expect((error as Error).message).toMatch(/needs 1\.\d\d GiB of device memory for its first GEMM; 0\.9\d GiB is available/);
    expect(liveAllocations()).toBe(baseline);
  });

  it('commits to the GEMMs that fit in free device memory when all m do not', async () => {
    const challenge = small('fp32', 8, 64, 16);
    // Room for three results besides the inputs and the tree, not four.
    process.env.FAKE_CUDA_MEMORY = String(deviceBytesNeeded(challenge, 3) + 64 * 64 * 2);
    const b = await make();
    const { verdict, gemms } = await verifyRound(b, challenge, 12);
    expect(gemms).toBe(3);
    expect(verdict).toMatchObject({ ok: true, reason: 'ok' });
  });

  it('runs all m GEMMs without stopAt; with a stopAt already past, commits GEMM 0 only, and its root verifies', async () => {
    const b = await make();
    const all = await verifyRound(b, small('fp32', 4));
    expect(all.gemms).toBe(4);
    expect(all.verdict).toMatchObject({ ok: true });

    const baseline = liveAllocations();
    const challenge = small('bf16', 4);
    const seen: number[] = [];
    const { gemms, root } = await b.execute(challenge, { stopAt: () => 0, onProgress: (f) => seen.push(f) });
    expect(gemms).toBe(1);
    expect(seen.at(-1)).toBe(1 / 4);
    expect(liveAllocations()).toBe(baseline + 1); // only GEMM 0's result is held
    await expect(b.open(challenge.id, [{ matrix: 1, row: 0 }])).rejects.toMatchObject({ code: 'E_OPENING_RANGE' });
    const request = pickRows(committedPart(challenge, gemms), 7);
    const openings = { id: challenge.id, rows: await b.open(challenge.id, request.rows) };
    await b.release(challenge.id);
    expect(liveAllocations()).toBe(baseline);
    expect(verifyOpenings(challenge, { id: challenge.id, gemms, root }, request, openings, { entries: 3, elapsedMs: 1 })).toMatchObject({ ok: true, reason: 'ok' });
  });

  it.each(['serial', 'overlap'] as const)('%s pipeline: reads stopAt before every GEMM, so a stop moved earlier mid-run ends it there', async (pipeline) => {
    const b = await make({ pipeline });
    let stop = Number.MAX_SAFE_INTEGER;
    // Progress 2/6 (GEMM 1 done) comes while GEMM 2 is queued, so the check before GEMM 3 sees the stop.
    const onProgress = (f: number) => { if (f >= 2 / 6) stop = 0; };
    const { verdict, gemms } = await verifyRound(b, small('fp16', 6), 6, { stopAt: () => stop, onProgress });
    expect(gemms).toBe(3);
    expect(verdict).toMatchObject({ ok: true });
  });

  it('turns a cuBLAS failure into a named error, frees the challenge, and keeps working', async () => {
    const b = await make();
    const baseline = liveAllocations();
    process.env.FAKE_CUDA_FAIL = 'cublasGemmEx:13';
    await expect(b.execute(small('fp32'))).rejects.toThrowError('cublasGemmEx failed: CUBLAS_STATUS_EXECUTION_FAILED (13)');
    expect(liveAllocations()).toBe(baseline);
    process.env.FAKE_CUDA_FAIL = 'cuMemAlloc_v2:2';
    await expect(b.execute(small('fp32'))).rejects.toThrowError('cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2)');
    delete process.env.FAKE_CUDA_FAIL;
    expect((await verifyRound(b, small('fp32'))).verdict.ok).toBe(true);
  });

  it('reports progress to 1 and stops on abort, freeing what it allocated', async () => {
    const b = await make();
    const seen: number[] = [];
    await b.execute(small('fp16', 5), { onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    const baseline = liveAllocations();
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(b.execute(small('fp16', 5), { signal: controller.signal })).rejects.toThrowError('stopped');
    expect(liveAllocations()).toBe(baseline);
  });

  it('keeps the event loop running while it waits for the device (cuEventSynchronize on koffi\'s worker thread)', async () => {
    // Deferred streams make the fake do the work inside the event wait, as a GPU would: the main thread
    // must stay free meanwhile.
    process.env.FAKE_CUDA_DEFER = 'last';
    const b = await make();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    await b.execute(small('fp64', 1, 96, 4096));
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(elapsed).toBeGreaterThan(20);
    expect(ticks).toBeGreaterThan(elapsed / 10);
  });

  it('fails to start with the driver error when cuInit fails', async () => {
    process.env.FAKE_CUDA_INIT_RESULT = '100';
    try {
      await expect(CudaBackend.create({ libraries: fakePaths(path) })).rejects.toThrowError('cuInit failed: CUDA_ERROR_NO_DEVICE (100)');
    } finally {
      delete process.env.FAKE_CUDA_INIT_RESULT;
    }
  });
});

/** A real NVIDIA driver and device here? (CI has none: these tests then show as skipped.) */
function realGpu(): string | undefined {
  try {
    const cuda = koffi.load('libcuda.so.1');
    const init = cuda.func('int cuInit(unsigned int flags)');
    const count = cuda.func('int cuDeviceGetCount(_Out_ int *count)');
    const out = [0];
    if (init(0) !== 0 || count(out) !== 0 || out[0] === 0) return undefined;
    return 'present';
  } catch {
    return undefined;
  }
}

describe.skipIf(!realGpu())('CudaBackend on a real NVIDIA GPU (skipped: no libcuda.so.1 / CUDA device on this machine)', () => {
  let backend: CudaBackend;
  afterAll(async () => backend?.close());

  it('starts (NVRTC compile and the kernel self-test against the TypeScript reference pass)', async () => {
    backend = await CudaBackend.create();
    expect((await backend.describe()).precisions.length).toBeGreaterThan(0);
  });

  it('every class the device has verifies at n = 512, k = 2048', async () => {
    for (const precision of (await backend.describe()).precisions) {
      const { verdict } = await verifyRound(backend, createChallenge({ precision, m: 3, n: 512, k: 2048, deadlineMs: 60_000 }), 16);
      expect(verdict, precision).toMatchObject({ ok: true });
    }
  });
});
