/**
 * Starts the validator's dashboard (`flopnet validator start --dashboard.port`, `flopnet dashboard`)
 * on its own thread (worker.ts), and answers that thread's chain reads from the caller's `chain`.
 *
 *   const dashboard = await startDashboard({ db: 'validator.db', host: '127.0.0.1', port: 8100 });
 *   console.log(dashboard.url);
 *   await dashboard.close();
 */
import { Worker } from 'node:worker_threads';
import { FlopnetError } from '../../shared/errors.js';
import type { LogLevel } from '../../shared/log.js';
import type { StoreIdentity } from '../store/db.js';
import type { ChainSnapshot } from './chain.js';

export interface WorkerSettings {
  db: string;
  host: string;
  port: number;
  chain: boolean;
  logLevel: LogLevel;
}

export type ToParent =
  | { type: 'listening'; port: number; url: string; identity: StoreIdentity }
  | { type: 'failed'; message: string; code: string; hint?: string }
  | { type: 'chain'; id: number };

export type ToWorker = { type: 'chain'; id: number; snapshot: ChainSnapshot } | { type: 'close' };

export interface DashboardOptions {
  /** The validator database (opened read-only). */
  db: string;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Reads the chain's view (cache it: each page load asks). Absent: the page says there is no chain. */
  chain?: () => Promise<ChainSnapshot>;
  logLevel?: LogLevel;
}

export interface Dashboard {
  readonly port: number;
  readonly url: string;
  /** The validator the database belongs to. */
  readonly identity: StoreIdentity;
  close(): Promise<void>;
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const settings: WorkerSettings = { db: o.db, host: o.host, port: o.port, chain: o.chain !== undefined, logLevel: o.logLevel ?? 'info' };
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: settings });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: ToParent) => {
    if (message.type !== 'chain' || !o.chain) return;
    void o.chain().then((snapshot) => worker.postMessage({ type: 'chain', id: message.id, snapshot } satisfies ToWorker));
  });
  const started = await new Promise<{ port: number; url: string; identity: StoreIdentity }>((resolve, reject) => {
    const onMessage = (message: ToParent): void => {
      if (message.type === 'listening') resolve({ port: message.port, url: message.url, identity: message.identity });
      else if (message.type === 'failed') reject(new FlopnetError(`dashboard: ${message.message}`, { code: message.code, ...(message.hint ? { hint: message.hint } : {}) }));
    };
    worker.on('message', onMessage);
    worker.once('error', (error) => reject(new FlopnetError(`the dashboard thread failed: ${error.message}`, { code: 'E_DASHBOARD', cause: error })));
    worker.once('exit', (code) => reject(new FlopnetError(`the dashboard thread exited (${code}) before serving`, { code: 'E_DASHBOARD' })));
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  let closing: Promise<void> | undefined;
  return {
    ...started,
    close: () =>
      (closing ??= (async () => {
        worker.postMessage({ type: 'close' } satisfies ToWorker);
        const timer = setTimeout(() => void worker.terminate(), 5_000);
        await exited;
        clearTimeout(timer);
      })()),
  };
}
