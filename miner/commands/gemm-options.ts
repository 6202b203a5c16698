/** The cpu backend's GEMM settings, shared by `flopnet miner` and `flopnet bench`. */
import { z } from 'zod';
import { GEMM_PREFERENCES, type GemmPreference } from '../backends/gemm/select.js';

export const gemmOptions = {
  gemm: {
    key: 'gemm',
    arg: '<kernel>',
    description: `GEMM kernel of the cpu backend: ${GEMM_PREFERENCES.join(', ')} (auto: the fastest that passes its start-up self-test)`,
    schema: z.enum(GEMM_PREFERENCES),
    default: 'auto' as GemmPreference,
  },
  blas: {
    key: 'blas',
    arg: '<path>',
    description: 'BLAS library for the cpu backend (default: searched for, OpenBLAS first; apt-get install libopenblas0)',
    schema: z.string().min(1).max(4096),
  },
} as const;

/** The createBackend options the two settings give. */
export const gemmBackendOptions = (options: { gemm: GemmPreference; blas?: string | undefined }) => ({ gemm: options.gemm, ...(options.blas === undefined ? {} : { blas: options.blas }) });
