/**
 * Picks the compute backend a miner (or `flopnet bench`) runs on.
 *
 * `auto` tries cuda, then gpujs, then cpu, and logs why it passed over each one. gpu.js counts only when
 * it really runs on a GPU: in WebAssembly or JavaScript it would be a slower, fp32-only CPU backend.
 * The cpu backend picks its own GEMM kernel (BLAS, WebAssembly or the JavaScript reference: the fastest
 * that passes its self-test) and says which in its log line and in device.detail.
 * The CUDA and gpu.js modules are imported on demand, so a CPU miner never loads koffi or gpu.js.
 */
import { z } from 'zod';
import { FlopnetError, UsageError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { ComputeBackend } from './backend.js';
import type { Adversary } from './adversary.js';
import { CpuBackend } from './cpu.js';
import type { CudaLibraryPaths } from './cuda/ffi.js';
import type { GemmPreference } from './gemm/select.js';

/** Which GPUs of this machine one node serves from: every one the driver sees, or these ordinals. */
export type DeviceSelection = 'all' | readonly number[];

/** Parses `--devices`: "all", or a comma-separated list of distinct ordinals ("0,1,3"). */
export function parseDevices(spec: string): DeviceSelection {
  const text = spec.trim();
  if (text === 'all') return 'all';
  const ordinals = text.split(',').map((part) => part.trim());
  if (ordinals.some((o) => !/^\d{1,3}$/.test(o))) {
    throw new UsageError(`--devices ${JSON.stringify(spec)}: expected "all" or GPU ordinals such as 0,1,2`, { code: 'E_DEVICES', hint: 'nvidia-smi -L lists the GPUs and their ordinals' });
  }
  const numbers = ordinals.map(Number);
  if (new Set(numbers).size !== numbers.length) throw new UsageError(`--devices ${JSON.stringify(spec)} names a GPU twice`, { code: 'E_DEVICES' });
  return numbers;
}

/** The `--devices` option of `flopnet miner` and `flopnet bench`. */
export const devicesOption = {
  devices: {
    key: 'devices',
    arg: '<all or 0,1,…>',
    description: 'GPUs the cuda backend serves from, as one node: all, or ordinals (default 0); each challenge\'s GEMMs are dealt across them',
    schema: z
      .string()
      .trim()
      .transform((spec, ctx) => {
        try {
          return parseDevices(spec);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
          return z.NEVER;
        }
      }),
  },
} as const;

export type BackendKind = 'auto' | 'cpu' | 'gpujs' | 'cuda';
export const BACKEND_KINDS = ['auto', 'cpu', 'gpujs', 'cuda'] as const satisfies readonly BackendKind[];

export interface CreateBackendOptions {
  /** CPU worker threads (default: available parallelism). */
  threads?: number;
  /** The cpu backend's GEMM kernel (default 'auto': the fastest that passes its self-test). */
  gemm?: GemmPreference;
  /** BLAS library for the cpu backend (`--blas PATH`; default: searched for, see gemm/blas.ts). */
  blas?: string;
  /** Make the backend cheat in a documented way (tests and `flopnet bench` only; CPU backend only). */
  adversary?: Adversary;
  /** Where the CUDA libraries are (default: searched for; tests point these at a fake). */
  cudaLibraries?: CudaLibraryPaths;
  /** GPUs of the cuda backend (default [0]). */
  devices?: DeviceSelection;
}

async function createCpu(log: Logger, options: CreateBackendOptions): Promise<ComputeBackend> {
  const backend = new CpuBackend({ ...options, log });
  await backend.start();
  return backend;
}

async function createCuda(log: Logger, options: CreateBackendOptions): Promise<ComputeBackend> {
  const { CudaBackend } = await import('./cuda/backend.js');
  return CudaBackend.create({ log, ...(options.cudaLibraries ? { libraries: options.cudaLibraries } : {}), ...(options.devices ? { devices: options.devices } : {}) });
}

async function createGpujs(log: Logger): Promise<ComputeBackend & { readonly onGpu: boolean }> {
  const { createGpujsBackend } = await import('./gpujs.js');
  return createGpujsBackend({ log });
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The backend for `kind`; 'auto' picks the fastest one that works here. */
export async function createBackend(kind: BackendKind, log: Logger, options: CreateBackendOptions = {}): Promise<ComputeBackend> {
  if (options.adversary && kind !== 'cpu' && kind !== 'auto') {
    throw new UsageError(`--adversary runs on the cpu backend only, not ${kind}`, { code: 'E_ADVERSARY', hint: 'use --backend cpu (or auto) with --adversary' });
  }
  if (options.devices && kind !== 'cuda' && kind !== 'auto') {
    throw new UsageError(`--devices picks GPUs of the cuda backend, not ${kind}`, { code: 'E_DEVICES', hint: 'use --backend cuda (or auto) with --devices' });
  }
  switch (kind) {
    case 'cpu':
      return createCpu(log, options);
    case 'cuda':
      return createCuda(log, options);
    case 'gpujs':
      return createGpujs(log);
    case 'auto': {
      if (options.adversary) {
        log.info('backend auto: cpu (adversaries run on the cpu backend only)');
        return createCpu(log, options);
      }
      try {
        const backend = await createCuda(log, options);
        log.info('backend auto: cuda', { device: (await backend.describe()).name });
        return backend;
      } catch (error) {
        log.info(`backend auto: cuda skipped: ${reason(error)}`);
      }
      try {
        const backend = await createGpujs(log);
        if (backend.onGpu) {
          log.info('backend auto: gpujs', { mode: (await backend.describe()).detail });
          return backend;
        }
        const detail = (await backend.describe()).detail;
        await backend.close();
        log.info(`backend auto: gpujs skipped: ${detail}, no GPU; the cpu backend runs every class`);
      } catch (error) {
        log.info(`backend auto: gpujs skipped: ${reason(error)}`);
      }
      const cpu = await createCpu(log, options);
      log.info(`backend auto: cpu (${(await cpu.describe()).detail})`);
      return cpu;
    }
    default:
      throw new FlopnetError(`unknown backend ${String(kind)}`, { code: 'E_BACKEND_UNAVAILABLE', hint: `use one of ${BACKEND_KINDS.join(', ')}` });
  }
}
