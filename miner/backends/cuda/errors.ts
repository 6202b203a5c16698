/**
 * Every status a CUDA library returns becomes a FlopnetError that names the call and the status, so a
 * miner's log (and a validator's error answer) says "cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY"
 * instead of a number or a crash.
 */
import { FlopnetError } from '../../../shared/errors.js';

export type CudaLibrary = 'cuda' | 'nvrtc' | 'cublas' | 'cublasLt';

const CODES: Readonly<Record<CudaLibrary, string>> = {
  cuda: 'E_CUDA',
  nvrtc: 'E_NVRTC',
  cublas: 'E_CUBLAS',
  cublasLt: 'E_CUBLAS',
};

/** Names for when the library's own lookup is missing or does not know the status (cuda.h, nvrtc.h, cublas_api.h). */
const FALLBACK_NAMES: Readonly<Record<CudaLibrary, Readonly<Record<number, string>>>> = {
  cuda: {
    1: 'CUDA_ERROR_INVALID_VALUE',
    2: 'CUDA_ERROR_OUT_OF_MEMORY',
    3: 'CUDA_ERROR_NOT_INITIALIZED',
    4: 'CUDA_ERROR_DEINITIALIZED',
    34: 'CUDA_ERROR_STUB_LIBRARY',
    35: 'CUDA_ERROR_INSUFFICIENT_DRIVER',
    100: 'CUDA_ERROR_NO_DEVICE',
    101: 'CUDA_ERROR_INVALID_DEVICE',
    200: 'CUDA_ERROR_INVALID_IMAGE',
    201: 'CUDA_ERROR_INVALID_CONTEXT',
    209: 'CUDA_ERROR_NO_BINARY_FOR_GPU',
    400: 'CUDA_ERROR_INVALID_HANDLE',
    500: 'CUDA_ERROR_NOT_FOUND',
    600: 'CUDA_ERROR_NOT_READY',
    700: 'CUDA_ERROR_ILLEGAL_ADDRESS',
    701: 'CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES',
    702: 'CUDA_ERROR_LAUNCH_TIMEOUT',
    719: 'CUDA_ERROR_LAUNCH_FAILED',
    999: 'CUDA_ERROR_UNKNOWN',
  },
  nvrtc: {
    1: 'NVRTC_ERROR_OUT_OF_MEMORY',
    2: 'NVRTC_ERROR_PROGRAM_CREATION_FAILURE',
    3: 'NVRTC_ERROR_INVALID_INPUT',
    4: 'NVRTC_ERROR_INVALID_PROGRAM',
    5: 'NVRTC_ERROR_INVALID_OPTION',
    6: 'NVRTC_ERROR_COMPILATION',
    7: 'NVRTC_ERROR_BUILTIN_OPERATION_FAILURE',
    11: 'NVRTC_ERROR_INTERNAL_ERROR',
  },
  cublas: {
    1: 'CUBLAS_STATUS_NOT_INITIALIZED',
    3: 'CUBLAS_STATUS_ALLOC_FAILED',
    7: 'CUBLAS_STATUS_INVALID_VALUE',
    8: 'CUBLAS_STATUS_ARCH_MISMATCH',
    11: 'CUBLAS_STATUS_MAPPING_ERROR',
    13: 'CUBLAS_STATUS_EXECUTION_FAILED',
    14: 'CUBLAS_STATUS_INTERNAL_ERROR',
    15: 'CUBLAS_STATUS_NOT_SUPPORTED',
    16: 'CUBLAS_STATUS_LICENSE_ERROR',
  },
  cublasLt: {},
};

/** The status name as cuda.h / nvrtc.h / cublas_api.h spell it, from the library if it can say. */
export function fallbackStatusName(library: CudaLibrary, status: number): string {
  const table = library === 'cublasLt' ? FALLBACK_NAMES.cublas : FALLBACK_NAMES[library];
  return table[status] ?? `${library === 'cuda' ? 'CUDA' : library === 'nvrtc' ? 'NVRTC' : 'CUBLAS'} status ${status}`;
}

export class CudaError extends FlopnetError {
  override name = 'CudaError';
  readonly library: CudaLibrary;
  readonly call: string;
  readonly status: number;
  readonly statusName: string;

  constructor(library: CudaLibrary, call: string, status: number, statusName: string, details: readonly string[] = []) {
    super(`${call} failed: ${statusName} (${status})`, {
      code: CODES[library],
      hint: HINTS[statusName] ?? 'run with --logging.debug for the call sequence; check nvidia-smi and the driver version',
      details,
    });
    this.library = library;
    this.call = call;
    this.status = status;
    this.statusName = statusName;
  }
}

const HINTS: Readonly<Record<string, string>> = {
  CUDA_ERROR_OUT_OF_MEMORY: 'another process holds GPU memory, or the challenge is larger than the device (see nvidia-smi)',
  CUDA_ERROR_NO_DEVICE: 'no CUDA device is visible: check nvidia-smi and CUDA_VISIBLE_DEVICES, or use --backend cpu',
  CUDA_ERROR_INSUFFICIENT_DRIVER: 'the NVIDIA driver is older than this CUDA runtime: update the driver',
  CUDA_ERROR_STUB_LIBRARY: 'libcuda.so.1 is the toolkit stub, not the driver: install the NVIDIA driver',
  CUDA_ERROR_NO_BINARY_FOR_GPU: 'NVRTC is older than this GPU architecture: install a newer CUDA toolkit (libnvrtc)',
  NVRTC_ERROR_COMPILATION: 'the kernel source did not compile for this GPU; the compiler log is below',
  NVRTC_ERROR_BUILTIN_OPERATION_FAILURE: 'NVRTC could not load libnvrtc-builtins next to libnvrtc: add the CUDA lib64 directory to LD_LIBRARY_PATH',
};
