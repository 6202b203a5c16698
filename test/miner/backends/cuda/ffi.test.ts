/**
 * The koffi FFI layer against a fake CUDA library (test/fixtures/fake-cuda, CPU implementations of the
 * same exported symbols): pointer arguments, void** kernel parameters, out-parameters, status codes
 * turned into named errors, and the cuInit failure a miner without a GPU meets. This tests the FFI
 * marshalling, not GPU code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CudaLibraries, CUBLAS_COMPUTE_32F, CUBLAS_OP_N, CUDA_R_32F, CUDA_R_8F_E4M3 } from '../../../../miner/backends/cuda/ffi.js';
import { CudaError } from '../../../../miner/backends/cuda/errors.js';
import { FlopnetError } from '../../../../shared/errors.js';
import { buildFakeCuda, fakePaths } from '../../../fixtures/fake-cuda/build.js';

const fake = buildFakeCuda();
const path = 'path' in fake ? fake.path : '';

function ready(): CudaLibraries {
  const cu = new CudaLibraries(fakePaths(path));
  cu.init();
  cu.setCurrent(cu.retainPrimaryContext(cu.device(0)));
  return cu;
}

afterEach(() => {
  delete process.env.FAKE_CUDA_INIT_RESULT;
  delete process.env.FAKE_CUDA_FAIL;
  delete process.env.FAKE_CUDA_DEFER;
});

describe('CUDA library loading', () => {
  it('names the missing driver library, so `auto` can log why it skipped cuda', () => {
    const error = (() => {
      try {
        new CudaLibraries({ cuda: '/nonexistent/libcuda.so.1' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FlopnetError);
    expect((error as FlopnetError).code).toBe('E_CUDA_LIBRARY');
    expect((error as FlopnetError).message).toBe('libcuda.so.1 not found');
    expect((error as FlopnetError).hint).toMatch(/NVIDIA driver/);
  });
});

describe.skipIf('skip' in fake)('FFI marshalling against the fake CUDA library (not GPU code)', () => {
  it('turns a failing cuInit into a named error (the no-GPU fallback path)', () => {
    process.env.FAKE_CUDA_INIT_RESULT = '100';
    const cu = new CudaLibraries(fakePaths(path));
    expect(() => cu.init()).toThrowError(new CudaError('cuda', 'cuInit', 100, 'CUDA_ERROR_NO_DEVICE'));
    try {
      cu.init();
    } catch (e) {
      expect((e as CudaError).message).toBe('cuInit failed: CUDA_ERROR_NO_DEVICE (100)');
      expect((e as CudaError).code).toBe('E_CUDA');
      expect((e as CudaError).hint).toMatch(/nvidia-smi/);
    }
  });

  it('reads out-parameters: ints, size_t, strings, handles', () => {
    const cu = ready();
    expect(cu.driverVersion()).toBe(13000);
    expect(cu.deviceCount()).toBe(1);
    expect(cu.deviceName(0)).toBe('Fake CUDA Device (CPU)');
    expect(cu.totalMemory(0)).toBe(2 ** 30);
    expect(cu.attribute(75, 0)).toBe(9);
    expect(cu.attribute(76, 0)).toBe(0);
    expect(typeof cu.retainPrimaryContext(0)).toBe('bigint');
    expect(cu.nvrtcVersion()).toBe('13.0');
  });

  it('passes device pointers and host buffers both ways', () => {
    const cu = ready();
    const before = cu.memoryInfo();
    const ptr = cu.alloc(4096);
    expect(cu.memoryInfo().free).toBe(before.free - 4096);
    const data = new Float64Array([1.5, -2.25, Math.PI]);
    cu.copyToDevice(ptr + 8, data);
    const back = new Float64Array(3);
    cu.copyToHost(back, ptr + 8);
    expect([...back]).toEqual([...data]);
    cu.free(ptr);
    expect(cu.memoryInfo().free).toBe(before.free);
  });

  it('names a failing status with the call and the library status name, also for codes it does not know', () => {
    const cu = ready();
    process.env.FAKE_CUDA_FAIL = 'cuMemAlloc_v2:719';
    expect(() => cu.alloc(16)).toThrowError('cuMemAlloc_v2 failed: CUDA_ERROR_LAUNCH_FAILED (719)');
    process.env.FAKE_CUDA_FAIL = 'cuMemAlloc_v2:4242';
    expect(() => cu.alloc(16)).toThrowError('cuMemAlloc_v2 failed: CUDA status 4242 (4242)');
    delete process.env.FAKE_CUDA_FAIL;
    expect(() => cu.alloc(2 ** 31)).toThrowError('cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2)');
  });

  it('passes kernel arguments as void** (64-bit pointer, 32-bit ints) and reports a bad launch by kernel name', () => {
    const cu = ready();
    const module = cu.loadModule(cu.compile('/* source */', 'kernels.cu', ['--gpu-architecture=sm_90']));
    const fn = cu.getFunction(module, 'flopnet_generate_fp32');
    const stream = cu.createStream();
    const out = cu.alloc(4 * 6);
    cu.launch('flopnet_generate_fp32', fn, [1, 2, 1], [4, 1, 1], stream, [
      new BigUint64Array([BigInt(out)]), new Uint32Array([2]), new Uint32Array([3]), new Uint32Array([7]), new Uint32Array([9]), new Uint32Array([0]),
    ]);
    const values = new Float32Array(6);
    cu.copyToHost(values, out);
    // Each value is ±(1 + m·2^-23)·2^e with e ∈ {-1, 0}: written, not left as zero.
    for (const v of values) expect(Math.abs(v) >= 0.5 && Math.abs(v) < 2).toBe(true);
    expect(() => cu.launch('flopnet_generate_fp32', fn, [1, 1, 1], [2048, 1, 1], stream, [])).toThrowError(
      'cuLaunchKernel(flopnet_generate_fp32) failed: CUDA_ERROR_INVALID_VALUE (1)',
    );
    expect(() => cu.getFunction(module, 'missing_kernel')).toThrowError('cuModuleGetFunction(missing_kernel) failed: CUDA_ERROR_NOT_FOUND (500)');
    expect(() => cu.loadModule(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).toThrowError('cuModuleLoadData failed: CUDA_ERROR_INVALID_IMAGE (200)');
    cu.free(out);
  });

  it('passes NVRTC options as char** and carries the compiler log of a failed compile', () => {
    const cu = ready();
    const fail = (() => {
      try {
        cu.compile('#error broken', 'kernels.cu', ['--gpu-architecture=sm_90']);
      } catch (e) {
        return e as CudaError;
      }
    })();
    expect(fail?.message).toBe('nvrtcCompileProgram failed: NVRTC_ERROR_COMPILATION (6)');
    expect(fail?.details).toEqual(['kernels.cu(1): error: #error directive in source']);
    expect(() => cu.compile('x', 'kernels.cu', ['-O3'])).toThrowError('nvrtcCompileProgram failed: NVRTC_ERROR_INVALID_OPTION (5)');
  });

  it('calls cublasGemmEx with host scalars and device matrices (column-major), and names its errors', () => {
    const cu = ready();
    const workspace = cu.alloc(4096);
    const handle = cu.createBlas(cu.createStream(), workspace, 4096);
    // Column-major A (2×3), B (3×2): C = A·B.
    const a = cu.alloc(24);
    const b = cu.alloc(24);
    const c = cu.alloc(16);
    cu.copyToDevice(a, new Float32Array([1, 4, 2, 5, 3, 6]));
    cu.copyToDevice(b, new Float32Array([7, 9, 11, 8, 10, 12]));
    const g = { transa: CUBLAS_OP_N, transb: CUBLAS_OP_N, m: 2, n: 2, k: 3, alpha: new Float32Array([1]), a, aType: CUDA_R_32F, lda: 2, b, bType: CUDA_R_32F, ldb: 3, beta: new Float32Array([0]), c, cType: CUDA_R_32F, ldc: 2, computeType: CUBLAS_COMPUTE_32F };
    cu.gemmEx(handle, g);
    const out = new Float32Array(4);
    cu.copyToHost(out, c);
    expect([...out]).toEqual([58, 139, 64, 154]);
    expect(() => cu.gemmEx(handle, { ...g, lda: 1 })).toThrowError('cublasGemmEx failed: CUBLAS_STATUS_INVALID_VALUE (7)');
    // cuBLAS takes a workspace only at 256-byte alignment.
    expect(() => cu.createBlas(cu.createStream(), workspace + 8, 1024)).toThrowError('cublasSetWorkspace_v2 failed: CUBLAS_STATUS_INVALID_VALUE (7)');
    for (const p of [a, b, c, workspace]) cu.free(p);
  });

  it('calls cublasLtMatmul for fp8 (e4m3, TN layout) with descriptor attributes passed by pointer', () => {
    const cu = ready();
    const handle = cu.createBlasLt();
    // A stored k×m (k = 2, m = 1) transposed, B stored k×n (n = 1): D = 1.5·2 + (−0.5)·1 = 2.5.
    const e4m3 = (sign: number, exponent: number, mantissa: number) => (sign << 7) | ((exponent + 7) << 3) | mantissa;
    const a = cu.alloc(2);
    const b = cu.alloc(2);
    const d = cu.alloc(4);
    const ws = cu.alloc(1024);
    cu.copyToDevice(a, new Uint8Array([e4m3(0, 0, 4), e4m3(1, -1, 0)])); // 1.5, −0.5
    cu.copyToDevice(b, new Uint8Array([e4m3(0, 1, 0), e4m3(0, 0, 0)])); // 2, 1
    cu.matmulLt(handle, cu.createStream(), { m: 1, n: 1, k: 2, abType: CUDA_R_8F_E4M3, a, b, d, workspace: ws, workspaceBytes: 1024 });
    const out = new Float32Array(1);
    cu.copyToHost(out, d);
    expect(out[0]).toBe(2.5);
    process.env.FAKE_CUDA_FAIL = 'cublasLtMatmul:15';
    expect(() => cu.matmulLt(handle, cu.createStream(), { m: 1, n: 1, k: 2, abType: CUDA_R_8F_E4M3, a, b, d, workspace: ws, workspaceBytes: 1024 })).toThrowError(
      'cublasLtMatmul failed: CUBLAS_STATUS_NOT_SUPPORTED (15)',
    );
    for (const p of [a, b, d, ws]) cu.free(p);
  });

  it('deferred streams (FAKE_CUDA_DEFER) run out of order unless cuStreamWaitEvent orders them: the fake can catch a missing wait', () => {
    const cu = ready();
    const module = cu.loadModule(cu.compile('/* source */', 'kernels.cu', ['--gpu-architecture=sm_90']));
    const generate = cu.getFunction(module, 'flopnet_generate_fp32');
    const hash = cu.getFunction(module, 'flopnet_hash_rows');
    const producer = cu.createStream();
    const consumer = cu.createStream(); // created last: runs first under 'last'
    const data = cu.alloc(64);
    const digest = cu.alloc(32);
    const digestAfter = (ordered: boolean) => {
      cu.copyToDevice(data, new Uint8Array(64));
      const produced = cu.createEvent();
      cu.launch('gen', generate, [1, 1, 1], [16, 1, 1], producer, [new BigUint64Array([BigInt(data)]), new Uint32Array([1]), new Uint32Array([16]), new Uint32Array([5]), new Uint32Array([6]), new Uint32Array([0])]);
      cu.record(produced, producer);
      if (ordered) cu.waitEvent(consumer, produced);
      cu.launch('hash', hash, [1, 1, 1], [1, 1, 1], consumer, [new BigUint64Array([BigInt(data)]), new BigUint64Array([16n]), new Uint32Array([1]), new BigUint64Array([BigInt(digest)])]);
      const out = new Uint8Array(32);
      cu.copyToHost(out, digest);
      return Buffer.from(out).toString('hex');
    };
    const inOrder = digestAfter(true);
    process.env.FAKE_CUDA_DEFER = 'last';
    expect(digestAfter(true)).toBe(inOrder);
    expect(digestAfter(false)).not.toBe(inOrder); // hashed the zeros before the generator ran
    for (const p of [data, digest]) cu.free(p);
  });

  it('waits for events off the main thread, and polls cuEventQuery where the worker thread has no context', async () => {
    const cu = ready();
    const stream = cu.createStream();
    const event = cu.createEvent();
    cu.record(event, stream);
    await cu.waitFor(event);
    process.env.FAKE_CUDA_FAIL = 'cuEventSynchronize:201';
    await cu.waitFor(event); // falls back to polling instead of failing
    process.env.FAKE_CUDA_FAIL = 'cuEventQuery:719';
    await expect(cu.waitFor(event)).rejects.toThrowError('cuEventQuery failed: CUDA_ERROR_LAUNCH_FAILED (719)');
    cu.destroyEvent(event);
  });
});
