/**
 * The dashboard's thread: it opens the database read-only and serves the pages and the API, so no
 * query, however large, ever holds up the validator's event loop (which times miners on its clock).
 * Chain reads go to the parent thread, which holds the chain client.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FlopnetError } from '../../shared/errors.js';
import { createLogger, type LogLevel } from '../../shared/log.js';
import type { ChainSnapshot } from './chain.js';
import { DashboardData } from './data.js';
import type { ToParent, ToWorker, WorkerSettings } from './index.js';
import { serveDashboard } from './server.js';

const settings = workerData as WorkerSettings;
const port = parentPort!;
const send = (message: ToParent): void => port.postMessage(message);
const log = createLogger({ level: settings.logLevel as LogLevel, component: 'dashboard' });

const pending = new Map<number, (snapshot: ChainSnapshot) => void>();
let nextId = 0;
const chain = settings.chain
  ? (): Promise<ChainSnapshot> =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        send({ type: 'chain', id });
      })
  : undefined;

try {
  const data = new DashboardData(settings.db);
  const server = await serveDashboard({ host: settings.host, port: settings.port, data, ...(chain ? { chain } : {}), log });
  port.on('message', (message: ToWorker) => {
    if (message.type === 'chain') {
      pending.get(message.id)?.(message.snapshot);
      pending.delete(message.id);
    } else {
      void server.close().then(() => {
        data.close();
        port.close();
      });
    }
  });
  send({ type: 'listening', port: server.port, url: server.url, identity: data.identity });
} catch (error) {
  const flop = error instanceof FlopnetError ? error : undefined;
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error), code: flop?.code ?? 'E_DASHBOARD', ...(flop?.hint ? { hint: flop.hint } : {}) });
}
