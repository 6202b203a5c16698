/**
 * A system CBLAS (OpenBLAS, Intel MKL, BLIS, Apple Accelerate, any library exporting cblas_sgemm and
 * cblas_dgemm with 32-bit integers) called through koffi, as the CUDA backend calls its libraries: no
 * compiled addon. `apt-get install libopenblas0` is the operator's one-line upgrade from the
 * WebAssembly kernel.
 *
 * Search order (the first library that loads and passes the self-test in a child process, ./probe.ts):
 *   1. `--blas PATH`, else the FLOPNET_BLAS environment variable: that library only;
 *   2. Linux: OpenBLAS (libopenblas.so.0, libopenblas.so), Intel MKL (libmkl_rt.so.2, libmkl_rt.so, also
 *      under $MKLROOT and /opt/intel/oneapi/mkl/latest), BLIS (libblis.so.4, .3, libblis.so), then the
 *      generic libcblas.so.3 and libblas.so.3 (Debian's alternatives point these at the chosen BLAS);
 *      macOS: Accelerate (whose BLAS runs on the M-series matrix units), then Homebrew's OpenBLAS.
 *
 * Threads: the library gets the backend's thread count, through its environment variable set before
 * it loads (OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, BLIS_NUM_THREADS, VECLIB_MAXIMUM_THREADS) and its
 * set-threads call where it exports one. Its threads also stop spinning soon after a call returns
 * (OPENBLAS_THREAD_TIMEOUT=20: 2^20 cycles, under a millisecond, against OpenBLAS's default of 2^28,
 * about 0.1 s; KMP_BLOCKTIME=1 ms for MKL's OpenMP, 200 ms by default): the worker threads hash the
 * product's rows right after it, and a spinning BLAS thread would hold one of their cores. A variable
 * the operator already set is left as it is.
 */
import koffi from 'koffi';
import { basename } from 'node:path';
import { FlopnetError } from '../../../shared/errors.js';
import { bands, type GemmKernel, type GemmOperands, type RowBands } from './kernel.js';

type Lib = ReturnType<typeof koffi.load>;
type Fn = ReturnType<Lib['func']>;

/** CBLAS enum values (cblas.h). */
const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

/** Libraries tried, in order, when no path is given. */
export function blasCandidates(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (platform === 'darwin') {
    return ['/System/Library/Frameworks/Accelerate.framework/Accelerate', '/opt/homebrew/opt/openblas/lib/libopenblas.dylib', '/usr/local/opt/openblas/lib/libopenblas.dylib'];
  }
  const mklDirs = [env.MKLROOT, '/opt/intel/oneapi/mkl/latest'].filter((d): d is string => !!d).flatMap((d) => [`${d}/lib/intel64/`, `${d}/lib/`]);
  return [
    'libopenblas.so.0',
    'libopenblas.so',
    'libmkl_rt.so.2',
    'libmkl_rt.so',
    ...mklDirs.map((d) => `${d}libmkl_rt.so.2`),
    'libblis.so.4',
    'libblis.so.3',
    'libblis.so',
    'libcblas.so.3',
    'libblas.so.3',
  ];
}

/** Where the library to use is named, if anywhere: `--blas`, then FLOPNET_BLAS. */
export function namedBlas(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag ?? (env.FLOPNET_BLAS || undefined);
}

