/**
 * The CUDA driver API, NVRTC, cuBLAS and cuBLASLt, called from TypeScript through koffi: no compiled
 * addon and no Python on a miner, only the NVIDIA driver and the CUDA libraries (../shared/research/gpu.md).
 *
 * Exports are bound by their versioned names (cuda.h #defines cuMemAlloc to cuMemAlloc_v2 and so on).
 * Device pointers are uint64_t (a JS number: addresses stay below 2^53); handles are void* (koffi 3 BigInt).
 * Every call's status is checked here, so callers get values or a CudaError naming the call.
 */
import koffi from 'koffi';
import { FlopnetError } from '../../../shared/errors.js';
import { CudaError, fallbackStatusName, type CudaLibrary } from './errors.js';

/** A device address. */
export type DevicePtr = number;
/** An opaque driver handle (context, module, function, stream, event, cuBLAS handle). */
export type Handle = bigint;

type Lib = ReturnType<typeof koffi.load>;
type Fn = ReturnType<Lib['func']>;

/** Where to load each library from; unset entries are searched for (see `candidates`). */
export interface CudaLibraryPaths {
  cuda?: string;
  nvrtc?: string;
  cublas?: string;
  cublasLt?: string;
}

/** Library names and places tried, in order, for each library. */
export function candidates(library: CudaLibrary, env: NodeJS.ProcessEnv = process.env): string[] {
  if (library === 'cuda') return ['libcuda.so.1', 'libcuda.so'];
  const stem = { nvrtc: 'libnvrtc', cublas: 'libcublas', cublasLt: 'libcublasLt' }[library];
  const dirs = [env.CUDA_HOME, env.CUDA_PATH, '/usr/local/cuda'].filter((d): d is string => !!d).map((d) => `${d}/lib64/`);
  const out: string[] = [];
  for (const version of ['13', '12']) {
    out.push(`${stem}.so.${version}`);
    for (const dir of dirs) out.push(`${dir}${stem}.so.${version}`);
  }
  return out;
}

