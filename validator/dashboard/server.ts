/**
 * The dashboard's HTTP routes on the read-only endpoint (shared/metrics/http.ts): two pages and their
 * script and style, read from this package once at start (no request names a file), and a JSON API
 * whose every parameter is validated and bounded before a query runs.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Logger } from '../../shared/log.js';
import { BadQuery, serveReadOnly, type ReadOnlyServer, type Reply, type Route } from '../../shared/metrics/http.js';
import type { ChainSnapshot } from './chain.js';
import { RANGES, SORTS, type DashboardData } from './data.js';

const ASSETS = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/miner', 'miner.html', 'text/html; charset=utf-8'],
  ['/static/dashboard.js', 'dashboard.js', 'text/javascript; charset=utf-8'],
  ['/static/dashboard.css', 'dashboard.css', 'text/css; charset=utf-8'],
  ['/static/favicon.svg', 'favicon.svg', 'image/svg+xml'],
] as const;

const json = (value: unknown): Reply => ({
  status: 200,
  type: 'application/json; charset=utf-8',
  body: JSON.stringify(value),
  headers: { 'Cache-Control': 'no-store' },
});

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const range = z.enum(Object.keys(RANGES) as [keyof typeof RANGES, ...Array<keyof typeof RANGES>]).default('7d');
const hotkey = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{46,48}$/, 'an ss58 address');
const QUERIES = {
  capacity: z.strictObject({ range }),
  miners: z.strictObject({ offset: int(0, 65_535).default(0), limit: int(1, 256).default(50), sort: z.enum(SORTS).default('uid'), order: z.enum(['asc', 'desc']).default('asc') }),
  miner: z.strictObject({ hotkey, range, before: int(1, Number.MAX_SAFE_INTEGER).optional(), limit: int(1, 200).default(50) }),
  none: z.strictObject({}),
};

/** The query string as the schema reads it: each key once, at most 8 keys. */
function parse<S extends z.ZodType>(schema: S, query: URLSearchParams): z.infer<S> {
  const keys = [...query.keys()];
  if (keys.length > 8 || new Set(keys).size !== keys.length) throw new BadQuery('at most 8 parameters, each once');
  const parsed = schema.safeParse(Object.fromEntries(query));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BadQuery(`${issue.path.join('.') || 'query'}: ${issue.message}`);
  }
  return parsed.data;
}

export interface DashboardServerOptions {
  host: string;
  port: number;
  data: DashboardData;
  /** The chain's view (commitments); absent when the dashboard has no chain. */
  chain?: () => Promise<ChainSnapshot>;
  log?: Logger;
}

export function serveDashboard(o: DashboardServerOptions): Promise<ReadOnlyServer> {
  const routes = new Map<string, Route>();
  for (const [path, file, type] of ASSETS) {
    const body = readFileSync(new URL(`./public/${file}`, import.meta.url));
    routes.set(path, () => ({ status: 200, type, body }));
  }
  routes.set('/api/summary', (q) => (parse(QUERIES.none, q), json(o.data.summary())));
  routes.set('/api/capacity', (q) => json(o.data.capacity(parse(QUERIES.capacity, q).range)));
  routes.set('/api/miners', (q) => {
    const { offset, limit, sort, order } = parse(QUERIES.miners, q);
    return json(o.data.miners({ offset, limit, sort, desc: order === 'desc' }));
  });
  routes.set('/api/miner', (q) => {
    const { hotkey: h, range: r, before, limit } = parse(QUERIES.miner, q);
    const miner = o.data.miner(h, { range: r, before, limit });
    return miner ? json(miner) : { status: 404, type: 'text/plain; charset=utf-8', body: 'no results for this hotkey in the database\n' };
  });
  routes.set('/api/chain', async (q) => {
    parse(QUERIES.none, q);
    return json(o.chain ? await o.chain() : { readAt: Date.now(), error: 'no chain connection: this dashboard reads the database only' });
  });
  return serveReadOnly({ host: o.host, port: o.port, routes, name: 'dashboard', ...(o.log ? { log: o.log } : {}) });
}