const THREAD_VARIABLES = ['OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'BLIS_NUM_THREADS', 'VECLIB_MAXIMUM_THREADS'] as const;
const SPIN_VARIABLES = { OPENBLAS_THREAD_TIMEOUT: '20', KMP_BLOCKTIME: '1' } as const;

const optional = (lib: Lib, declaration: string): Fn | undefined => {
  try {
    return lib.func(declaration);
  } catch {
    return undefined;
  }
};

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A loaded CBLAS: sgemm and dgemm for C = A·Bᵀ with row-major n×k operands. */
export class BlasLibrary {
  /** Library and version as the library reports it (e.g. "OpenBLAS 0.3.21 ... Haswell MAX_THREADS=64"). */
  readonly version: string;
  private readonly sgemm: Fn;
  private readonly dgemm: Fn;

  private constructor(
    readonly path: string,
    lib: Lib,
    readonly threads: number,
  ) {
    try {
      this.sgemm = lib.func('void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)');
      this.dgemm = lib.func('void cblas_dgemm(int order, int transA, int transB, int m, int n, int k, double alpha, const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc)');
    } catch (error) {
      throw new FlopnetError(`${path} has no CBLAS: ${message(error)}`, {
        code: 'E_BLAS_LIBRARY',
        hint: 'point --blas at a library that exports cblas_sgemm and cblas_dgemm (OpenBLAS, MKL, BLIS, Accelerate)',
      });
    }
    this.version = describeLibrary(lib, path);
    // An ILP64 OpenBLAS exporting the plain names would read our 32-bit integers as 64-bit ones.
    if (/USE64BITINT/.test(this.version)) {
      throw new FlopnetError(`${path} is a 64-bit-integer (ILP64) OpenBLAS build: its cblas_sgemm takes other arguments`, {
        code: 'E_BLAS_ABI',
        hint: 'install the ordinary (LP64) build, e.g. apt-get install libopenblas0',
      });
    }
    setLibraryThreads(lib, threads);
  }

  /** Loads `path` with `threads` threads; throws E_BLAS_MISSING when it does not load, E_BLAS_LIBRARY or E_BLAS_ABI when it is no CBLAS we can call. */
  static open(path: string, threads: number): BlasLibrary {
    for (const name of THREAD_VARIABLES) if (process.env[name] === undefined) process.env[name] = String(threads);
    for (const [name, value] of Object.entries(SPIN_VARIABLES)) if (process.env[name] === undefined) process.env[name] = value;
    let lib: Lib;
    try {
      lib = koffi.load(path);
    } catch (error) {
      throw new FlopnetError(`${path} does not load: ${message(error)}`, { code: 'E_BLAS_MISSING', hint: 'apt-get install libopenblas0, or point --blas at a CBLAS library' });
    }
    return new BlasLibrary(path, lib, threads);
  }

  /**
   * C (rows×n) = A (rows×k) · Bᵀ (Bᵀ n×k), all row-major, `wide` in binary64; on one of koffi's threads,
   * so the event loop stays free while the library's threads work.
   */
  gemm(wide: boolean, rows: number, n: number, k: number, a: Float32Array | Float64Array, bt: Float32Array | Float64Array, c: Float32Array | Float64Array): Promise<void> {
    return new Promise((resolve, reject) =>
      (wide ? this.dgemm : this.sgemm).async(ROW_MAJOR, NO_TRANS, TRANS, rows, n, k, 1, a, k, bt, k, 0, c, n, (error: unknown) => (error ? reject(error) : resolve())),
    );
  }
}

/** The library's own description of itself where it has one, else its file name. */
function describeLibrary(lib: Lib, path: string): string {
  const config = optional(lib, 'const char *openblas_get_config(void)');
  if (config) return String(config()).trim();
  const blis = optional(lib, 'const char *bli_info_get_version_str(void)');
  if (blis) return `BLIS ${String(blis())}`;
  const mkl = optional(lib, 'void MKL_Get_Version_String(char *buffer, int length)');
  if (mkl) {
    const buffer = Buffer.alloc(256);
    mkl(buffer, buffer.length);
    const end = buffer.indexOf(0);
    return buffer.subarray(0, end < 0 ? buffer.length : end).toString('latin1').trim();
  }
  return /Accelerate\.framework/.test(path) ? 'Apple Accelerate' : basename(path);
}

/** Tells the library its thread count through its own call, unless the operator set its variable. */
function setLibraryThreads(lib: Lib, threads: number): void {
  const calls: [string, string][] = [
    ['OPENBLAS_NUM_THREADS', 'void openblas_set_num_threads(int threads)'],
    ['MKL_NUM_THREADS', 'void MKL_Set_Num_Threads(int threads)'],
    ['BLIS_NUM_THREADS', 'void bli_thread_set_num_threads(int64_t threads)'],
  ];
  for (const [variable, declaration] of calls) {
    if (process.env[variable] !== String(threads)) continue;
    optional(lib, declaration)?.(threads);
  }
}

const view = (buffer: SharedArrayBuffer, wide: boolean) => (wide ? new Float64Array(buffer) : new Float32Array(buffer));

/** Fewest rows in one library call: below this the library's own threads and blocking lose speed. */
export const BLAS_BAND_ROWS = 256;

/**
 * The row bands a product is computed in, a function of n alone: a library's result for a row can
 * depend on the call's shape (OpenBLAS 0.3.21 gives other bits for a row computed in a 128-row call than
 * in the whole product), so recomputing a row must repeat the call that computed it.
 */
export function blasBands(n: number): [number, number][] {
  return bands(n, Math.max(1, Math.min(8, Math.floor(n / BLAS_BAND_ROWS))));
}

export class BlasGemm implements GemmKernel {
  readonly name = 'blas' as const;
  readonly detail: string;

  constructor(private readonly library: BlasLibrary) {
    this.detail = `${library.version} (${library.path}), ${library.threads} threads`;
  }

  /** Every fixed band (blasBands) that holds a wanted row, one library call each on all its threads. */
  async multiply({ precision, n, k, a, bt, c }: GemmOperands, rows: RowBands = [[0, n]]): Promise<void> {
    const wide = precision === 'fp64';
    const A = view(a, wide);
    const B = view(bt, wide);
    const C = view(c, wide);
    for (const [from, to] of blasBands(n)) {
      if (!rows.some(([start, end]) => start < to && end > from)) continue;
      await this.library.gemm(wide, to - from, n, k, A.subarray(from * k, to * k), B, C.subarray(from * n, to * n));
    }
  }

  async close(): Promise<void> {}
}