function open(library: CudaLibrary, explicit: string | undefined): { lib: Lib; path: string } {
  const tried = explicit ? [explicit] : candidates(library);
  const errors: string[] = [];
  for (const path of tried) {
    try {
      return { lib: koffi.load(path), path };
    } catch (error) {
      errors.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const name = library === 'cuda' ? 'libcuda.so.1' : `${candidates(library)[0]!.replace(/\.\d+$/, '')} (CUDA 12 or 13)`;
  throw new FlopnetError(`${name} not found`, {
    code: 'E_CUDA_LIBRARY',
    hint:
      library === 'cuda'
        ? 'install the NVIDIA driver (libcuda.so.1 comes with it), or use --backend cpu'
        : 'install the CUDA toolkit libraries (nvrtc, cublas) or set CUDA_HOME to where they are',
    details: errors,
  });
}

function bind(lib: Lib, declarations: readonly string[]): Record<string, Fn> {
  const out: Record<string, Fn> = {};
  for (const declaration of declarations) {
    const name = /\b(\w+)\s*\(/.exec(declaration)![1]!;
    out[name] = lib.func(declaration);
  }
  return out;
}

function bindOptional(lib: Lib, declaration: string): Fn | undefined {
  try {
    return lib.func(declaration);
  } catch {
    return undefined;
  }
}

const DRIVER = [
  'int cuInit(unsigned int flags)',
  'int cuDriverGetVersion(_Out_ int *version)',
  'int cuDeviceGetCount(_Out_ int *count)',
  'int cuDeviceGet(_Out_ int *device, int ordinal)',
  'int cuDeviceGetName(void *name, int len, int device)',
  'int cuDeviceTotalMem_v2(_Out_ size_t *bytes, int device)',
  'int cuDeviceGetAttribute(_Out_ int *value, int attribute, int device)',
  'int cuDevicePrimaryCtxRetain(_Out_ void **ctx, int device)',
  'int cuDevicePrimaryCtxRelease_v2(int device)',
  'int cuCtxSetCurrent(void *ctx)',
  'int cuMemGetInfo_v2(_Out_ size_t *free, _Out_ size_t *total)',
  'int cuMemAlloc_v2(_Out_ uint64_t *dptr, size_t bytes)',
  'int cuMemFree_v2(uint64_t dptr)',
  'int cuMemcpyHtoD_v2(uint64_t dst, const void *src, size_t bytes)',
  'int cuMemcpyDtoH_v2(void *dst, uint64_t src, size_t bytes)',
  'int cuMemcpyDtoHAsync_v2(void *dst, uint64_t src, size_t bytes, void *stream)',
  'int cuModuleLoadData(_Out_ void **module, const void *image)',
  'int cuModuleUnload(void *module)',
  'int cuModuleGetFunction(_Out_ void **function, void *module, const char *name)',
  'int cuLaunchKernel(void *f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared, void *stream, void **params, void **extra)',
  'int cuStreamCreate(_Out_ void **stream, unsigned int flags)',
  'int cuStreamDestroy_v2(void *stream)',
  'int cuStreamSynchronize(void *stream)',
  'int cuStreamWaitEvent(void *stream, void *event, unsigned int flags)',
  'int cuEventCreate(_Out_ void **event, unsigned int flags)',
  'int cuEventRecord(void *event, void *stream)',
  'int cuEventQuery(void *event)',
  'int cuEventSynchronize(void *event)',
  'int cuEventDestroy_v2(void *event)',
  'int cuGetErrorName(int status, _Out_ const char **name)',
] as const;

const NVRTC = [
  'int nvrtcVersion(_Out_ int *major, _Out_ int *minor)',
  'const char *nvrtcGetErrorString(int status)',
  'int nvrtcCreateProgram(_Out_ void **prog, const char *src, const char *name, int headers, const char **includes, const char **includeNames)',
  'int nvrtcCompileProgram(void *prog, int count, const char **options)',
  'int nvrtcGetProgramLogSize(void *prog, _Out_ size_t *size)',
  'int nvrtcGetProgramLog(void *prog, void *log)',
  'int nvrtcGetCUBINSize(void *prog, _Out_ size_t *size)',
  'int nvrtcGetCUBIN(void *prog, void *cubin)',
  'int nvrtcDestroyProgram(_Inout_ void **prog)',
] as const;

const CUBLAS = [
  'int cublasCreate_v2(_Out_ void **handle)',
  'int cublasDestroy_v2(void *handle)',
  'int cublasSetStream_v2(void *handle, void *stream)',
  'int cublasSetWorkspace_v2(void *handle, uint64_t workspace, size_t bytes)',
  'int cublasGemmEx(void *handle, int transa, int transb, int m, int n, int k, const void *alpha, uint64_t A, int Atype, int lda, uint64_t B, int Btype, int ldb, const void *beta, uint64_t C, int Ctype, int ldc, int computeType, int algo)',
] as const;

const CUBLASLT = [
  'int cublasLtCreate(_Out_ void **handle)',
  'int cublasLtDestroy(void *handle)',
  'int cublasLtMatmulDescCreate(_Out_ void **desc, int computeType, int scaleType)',
  'int cublasLtMatmulDescDestroy(void *desc)',
  'int cublasLtMatmulDescSetAttribute(void *desc, int attribute, const void *value, size_t size)',
  'int cublasLtMatrixLayoutCreate(_Out_ void **layout, int type, uint64_t rows, uint64_t cols, int64_t ld)',
  'int cublasLtMatrixLayoutDestroy(void *layout)',
  'int cublasLtMatmul(void *handle, void *desc, const void *alpha, uint64_t A, void *Adesc, uint64_t B, void *Bdesc, const void *beta, uint64_t C, void *Cdesc, uint64_t D, void *Ddesc, void *algo, uint64_t workspace, size_t workspaceSize, void *stream)',
] as const;

/** Enum values from library_types.h / cublas_api.h / cublasLt.h / cuda.h. */
export const CUDA_R_32F = 0;
export const CUDA_R_64F = 1;
export const CUDA_R_16F = 2;
export const CUDA_R_16BF = 14;
export const CUDA_R_8F_E4M3 = 28;
export const CUBLAS_COMPUTE_32F = 68;
export const CUBLAS_COMPUTE_64F = 70;
export const CUBLAS_COMPUTE_32F_FAST_TF32 = 77;
export const CUBLAS_OP_N = 0;
export const CUBLAS_OP_T = 1;
export const CUBLAS_GEMM_DEFAULT = -1;
export const CUBLASLT_MATMUL_DESC_TRANSA = 3;
export const CUBLASLT_MATMUL_DESC_TRANSB = 4;
export const CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
export const CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
export const CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
const CUDA_ERROR_NOT_READY = 600;
const CUDA_ERROR_INVALID_CONTEXT = 201;

export interface GemmExArgs {
  transa: number;
  transb: number;
  m: number;
  n: number;
  k: number;
  /** Host scalars: Float64Array for the 64F compute type, Float32Array otherwise. */
  alpha: Float32Array | Float64Array;
  a: DevicePtr;
  aType: number;
  lda: number;
  b: DevicePtr;
  bType: number;
  ldb: number;
  beta: Float32Array | Float64Array;
  c: DevicePtr;
  cType: number;
  ldc: number;
  computeType: number;
}

/** The four libraries, loaded and bound; methods check statuses and return values. */
export class CudaLibraries {
  readonly paths: Readonly<Record<CudaLibrary, string>>;
  private readonly d: Record<string, Fn>;
  private readonly r: Record<string, Fn>;
  private readonly b: Record<string, Fn>;
  private readonly lt: Record<string, Fn>;
  private readonly elapsedFn: Fn;
  private readonly elapsedName: string;
  private readonly blasStatusName: Fn | undefined;
  private readonly ltStatusName: Fn | undefined;
  /** False once cuEventSynchronize on a worker thread answered INVALID_CONTEXT: poll from the main thread instead. */
  private asyncSyncWorks = true;

  /** Loads the driver first, so a machine without one fails with "libcuda.so.1 not found". */
  constructor(paths: CudaLibraryPaths = {}) {
    const cuda = open('cuda', paths.cuda);
    const nvrtc = open('nvrtc', paths.nvrtc);
    const cublas = open('cublas', paths.cublas);
    const cublasLt = open('cublasLt', paths.cublasLt);
    this.paths = { cuda: cuda.path, nvrtc: nvrtc.path, cublas: cublas.path, cublasLt: cublasLt.path };
    this.d = bind(cuda.lib, DRIVER);
    this.r = bind(nvrtc.lib, NVRTC);
    this.b = bind(cublas.lib, CUBLAS);
    this.lt = bind(cublasLt.lib, CUBLASLT);
    // CUDA 13 renamed cuEventElapsedTime to _v2; CUDA 12 drivers have only the plain name.
    const v2 = bindOptional(cuda.lib, 'int cuEventElapsedTime_v2(_Out_ float *ms, void *start, void *end)');
    this.elapsedFn = v2 ?? cuda.lib.func('int cuEventElapsedTime(_Out_ float *ms, void *start, void *end)');
    this.elapsedName = v2 ? 'cuEventElapsedTime_v2' : 'cuEventElapsedTime';
    this.blasStatusName = bindOptional(cublas.lib, 'const char *cublasGetStatusName(int status)');
    this.ltStatusName = bindOptional(cublasLt.lib, 'const char *cublasLtGetStatusName(int status)');
  }

  // ---------------------------------------------------------------- status checks

  statusName(library: CudaLibrary, status: number): string {
    let name: unknown;
    try {
      if (library === 'cuda') {
        const out: (string | null)[] = [null];
        if (this.d.cuGetErrorName!(status, out) === 0) name = out[0];
      } else if (library === 'nvrtc') {
        name = this.r.nvrtcGetErrorString!(status);
      } else {
        name = (library === 'cublas' ? this.blasStatusName : this.ltStatusName)?.(status);
      }
    } catch {
      name = undefined;
    }
    return typeof name === 'string' && /^[A-Z][A-Z0-9_]+$/.test(name) ? name : fallbackStatusName(library, status);
  }

  check(library: CudaLibrary, call: string, status: number, details?: readonly string[]): void {
    if (status !== 0) throw new CudaError(library, call, status, this.statusName(library, status), details);
  }

  private call(fn: string, ...args: unknown[]): void {
    this.check('cuda', fn, this.d[fn]!(...args) as number);
  }

  // ---------------------------------------------------------------- driver

  init(): void {
    this.call('cuInit', 0);
  }

  driverVersion(): number {
    const out = [0];
    this.call('cuDriverGetVersion', out);
    return out[0]!;
  }

  deviceCount(): number {
    const out = [0];
    this.call('cuDeviceGetCount', out);
    return out[0]!;
  }

  device(ordinal: number): number {
    const out = [0];
    this.call('cuDeviceGet', out, ordinal);
    return out[0]!;
  }

  deviceName(device: number): string {
    const buffer = Buffer.alloc(256);
    this.call('cuDeviceGetName', buffer, buffer.length, device);
    const end = buffer.indexOf(0);
    return buffer.subarray(0, end < 0 ? buffer.length : end).toString('utf8');
  }

  totalMemory(device: number): number {
    const out = [0];
    this.call('cuDeviceTotalMem_v2', out, device);
    return out[0]!;
  }

  attribute(attribute: number, device: number): number {
    const out = [0];
    this.call('cuDeviceGetAttribute', out, attribute, device);
    return out[0]!;
  }

  retainPrimaryContext(device: number): Handle {
    const out: (Handle | null)[] = [null];
    this.call('cuDevicePrimaryCtxRetain', out, device);
    return out[0]!;
  }

  releasePrimaryContext(device: number): void {
    this.call('cuDevicePrimaryCtxRelease_v2', device);
  }

  setCurrent(ctx: Handle): void {
    this.call('cuCtxSetCurrent', ctx);
  }

  memoryInfo(): { free: number; total: number } {
    const free = [0];
    const total = [0];
    this.call('cuMemGetInfo_v2', free, total);
    return { free: free[0]!, total: total[0]! };
  }

  alloc(bytes: number): DevicePtr {
    const out = [0];
    this.call('cuMemAlloc_v2', out, bytes);
    return out[0]!;
  }

  free(ptr: DevicePtr): void {
    this.call('cuMemFree_v2', ptr);
  }

  copyToDevice(dst: DevicePtr, src: ArrayBufferView): void {
    this.call('cuMemcpyHtoD_v2', dst, src, src.byteLength);
  }

  copyToHost(dst: ArrayBufferView, src: DevicePtr): void {
    this.call('cuMemcpyDtoH_v2', dst, src, dst.byteLength);
  }

  /** Copy on `stream`; into pageable memory (a JS buffer) it returns once the copy is done. */
  copyToHostOn(stream: Handle, dst: ArrayBufferView, src: DevicePtr): void {
    this.call('cuMemcpyDtoHAsync_v2', dst, src, dst.byteLength, stream);
  }

  loadModule(image: Uint8Array): Handle {
    const out: (Handle | null)[] = [null];
    this.call('cuModuleLoadData', out, image);
    return out[0]!;
  }

  unloadModule(module: Handle): void {
    this.call('cuModuleUnload', module);
  }

  getFunction(module: Handle, name: string): Handle {
    const out: (Handle | null)[] = [null];
    this.check('cuda', `cuModuleGetFunction(${name})`, this.d.cuModuleGetFunction!(out, module, name) as number);
    return out[0]!;
  }

  /**
   * Launches `fn`. `params` holds one typed array per kernel argument, holding that argument's value
   * (BigUint64Array for pointers and 64-bit integers, Uint32Array for 32-bit ones): koffi passes the array
   * of them as the void** the driver reads the arguments through.
   */
  launch(name: string, fn: Handle, grid: readonly [number, number, number], block: readonly [number, number, number], stream: Handle, params: readonly ArrayBufferView[]): void {
    const status = this.d.cuLaunchKernel!(fn, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0, stream, params, null) as number;
    this.check('cuda', `cuLaunchKernel(${name})`, status);
  }

  /** A stream; `nonBlocking` ones do not wait for work on the legacy default stream (CU_STREAM_NON_BLOCKING). */
  createStream(nonBlocking = false): Handle {
    const out: (Handle | null)[] = [null];
    this.call('cuStreamCreate', out, nonBlocking ? 1 : 0);
    return out[0]!;
  }

  destroyStream(stream: Handle): void {
    this.call('cuStreamDestroy_v2', stream);
  }

  /** Work queued on `stream` after this waits until `event` has completed (on the device, not here). */
  waitEvent(stream: Handle, event: Handle): void {
    this.call('cuStreamWaitEvent', stream, event, 0);
  }

  createEvent(): Handle {
    const out: (Handle | null)[] = [null];
    this.call('cuEventCreate', out, 0);
    return out[0]!;
  }

  record(event: Handle, stream: Handle): void {
    this.call('cuEventRecord', event, stream);
  }

  destroyEvent(event: Handle): void {
    this.call('cuEventDestroy_v2', event);
  }

  /** Milliseconds between two recorded, completed events. */
  elapsedMs(start: Handle, end: Handle): number {
    const out = [0];
    this.check('cuda', this.elapsedName, this.elapsedFn(out, start, end) as number);
    return out[0]!;
  }

  /**
   * Waits for `event` without blocking the event loop: cuEventSynchronize on koffi's worker thread, or,
   * where the driver refuses that thread (no current context) or `poll` asks for it, polling
   * cuEventQuery from this one. Several devices poll: each cuEventSynchronize holds one of libuv's few
   * worker threads (4 by default) for a whole GEMM, so eight devices would wait in line for them.
   * `expectedMs`, when the caller knows about how long the event has left, is slept before polling.
   */
  async waitFor(event: Handle, signal?: AbortSignal, poll = false, expectedMs = 0): Promise<void> {
    if (this.asyncSyncWorks && !poll) {
      const status = await new Promise<number>((resolve, reject) =>
        this.d.cuEventSynchronize!.async(event, (error: unknown, result: number) => (error ? reject(error) : resolve(result))),
      );
      if (status !== CUDA_ERROR_INVALID_CONTEXT) return this.check('cuda', 'cuEventSynchronize', status);
      this.asyncSyncWorks = false;
    }
    if (expectedMs > 2) await new Promise((resolve) => setTimeout(resolve, expectedMs - 1));
    for (let wait = 0.05; ; wait = Math.min(wait * 2, 2)) {
      const status = this.d.cuEventQuery!(event) as number;
      if (status !== CUDA_ERROR_NOT_READY) return this.check('cuda', 'cuEventQuery', status);
      signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  // ---------------------------------------------------------------- NVRTC

  nvrtcVersion(): string {
    const major = [0];
    const minor = [0];
    this.check('nvrtc', 'nvrtcVersion', this.r.nvrtcVersion!(major, minor) as number);
    return `${major[0]}.${minor[0]}`;
  }

  /** Compiles CUDA C to a cubin; a compile error carries the compiler's log in its details. */
  compile(source: string, name: string, options: readonly string[]): Uint8Array {
    const prog: (Handle | null)[] = [null];
    this.check('nvrtc', 'nvrtcCreateProgram', this.r.nvrtcCreateProgram!(prog, source, name, 0, null, null) as number);
    try {
      const status = this.r.nvrtcCompileProgram!(prog[0], options.length, options) as number;
      if (status !== 0) this.check('nvrtc', 'nvrtcCompileProgram', status, this.programLog(prog[0]!).split('\n').filter(Boolean).slice(0, 40));
      const size = [0];
      this.check('nvrtc', 'nvrtcGetCUBINSize', this.r.nvrtcGetCUBINSize!(prog[0], size) as number);
      const cubin = new Uint8Array(size[0]!);
      this.check('nvrtc', 'nvrtcGetCUBIN', this.r.nvrtcGetCUBIN!(prog[0], cubin) as number);
      return cubin;
    } finally {
      this.r.nvrtcDestroyProgram!(prog);
    }
  }

  private programLog(prog: Handle): string {
    const size = [0];
    if (this.r.nvrtcGetProgramLogSize!(prog, size) !== 0 || size[0]! <= 1) return '';
    const log = Buffer.alloc(size[0]!);
    if (this.r.nvrtcGetProgramLog!(prog, log) !== 0) return '';
    return log.subarray(0, size[0]! - 1).toString('utf8');
  }

  // ---------------------------------------------------------------- cuBLAS / cuBLASLt

  private blas(call: string, ...args: unknown[]): void {
    this.check('cublas', call, this.b[call]!(...args) as number);
  }

  private blasLt(call: string, ...args: unknown[]): void {
    this.check('cublasLt', call, this.lt[call]!(...args) as number);
  }

  /**
   * A cuBLAS handle bound to `stream` and to a workspace of its own: with a fixed user workspace cuBLAS
   * picks the same kernel for the same call every time, which is what recomputing a GEMM for its
   * openings relies on (cuBLAS guide, "Results reproducibility").
   */
  createBlas(stream: Handle, workspace: DevicePtr, workspaceBytes: number): Handle {
    const out: (Handle | null)[] = [null];
    this.blas('cublasCreate_v2', out);
    this.blas('cublasSetStream_v2', out[0], stream);
    this.blas('cublasSetWorkspace_v2', out[0], workspace, workspaceBytes);
    return out[0]!;
  }

  destroyBlas(handle: Handle): void {
    this.blas('cublasDestroy_v2', handle);
  }

  gemmEx(handle: Handle, g: GemmExArgs): void {
    this.blas('cublasGemmEx', handle, g.transa, g.transb, g.m, g.n, g.k, g.alpha, g.a, g.aType, g.lda, g.b, g.bType, g.ldb, g.beta, g.c, g.cType, g.ldc, g.computeType, CUBLAS_GEMM_DEFAULT);
  }

  createBlasLt(): Handle {
    const out: (Handle | null)[] = [null];
    this.blasLt('cublasLtCreate', out);
    return out[0]!;
  }

  destroyBlasLt(handle: Handle): void {
    this.blasLt('cublasLtDestroy', handle);
  }

  /**
   * Column-major D (m×n, fp32) = op(A)·op(B) with A stored k×m (transposed, "TN": what FP8 needs on
   * sm 8.9/9.0) and B stored k×n, both of `abType`, accumulating in fp32.
   */
  matmulLt(handle: Handle, stream: Handle, x: { m: number; n: number; k: number; abType: number; a: DevicePtr; b: DevicePtr; d: DevicePtr; workspace: DevicePtr; workspaceBytes: number }): void {
    const created: [string, Handle][] = [];
    const make = (call: string, ...args: unknown[]): Handle => {
      const out: (Handle | null)[] = [null];
      this.blasLt(call, out, ...args);
      created.push([call === 'cublasLtMatmulDescCreate' ? 'cublasLtMatmulDescDestroy' : 'cublasLtMatrixLayoutDestroy', out[0]!]);
      return out[0]!;
    };
    try {
      const desc = make('cublasLtMatmulDescCreate', CUBLAS_COMPUTE_32F, CUDA_R_32F);
      this.blasLt('cublasLtMatmulDescSetAttribute', desc, CUBLASLT_MATMUL_DESC_TRANSA, new Int32Array([CUBLAS_OP_T]), 4);
      this.blasLt('cublasLtMatmulDescSetAttribute', desc, CUBLASLT_MATMUL_DESC_TRANSB, new Int32Array([CUBLAS_OP_N]), 4);
      const aLayout = make('cublasLtMatrixLayoutCreate', x.abType, x.k, x.m, x.k);
      const bLayout = make('cublasLtMatrixLayoutCreate', x.abType, x.k, x.n, x.k);
      const dLayout = make('cublasLtMatrixLayoutCreate', CUDA_R_32F, x.m, x.n, x.m);
      const one = new Float32Array([1]);
      const zero = new Float32Array([0]);
      this.blasLt('cublasLtMatmul', handle, desc, one, x.a, aLayout, x.b, bLayout, zero, x.d, dLayout, x.d, dLayout, null, x.workspace, x.workspaceBytes, stream);
    } finally {
      for (const [destroy, h] of created.reverse()) this.lt[destroy]!(h);
    }
  }
}
