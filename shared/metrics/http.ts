/**
 * The read-only HTTP endpoint the metrics, the health check and the validator's dashboard are served
 * from. Whoever reaches the port is a stranger: only GET, a bounded request line and headers, no
 * request body, paths matched exactly against a fixed table (nothing on disk is ever named by a
 * request, so there is nothing to traverse), slow or idle sockets cut, and a bounded number of them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FlopnetError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';

export interface Reply {
  status: number;
  type: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

/** A query the route cannot answer; the reason goes back as a 400. */
export class BadQuery extends Error {}

export type Route = (query: URLSearchParams) => Reply | Promise<Reply>;

export interface HttpLimits {
  /** Longest request target (path and query), bytes. */
  maxUrlBytes: number;
  /** Largest request head (request line and headers), bytes. */
  maxHeaderBytes: number;
  /** Time allowed to receive the request head, ms. */
  headersTimeoutMs: number;
  /** Time allowed for the whole request, ms. */
  requestTimeoutMs: number;
  /** An idle keep-alive socket is closed after this, ms. */
  keepAliveTimeoutMs: number;
  /** Open sockets at once; more are closed on arrival. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxUrlBytes: 2048,
  maxHeaderBytes: 8192,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 32,
};

export interface ReadOnlyServerOptions {
  /** Interface to bind (127.0.0.1 keeps it on this machine). */
  host: string;
  /** 0: any free port. */
  port: number;
  routes: ReadonlyMap<string, Route>;
  limits?: Partial<HttpLimits>;
  /** What the endpoint serves, for log lines and errors ("metrics", "dashboard"). */
  name: string;
  log?: Logger;
}

export interface ReadOnlyServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  // Scripts, styles and data from this origin only, nothing inline: even a name that escaped escaping
  // could not run.
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const text = (status: number, body: string, headers: Record<string, string> = {}): Reply => ({ status, type: 'text/plain; charset=utf-8', body: body + '\n', headers });

/** The reply to one request head, before any route runs; undefined: route it. */
function refusal(req: IncomingMessage, limits: HttpLimits): Reply | undefined {
  if (req.method !== 'GET') return text(405, `method ${String(req.method).slice(0, 16)} not allowed: this endpoint is read-only`, { Allow: 'GET' });
  if ((req.url ?? '').length > limits.maxUrlBytes) return text(414, `request target over ${limits.maxUrlBytes} bytes`);
  // A GET carries no body; one announced is refused unread.
  if (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0) return text(413, 'a GET request carries no body');
  return undefined;
}

export async function serveReadOnly(o: ReadOnlyServerOptions): Promise<ReadOnlyServer> {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...o.limits };
  const log = o.log ?? silentLogger;
  const send = (res: ServerResponse, reply: Reply, close: boolean): void => {
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    res.writeHead(reply.status, {
      ...SECURITY_HEADERS,
      'Content-Type': reply.type,
      'Content-Length': String(body.length),
      ...(close ? { Connection: 'close' } : {}),
      ...reply.headers,
    });
    res.end(body);
  };
  const server = createServer(
    { maxHeaderSize: limits.maxHeaderBytes, headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, keepAliveTimeout: limits.keepAliveTimeoutMs, connectionsCheckingInterval: 1_000 },
    (req, res) => {
      const refused = refusal(req, limits);
      if (refused) {
        send(res, refused, true);
        // Whatever body the peer still sends is not read.
        res.once('finish', () => req.destroy());
        return;
      }
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        return send(res, text(400, 'malformed request target'), true);
      }
      const route = o.routes.get(url.pathname);
      if (!route) return send(res, text(404, `not found; this endpoint serves ${[...o.routes.keys()].join(' ')}`), false);
      Promise.resolve()
        .then(() => route(url.searchParams))
        .then(
          (reply) => send(res, reply, false),
          (error: unknown) => {
            if (error instanceof BadQuery) return send(res, text(400, error.message), false);
            log.error(`${o.name} request failed`, { path: url.pathname, error });
            send(res, text(500, 'internal error (logged)'), false);
          },
        )
        .catch(() => res.destroy());
    },
  );
  server.maxConnections = limits.maxConnections;
  // CONNECT never reaches the request handler; it is refused like any other method.
  server.on('connect', (_req, socket) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  });
  server.on('clientError', (_error, socket) => {
    // An oversized head, a malformed request line, a timeout: answered if the socket still takes it.
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void =>
      reject(
        new FlopnetError(`cannot serve the ${o.name} on ${o.host}:${o.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`, {
          code: 'E_PORT',
          hint: `choose another --${o.name}.port`,
          cause: error,
        }),
      );
    server.once('error', onError);
    server.listen(o.port, o.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  return {
    port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
