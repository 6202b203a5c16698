/**
 * CudaBackend end to end. Against the fake CUDA library (FFI marshalling and the backend's bookkeeping:
 * layouts, bands, leaf order, trees, recomputed openings, memory accounting, several devices and their
 * failures; the "GPU" is host C), and, where a real NVIDIA GPU is present, against the device itself.
 */
import koffi from 'koffi';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CudaBackend, precisionsFor, workingSetBytes, type CudaBackendOptions } from '../../../../miner/backends/cuda/backend.js';
import { parseDevices } from '../../../../miner/backends/index.js';
import { WORKSPACE_BYTES, bandRowsFor } from '../../../../miner/backends/cuda/device.js';
import { CpuBackend } from '../../../../miner/backends/cpu.js';
import type { ComputeBackend, ExecuteOptions } from '../../../../miner/backends/backend.js';
import { committedPart, createChallenge, type ChallengeParameters } from '../../../../shared/challenge/challenge.js';
import { pickRows } from '../../../../shared/challenge/openings.js';
import { verifyOpenings, type Verdict } from '../../../../shared/challenge/verify.js';
import { PRECISIONS, type Challenge, type RowRef } from '../../../../shared/challenge/types.js';
import { FlopnetError } from '../../../../shared/errors.js';
import { createLogger } from '../../../../shared/log.js';
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

/** A logger whose lines a test can read. */
function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line) }) };
}

describe('precisionsFor (classes by compute capability)', () => {
  it('gives fp8 from sm 8.9, bf16/tf32 from 8.0, fp16 from 7.0', () => {
    expect(precisionsFor(9, 0)).toEqual([...PRECISIONS]);
    expect(precisionsFor(8, 9)).toEqual([...PRECISIONS]);
    expect(precisionsFor(8, 0)).toEqual(['fp64', 'fp32', 'tf32', 'bf16', 'fp16']);
    expect(precisionsFor(7, 5)).toEqual(['fp64', 'fp32', 'fp16']);
  });
});

describe('bands and --devices', () => {
  it('bands are powers of two of about n/32 rows (64 at least), never past the GEMM', () => {
    expect(bandRowsFor(16384)).toBe(512);
    expect(bandRowsFor(15744)).toBe(256);
    expect(bandRowsFor(4096)).toBe(128);
    expect(bandRowsFor(1000)).toBe(64);
    expect(bandRowsFor(7)).toBe(8);
    expect(bandRowsFor(13, 4)).toBe(4);
    expect(() => bandRowsFor(64, 12)).toThrow(/power of two/);
  });

  it('parses all or distinct ordinals, and names what is wrong otherwise', () => {
    expect(parseDevices('all')).toBe('all');
    expect(parseDevices('0,1, 3')).toEqual([0, 1, 3]);
    for (const bad of ['', 'gpu0', '0,0', '-1', '1;2']) expect(() => parseDevices(bad), bad).toThrow(expect.objectContaining({ code: 'E_DEVICES' }));
  });
});

