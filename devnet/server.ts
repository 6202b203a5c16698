/**
 * JSON-RPC 2.0 over WebSocket and HTTP on one port. The transport knows no methods: it validates the
 * envelope, calls the one handler map, maps errors to codes (RpcError → its code, anything else →
 * -32603), and cancels a connection's subscriptions when it closes. A malformed frame gets an error
 * reply; it never takes the server down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { z } from 'zod';
import type { Logger } from '../shared/log.js';
import { FlopnetError } from '../shared/errors.js';
import type { Chain } from './chain.js';
import { RpcError, type Handlers, type RpcContext, type Subscription } from './rpc/shared.js';

/** A little above subtensor's largest extrinsic, hex-encoded, plus the envelope. */
export const MAX_PAYLOAD = 16 * 1024 * 1024;

const requestSchema = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number(), z.null()]).optional(),
  method: z.string().min(1),
  params: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
});

type Id = string | number | null;
type Reply = { jsonrpc: '2.0'; id: Id; result?: unknown; error?: { code: number; message: string; data?: unknown } };

export interface RpcServer {
  port: number;
  endpoint: string;
  close(): Promise<void>;
}

const replacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

export async function startServer(chain: Chain, handlers: Handlers, opts: { port: number; host: string; log?: Logger }): Promise<RpcServer> {
  const log = opts.log;
  let nextId = 1;

  /** Answers one request object; `conn` is null over HTTP (no subscriptions there). */
  const handle = async (raw: unknown, conn: Connection | null): Promise<Reply | null> => {
    const parsed = requestSchema.safeParse(raw);
    if (!parsed.success) {
      const id = typeof raw === 'object' && raw !== null && 'id' in raw ? ((raw as { id: unknown }).id as Id) : null;
      return { jsonrpc: '2.0', id: typeof id === 'string' || typeof id === 'number' ? id : null, error: { code: -32600, message: 'Invalid request' } };
    }
    const req = parsed.data;
    const id = req.id ?? null;
    const handler = Object.hasOwn(handlers, req.method) ? handlers[req.method] : undefined;
    if (!handler) return req.id === undefined ? null : { jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${req.method}` } };
    const ctx: RpcContext = {
      chain,
      subscribe: (method, cancel) => {
        if (!conn) throw new RpcError(-32601, 'Subscriptions are not supported over HTTP; use a WebSocket connection');
        const subId = `0x${(nextId++).toString(16).padStart(16, '0')}`;
        const sub: Subscription = {
          id: subId,
          notify: (result) => conn.send({ jsonrpc: '2.0', method, params: { subscription: subId, result } }),
        };
        conn.subscriptions.set(subId, cancel);
        return sub;
      },
      unsubscribe: (subId) => {
        const cancel = conn?.subscriptions.get(subId);
        if (!cancel) return false;
        conn!.subscriptions.delete(subId);
        cancel();
        return true;
      },
    };
    try {
      const params = Array.isArray(req.params) ? req.params : req.params === undefined ? [] : [req.params];
      const result = await handler(ctx, params);
      return req.id === undefined ? null : { jsonrpc: '2.0', id, result: result === undefined ? null : result };
    } catch (error) {
      if (error instanceof RpcError) {
        return { jsonrpc: '2.0', id, error: { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) } };
      }
      log?.error('rpc handler failed', { method: req.method, error: error instanceof Error ? error.message : String(error) });
      return { jsonrpc: '2.0', id, error: { code: -32603, message: `Internal error: ${error instanceof Error ? error.message : String(error)}` } };
    }
  };

  /** A single request or a batch; returns the serialized reply, or null when nothing is due. */
  const handleText = async (text: string, conn: Connection | null): Promise<string | null> => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    }
    if (Array.isArray(raw)) {
      if (raw.length === 0) return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid request' } });
      const replies = (await Promise.all(raw.map((r) => handle(r, conn)))).filter((r) => r !== null);
      return replies.length ? JSON.stringify(replies, replacer) : null;
    }
    const reply = await handle(raw, conn);
    return reply ? JSON.stringify(reply, replacer) : null;
  };

  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'POST' }).end('flopnet devnet: POST JSON-RPC here, or connect a WebSocket\n');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_PAYLOAD) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      void handleText(Buffer.concat(chunks).toString('utf8'), null).then((body) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(body ?? '');
      });
    });
    req.on('error', () => res.destroy());
  });

  const wss = new WebSocketServer({ server: http, maxPayload: MAX_PAYLOAD });
  const connections = new Set<Connection>();
  wss.on('connection', (ws: WebSocket) => {
    const conn = new Connection(ws);
    connections.add(conn);
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
      void handleText(text, conn).then((reply) => {
        if (reply !== null) conn.sendText(reply);
      });
    });
    ws.on('close', () => {
      connections.delete(conn);
      conn.cancelAll();
    });
    ws.on('error', (error) => log?.debug('websocket error', { error: error.message }));
  });
  // The http server's listen errors are re-emitted here too; they are reported by the listen promise below.
  wss.on('error', (error) => log?.debug('websocket server error', { error: error.message }));

  await new Promise<void>((resolve, reject) => {
    http.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new FlopnetError(`cannot listen on ${opts.host}:${opts.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}`, {
              code: 'E_DEVNET_PORT',
              hint: 'stop the other devnet or node, or pass --port with another port (0 picks a free one)',
              cause: error,
            })
          : error,
      );
    });
    http.listen(opts.port, opts.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const host = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  return {
    port,
    endpoint: `ws://${host}:${port}`,
    close: async () => {
      // A close frame first (1001 going away), so clients log an orderly disconnect; then force.
      await Promise.all(
        [...connections].map(
          (c) =>
            new Promise<void>((resolve) => {
              c.cancelAll();
              const force = setTimeout(() => {
                c.ws.terminate();
                resolve();
              }, 200);
              c.ws.once('close', () => {
                clearTimeout(force);
                resolve();
              });
              c.ws.close(1001, 'devnet shutting down');
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

class Connection {
  readonly subscriptions = new Map<string, () => void>();
  constructor(readonly ws: WebSocket) {}
  send(message: unknown): void {
    this.sendText(JSON.stringify(message, replacer));
  }
  sendText(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }
  cancelAll(): void {
    for (const cancel of this.subscriptions.values()) cancel();
    this.subscriptions.clear();
  }
}
