/**
 * Picks the compute backend a miner (or `flopnet bench`) runs on.
 */
import { FlopnetError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { ComputeBackend } from './backend.js';
import type { Adversary } from './adversary.js';
import { CpuBackend } from './cpu.js';

export type BackendKind = 'auto' | 'cpu' | 'gpujs' | 'cuda';
export const BACKEND_KINDS = ['auto', 'cpu', 'gpujs', 'cuda'] as const satisfies readonly BackendKind[];

export interface CreateBackendOptions {
  /** CPU worker threads (default: available parallelism). */
  threads?: number;
  /** Make the backend cheat in a documented way (tests and `flopnet bench` only). */
  adversary?: Adversary;
}

/** The backend for `kind`; 'auto' picks the fastest one that works here. */
export async function createBackend(kind: BackendKind, log: Logger, options: CreateBackendOptions = {}): Promise<ComputeBackend> {
  switch (kind) {
    case 'auto':
    case 'cpu': {
      const backend = new CpuBackend({ ...options, log });
      await backend.start();
      return backend;
    }
    case 'gpujs':
    case 'cuda':
      throw new FlopnetError(`the ${kind} backend is not available in this build`, {
        code: 'E_BACKEND_UNAVAILABLE',
        hint: 'use --backend cpu (or auto)',
      });
  }
}