describe.skipIf('skip' in fake)('CudaBackend on the fake CUDA library (FFI and bookkeeping, not GPU code)', () => {
  const lib = koffi.load(path);
  const liveAllocations = lib.func('long fakeCudaLiveAllocations(void)') as () => number;
  const gemmCalls = lib.func('long fakeCudaGemmCalls(int device)') as (device: number) => number;
  const allocatedBytes = lib.func('uint64_t fakeCudaAllocatedBytes(int device)') as (device: number) => number;
  const backends: ComputeBackend[] = [];
  const make = async (extra: Partial<CudaBackendOptions> = {}) => {
    const b = await CudaBackend.create({ libraries: fakePaths(path), reserveBytes: 0, ...extra });
    backends.push(b);
    return b;
  };
  afterEach(() => {
    for (const knob of ['FAIL', 'CC', 'MEMORY', 'DEFER', 'DEVICES', 'TFLOPS', 'LOSE_DEVICE', 'PERTURB', 'TIMING_ONLY']) delete process.env[`FAKE_CUDA_${knob}`];
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
  ] as const)('%s pipeline, streams deferred %s: same root and rows as the CPU reference where every product is exact (fp64, tf32, bf16, fp16, fp8)', async (pipeline, defer) => {
    // Same accumulation order as the reference loop and exact products: identical results, so identical
    // roots prove the layouts (A by rows, B by columns, "TN"), the bands, the leaf order and both trees.
    // With deferred streams the fake runs each stream as far ahead as its waits allow, so a missing wait
    // between the generation, GEMM and hash streams (or before a slot is reused) would change the root.
    // The CPU backend on its JavaScript reference kernel: a BLAS or WebAssembly kernel sums fp64 in
    // another order, which the protocol allows but which would make the roots differ.
    if (defer) process.env.FAKE_CUDA_DEFER = defer;
    const b = await make({ pipeline, bandRows: 2 });
    const cpu = new CpuBackend({ threads: 1, gemm: 'js' });
    backends.push(cpu);
    for (const precision of ['fp64', 'tf32', 'bf16', 'fp16', 'fp8'] as const) {
      const challenge = small(precision, 4, 5, 19);
      const gpu = await b.execute(challenge);
      const ref = await cpu.execute(challenge);
      expect(Buffer.from(gpu.root).toString('hex'), precision).toBe(Buffer.from(ref.root).toString('hex'));
      const rows: RowRef[] = [{ matrix: 2, row: 4 }, { matrix: 0, row: 1 }, { matrix: 3, row: 2 }];
      expect(await b.open(challenge.id, rows)).toEqual(await cpu.open(challenge.id, rows));
      await b.release(challenge.id);
      await cpu.release(challenge.id);
    }
  });

  it('holds no result on the device after a challenge: openings recompute their bands', async () => {
    const b = await make({ bandRows: 4 });
    const baseline = liveAllocations();
    const challenge = small('bf16', 4, 13, 40);
    const { gemms, root } = await b.execute(challenge);
    expect(liveAllocations()).toBe(baseline);
    // Rows of every band of two GEMMs, the last band partial (rows 12..12).
    const request = { id: challenge.id, rows: [0, 5, 9, 12].flatMap((row) => [{ matrix: 1, row }, { matrix: 3, row }]) };
    const openings = { id: challenge.id, rows: await b.open(challenge.id, request.rows) };
    expect(liveAllocations()).toBe(baseline);
    expect(verifyOpenings(challenge, { id: challenge.id, gemms, root }, request, openings, { entries: 4 })).toMatchObject({ ok: true, reason: 'ok' });
    await b.release(challenge.id);
    await expect(b.open(challenge.id, [{ matrix: 0, row: 0 }])).rejects.toMatchObject({ code: 'E_UNKNOWN_CHALLENGE' });
  });

  it('commits every GEMM of a window whose results would fill device memory five times over, and opens them', async () => {
    const challenge = small('fp32', 40, 96, 32);
    // Room for one GEMM's working set (and the workspace), nothing like the 40 results. (Other tests'
    // backends still hold their workspaces on the same fake device.)
    const room = WORKSPACE_BYTES + workingSetBytes(challenge) + 4096;
    process.env.FAKE_CUDA_MEMORY = String(allocatedBytes(0) + room);
    expect(challenge.m * challenge.n * challenge.n * 4).toBeGreaterThan(5 * (room - WORKSPACE_BYTES));
    const b = await make();
    const { verdict, gemms } = await verifyRound(b, challenge, 48);
    expect(gemms).toBe(40);
    expect(verdict).toMatchObject({ ok: true, reason: 'ok', rowsChecked: 48 });
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

  it('refuses a challenge whose one-GEMM working set does not fit in free device memory, before allocating anything, naming the device', async () => {
    const b = await make({ reserveBytes: 64 << 20 });
    const baseline = liveAllocations();
    const challenge = createChallenge({ precision: 'fp64', m: 40, n: 11_000, k: 1024, deadlineMs: 60_000 });
    expect(workingSetBytes(challenge)).toBeGreaterThan(2 ** 30);
    const error = await b.execute(challenge).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlopnetError);
    expect(error).toMatchObject({ code: 'E_DEVICE_MEMORY' });
    expect((error as Error).message).toMatch(/^cuda:0 \(Fake CUDA Device \(CPU\)\): challenge fp64 m=40 n=11000 k=1024 needs 1\.\d\d GiB of device memory; 0\.\d\d GiB is available/);
    expect(liveAllocations()).toBe(baseline);
  });

  it('runs all m GEMMs without stopAt; with a stopAt already past, commits GEMM 0 only, and its root verifies', async () => {
    const b = await make();
    const all = await verifyRound(b, small('fp32', 4));
    expect(all.gemms).toBe(4);
    expect(all.verdict).toMatchObject({ ok: true });

    const challenge = small('bf16', 4);
    const seen: number[] = [];
    const { gemms, root } = await b.execute(challenge, { stopAt: () => 0, onProgress: (f) => seen.push(f) });
    expect(gemms).toBe(1);
    expect(seen.at(-1)).toBe(1 / 4);
    await expect(b.open(challenge.id, [{ matrix: 1, row: 0 }])).rejects.toMatchObject({ code: 'E_OPENING_RANGE' });
    const request = pickRows(committedPart(challenge, gemms), 7);
    const openings = { id: challenge.id, rows: await b.open(challenge.id, request.rows) };
    await b.release(challenge.id);
    expect(verifyOpenings(challenge, { id: challenge.id, gemms, root }, request, openings, { entries: 3, elapsedMs: 1 })).toMatchObject({ ok: true, reason: 'ok' });
  });

  it.each(['serial', 'overlap'] as const)('%s pipeline: reads stopAt before every GEMM, so a stop moved earlier mid-run ends it there', async (pipeline) => {
    const b = await make({ pipeline });
    let stop = Number.MAX_SAFE_INTEGER;
    // Progress 2/8 (GEMM 1 done) comes while GEMMs 2 and 3 are queued (two wait behind the one running),
    // so the check before GEMM 4 sees the stop.
    const onProgress = (f: number) => { if (f >= 2 / 8) stop = 0; };
    const { verdict, gemms } = await verifyRound(b, small('fp16', 8), 6, { stopAt: () => stop, onProgress });
    expect(gemms).toBe(4);
    expect(verdict).toMatchObject({ ok: true });
  });

  it('turns a cuBLAS failure into an error naming the call and the device, frees the challenge, and keeps working', async () => {
    const b = await make();
    const baseline = liveAllocations();
    process.env.FAKE_CUDA_FAIL = 'cublasGemmEx:13';
    await expect(b.execute(small('fp32'))).rejects.toThrowError('cuda:0 (Fake CUDA Device (CPU)): cublasGemmEx failed: CUBLAS_STATUS_EXECUTION_FAILED (13)');
    expect(liveAllocations()).toBe(baseline);
    process.env.FAKE_CUDA_FAIL = 'cuMemAlloc_v2:2';
    await expect(b.execute(small('fp32'))).rejects.toThrowError('cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2)');
    delete process.env.FAKE_CUDA_FAIL;
    expect((await verifyRound(b, small('fp32'))).verdict.ok).toBe(true);
  });

  it('an out-of-memory or a CUDA error while recomputing for an opening is an error naming it, not a crash; the next opening works', async () => {
    const b = await make();
    const challenge = small('fp32', 3);
    await b.execute(challenge);
    process.env.FAKE_CUDA_FAIL = 'cuMemAlloc_v2:2';
    await expect(b.open(challenge.id, [{ matrix: 1, row: 2 }])).rejects.toThrowError('cuda:0 (Fake CUDA Device (CPU)): cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2)');
    process.env.FAKE_CUDA_FAIL = 'cuLaunchKernel:719';
    await expect(b.open(challenge.id, [{ matrix: 1, row: 2 }])).rejects.toMatchObject({ code: 'E_CUDA' });
    delete process.env.FAKE_CUDA_FAIL;
    expect(await b.open(challenge.id, [{ matrix: 1, row: 2 }])).toHaveLength(1);
    await b.release(challenge.id);
  });

  it('a recomputed band that differs from the committed one is caught before answering: an error naming the GEMM and the device, no rows', async () => {
    const b = await make({ bandRows: 4 });
    const challenge = small('tf32', 3, 11, 30);
    await b.execute(challenge);
    process.env.FAKE_CUDA_PERTURB = '1'; // from now on no GEMM gives the same bits twice
    const error = await b.open(challenge.id, [{ matrix: 0, row: 1 }, { matrix: 2, row: 9 }]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_RECOMPUTE_MISMATCH' });
    expect((error as Error).message).toMatch(/^cuda:0 \(Fake CUDA Device \(CPU\)\): recomputed rows 0\.\.3 of GEMM 0 differ from the rows committed to/);
    delete process.env.FAKE_CUDA_PERTURB;
    expect(await b.open(challenge.id, [{ matrix: 2, row: 9 }])).toHaveLength(1);
    await b.release(challenge.id);
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

  it("keeps the event loop running while it waits for the device (cuEventSynchronize on koffi's worker thread)", async () => {
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

  describe('a node of several GPUs', () => {
    it('describes the node, deals the GEMMs to every device, and commits to the same root as one device', async () => {
      process.env.FAKE_CUDA_DEVICES = '3';
      const node = await make({ devices: 'all', bandRows: 4 });
      const one = await make({ devices: [2], bandRows: 4 });
      expect(await node.describe()).toMatchObject({ backend: 'cuda', name: '3 × Fake CUDA Device (CPU)', memoryBytes: 2 ** 30, precisions: [...PRECISIONS] });
      expect((await node.describe()).detail).toMatch(/^3 devices, 3 GiB in all/);
      const before = [0, 1, 2].map(gemmCalls);
      const challenge = small('bf16', 12, 10, 24);
      const { root, gemms } = await node.execute(challenge);
      expect(gemms).toBe(12);
      const dealt = [0, 1, 2].map((d) => gemmCalls(d) - before[d]!);
      expect(dealt.every((calls) => calls > 0)).toBe(true);
      expect(dealt.reduce((a, x) => a + x, 0)).toBe(12 * 3); // 3 bands of 4 rows per GEMM
      const alone = await one.execute(challenge);
      expect(Buffer.from(root).equals(Buffer.from(alone.root))).toBe(true);
      // Openings go to the device that computed each GEMM, and verify.
      const request = pickRows(challenge, 36);
      const openings = { id: challenge.id, rows: await node.open(challenge.id, request.rows) };
      expect(verifyOpenings(challenge, { id: challenge.id, gemms, root }, request, openings, { entries: 4 })).toMatchObject({ ok: true, reason: 'ok' });
      await node.release(challenge.id);
      await one.release(challenge.id);
    });

    it('refuses ordinals the driver does not have', async () => {
      process.env.FAKE_CUDA_DEVICES = '2';
      await expect(CudaBackend.create({ libraries: fakePaths(path), devices: [0, 2] })).rejects.toMatchObject({ code: 'E_DEVICES', message: expect.stringMatching(/no CUDA device 2: the driver sees 2/) });
    });

    it('a faster device takes more GEMMs (simulated speeds 4:1)', async () => {
      process.env.FAKE_CUDA_DEVICES = '2';
      process.env.FAKE_CUDA_TFLOPS = '4e-6,1e-6'; // 2·16²·16 FLOPs: 4 ms and 16 ms a GEMM
      const node = await make({ devices: 'all' });
      const before = [gemmCalls(0), gemmCalls(1)];
      const { gemms } = await node.execute(small('fp32', 40, 16, 16));
      expect(gemms).toBe(40);
      const [fast, slow] = [gemmCalls(0) - before[0]!, gemmCalls(1) - before[1]!];
      expect(fast + slow).toBe(40);
      expect(fast).toBeGreaterThan(2 * slow);
    });

    it('a device lost mid-window: the others commit the prefix they finish in the window, the log names the device, and the node keeps serving', async () => {
      process.env.FAKE_CUDA_DEVICES = '3';
      process.env.FAKE_CUDA_TFLOPS = '1e-6'; // 2·16²·16 FLOPs: 16 ms a GEMM on every device
      const { lines, log } = capture();
      const node = await make({ devices: 'all', log });
      process.env.FAKE_CUDA_LOSE_DEVICE = `1:${gemmCalls(1) + 2}`; // device 1 dies after two more GEMMs
      const challenge = small('fp32', 1000, 16, 16);
      const started = performance.now();
      const stopAt = started + 600;
      const { verdict, gemms } = await verifyRound(node, challenge, 24, { stopAt: () => stopAt });
      expect(verdict).toMatchObject({ ok: true, reason: 'ok' });
      // Three devices for two GEMMs, then two for the rest of ~600 ms: well over one device's 37.
      expect(gemms).toBeGreaterThan(45);
      expect(gemms).toBeLessThan(1000);
      const warning = lines.map((l) => JSON.parse(l) as { level: string; msg: string }).find((l) => l.level === 'warn' && l.msg.includes('failed during challenge'));
      expect(warning?.msg).toMatch(/^device cuda:1 \(Fake CUDA Device \(CPU\)\) failed during challenge/);
      // The next challenge runs on the two devices left (device 1 fails at once and is logged again).
      const next = await verifyRound(node, small('fp32', 30, 16, 16), 12);
      expect(next).toMatchObject({ gemms: 30, verdict: { ok: true } });
    });

    it('a device still busy well past the stop is left behind: the node commits what the others finished in time', async () => {
      process.env.FAKE_CUDA_DEVICES = '2';
      process.env.FAKE_CUDA_TFLOPS = '1e-6,1e-8'; // device 1: 1.6 s a GEMM
      const { lines, log } = capture();
      const node = await make({ devices: 'all', log });
      const challenge = small('fp32', 100, 16, 16);
      const started = performance.now();
      const stopAt = started + 200;
      const { gemms } = await node.execute(challenge, { stopAt: () => stopAt });
      const tookMs = performance.now() - started;
      expect(tookMs).toBeLessThan(1000);
      expect(gemms).toBeGreaterThanOrEqual(1);
      expect(lines.some((l) => l.includes('did not finish its last GEMM'))).toBe(true);
      await node.release(challenge.id);
    });
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

  it('every class verifies at n = 512, k = 2048, its openings recomputed bit for bit', async () => {
    for (const precision of (await backend.describe()).precisions) {
      const { verdict } = await verifyRound(backend, createChallenge({ precision, m: 3, n: 512, k: 2048, deadlineMs: 60_000 }), 16);
      expect(verdict, precision).toMatchObject({ ok: true });
    }
  });
});
