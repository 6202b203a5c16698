/**
 * `/metrics` (Prometheus text format) and `/healthz` on the read-only endpoint (http.ts), for a miner
 * or a validator started with `--metrics.port`. Each program keeps its own registry (miner/metrics.ts,
 * validator/metrics.ts) with the process's default metrics (CPU, memory, event-loop lag) beside them.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { Health } from './health.js';
import { serveReadOnly, type HttpLimits, type ReadOnlyServer, type Route } from './http.js';

/** A registry with the process's default metrics (process_*, nodejs_*) in it. */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  health: () => Health;
  limits?: Partial<HttpLimits>;
  log?: Logger;
}

export function serveMetrics(o: MetricsServerOptions): Promise<ReadOnlyServer> {
  const routes = new Map<string, Route>([
    ['/metrics', async () => ({ status: 200, type: o.registry.contentType, body: await o.registry.metrics(), headers: { 'Cache-Control': 'no-store' } })],
    [
      '/healthz',
      () => {
        const health = o.health();
        return { status: health.ok ? 200 : 503, type: 'text/plain; charset=utf-8', body: health.text + '\n', headers: { 'Cache-Control': 'no-store' } };
      },
    ],
  ]);
  return serveReadOnly({ host: o.host, port: o.port, routes, name: 'metrics', ...(o.limits ? { limits: o.limits } : {}), ...(o.log ? { log: o.log } : {}) });
}
