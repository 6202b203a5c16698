/**
 * The miner's WebSocket server: connections, frames and their bounds. It knows no operations: each
 * binary message goes to `onFrame` and its answer goes back on the same connection.
 *
 * Admission (admission.ts, docs/protocol.md §16.8): a socket is unauthenticated from TCP accept until
 * one of its requests is admitted, and must get there within authTimeoutMs, handshake included.
 * Unauthenticated sockets have a small budget of their own (maxUnauthenticated, per address
 * maxUnauthenticatedPerAddress, IPv6 per /64) in which the oldest gives way to a newcomer; the
 * maxConnections validator connections are out of strangers' reach.
 *
 * Bounds, each refused with a reason:
 *   - over a budget at accept: HTTP 503 with `X-Flopnet-Error: E_TOO_MANY_CONNECTIONS`
 *   - no admitted request within authTimeoutMs, or evicted for a newer socket: closed (1008
 *     `E_UNAUTHENTICATED`), or destroyed when still in the handshake
 *   - more than maxFramesBeforeAdmission frames before one is admitted: closed (1008), so strangers
 *     cannot keep the CPU busy verifying; idle for idleTimeoutMs: closed (1008)
 *   - admitted, but the validator capacity is full: E_TOO_MANY_CONNECTIONS, then closed
 *   - a frame over maxFrameBytes: closed by ws with 1009 before it is buffered
 *   - more than maxInFlight admitted requests running on a connection: E_TOO_MANY_IN_FLIGHT
 *   - a peer that does not read its answers (bufferedAmount over maxBufferedBytes): terminated
 * A peer's bytes never throw out of here: every socket and ws error is handled.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { FlopnetError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { ProtocolError } from '../shared/protocol/codec.js';
import { FRAME_BYTES } from '../shared/protocol/limits.js';
import { ConnectionBudget, addressKey, type AdmissionLimits } from './admission.js';
import type { Gate } from './pipeline.js';

export interface AxonLimits extends AdmissionLimits {
  maxFrameBytes: number;
  maxInFlight: number;
  /** Frames a connection may send before one of them is admitted (each costs a signature check). */
  maxFramesBeforeAdmission: number;
  /** From TCP accept to the first admitted request. */
  authTimeoutMs: number;
  idleTimeoutMs: number;
  maxBufferedBytes: number;
}

export const DEFAULT_AXON_LIMITS: AxonLimits = {
  maxFrameBytes: FRAME_BYTES,
  maxConnections: 256,
  maxConnectionsPerAddress: 8,
  maxUnauthenticated: 32,
  maxUnauthenticatedPerAddress: 4,
  strikeMs: 60_000,
  maxInFlight: 8,
  maxFramesBeforeAdmission: 4,
  authTimeoutMs: 1_000,
  idleTimeoutMs: 300_000,
  maxBufferedBytes: 256 * 1024 * 1024,
};

/** Close codes the axon uses (RFC 6455 1008 policy violation, 1001 going away; ws itself sends 1009 for oversize). */
export const CLOSE = { policy: 1008, goingAway: 1001, tooBig: 1009 } as const;

export interface FrameResult {
  bytes: Uint8Array;
}

export interface AxonOptions {
  host: string;
  port: number;
  limits: AxonLimits;
  log: Logger;
  /** Answers one frame; tells `gate` when the sender is admitted and asks it for a slot to run. */
  onFrame(bytes: Uint8Array, signal: AbortSignal, gate: Gate): Promise<FrameResult>;
  /** Answer for a frame refused before onFrame runs. */
  refuse(bytes: Uint8Array, error: ProtocolError): Uint8Array;
}

interface Peer {
  address: string;
  /** Admitted requests running (the maxInFlight slots). */
  inFlight: number;
  /** Frames handed to onFrame whose answer is not out yet, refusals included. */
  answering: number;
  admitted: boolean;
  frames: number;
  /** No new frames, close once the answers in flight are out (over the frame budget, or no room). */
  draining: boolean;
  idle?: NodeJS.Timeout;
}

const refusal = (code: string, message: string): string =>
  `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nX-Flopnet-Error: ${code}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`;

export class Axon {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<Duplex>();
  private readonly refused = new WeakSet<Duplex>();
  private readonly deadlines = new WeakMap<Duplex, NodeJS.Timeout>();
  private readonly connections = new WeakMap<Duplex, WebSocket>();
  private readonly budget: ConnectionBudget<Duplex>;
  private readonly shutdown = new AbortController();

  constructor(private readonly o: AxonOptions) {
    this.budget = new ConnectionBudget(o.limits);
    this.server = createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain' }).end('flopnet axon: connect with a WebSocket\n');
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: o.limits.maxFrameBytes, maxFragments: 64, perMessageDeflate: false, clientTracking: true });
    this.server.on('connection', (socket) => this.onSocket(socket));
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  /** Starts listening; resolves to the bound port (use port 0 for any free port). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new FlopnetError(`the axon cannot listen on ${this.o.host}:${this.o.port}: ${error.code ?? error.message}`, {
            code: 'E_AXON_LISTEN',
            hint: error.code === 'EADDRINUSE' ? 'another process uses this port: pick another --axon.port' : 'check --axon.port and the interface',
            cause: error,
          }),
        ),
      );
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.removeAllListeners('error');
        this.server.on('error', (error) => this.o.log.error('axon server error', { error }));
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : this.o.port);
      });
    });
  }

  /** Open WebSocket connections, validators' and strangers' alike. */
  get connectionCount(): number {
    return this.wss.clients.size;
  }

  private onSocket(socket: Duplex & { remoteAddress?: string }): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.budget.leave(socket);
      clearTimeout(this.deadlines.get(socket));
    });
    const key = addressKey(socket.remoteAddress);
    const arrival = this.budget.arrive(socket, key);
    if (!arrival.ok) {
      this.refused.add(socket);
      socket.end(refusal('E_TOO_MANY_CONNECTIONS', `connection limit reached (${arrival.reason})`));
      // A peer that never closes its side would keep the socket.
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    if (arrival.evict) {
      this.o.log.debug('unauthenticated connection evicted for a newer one', { address: key });
      arrival.evict.destroy();
    }
    const deadline = setTimeout(() => {
      this.budget.expire(socket);
      const ws = this.connections.get(socket);
      if (ws) this.closeConnection(ws, key, CLOSE.policy, `E_UNAUTHENTICATED: no admitted request within ${this.o.limits.authTimeoutMs} ms`);
      else socket.destroy();
    }, this.o.limits.authTimeoutMs);
    deadline.unref();
    this.deadlines.set(socket, deadline);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.refused.has(socket) || socket.destroyed) {
      socket.destroy();
      return;
    }
    if (this.shutdown.signal.aborted) {
      socket.end(refusal('E_SHUTTING_DOWN', 'the miner is shutting down'));
      return;
    }
    try {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.connections.set(socket, ws);
        this.onConnection(ws, socket, addressKey(req.socket.remoteAddress));
      });
    } catch {
      socket.destroy();
    }
  }

  private closeConnection(ws: WebSocket, address: string, code: number, reason: string): void {
    this.o.log.debug('closing connection', { address, code, reason });
    ws.close(code, reason);
    // A peer that ignores the close handshake is cut off.
    setTimeout(() => ws.terminate(), 1_000).unref();
  }

  private onConnection(ws: WebSocket, socket: Duplex, address: string): void {
    const peer: Peer = { address, inFlight: 0, answering: 0, admitted: false, frames: 0, draining: false };
    const limits = this.o.limits;
    const touch = (): void => {
      clearTimeout(peer.idle);
      peer.idle = setTimeout(() => this.closeConnection(ws, address, CLOSE.policy, 'idle'), limits.idleTimeoutMs);
      peer.idle.unref();
    };
    touch();

    ws.on('error', (error) => this.o.log.debug('peer error', { address, error }));
    ws.on('close', () => clearTimeout(peer.idle));
    const send = (out: Uint8Array): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > limits.maxBufferedBytes) {
        this.o.log.warn('peer does not read its answers: terminating', { address });
        ws.terminate();
        return;
      }
      ws.send(out, { binary: true });
    };
    const drained = (): void => {
      if (peer.draining && peer.answering === 0) this.closeConnection(ws, address, CLOSE.policy, peer.admitted ? 'E_TOO_MANY_CONNECTIONS' : `E_UNAUTHENTICATED: ${limits.maxFramesBeforeAdmission} frames without an admitted request`);
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      touch();
      const bytes = toBytes(data);
      if (peer.draining) return;
      if (!peer.admitted && ++peer.frames > limits.maxFramesBeforeAdmission) {
        // The refusals already under way are still delivered; then the connection closes.
        peer.draining = true;
        drained();
        return;
      }
      if (!isBinary) {
        send(this.o.refuse(bytes, new ProtocolError('E_MALFORMED', 'frames are binary msgpack, not text')));
        return;
      }
      let running = false;
      const gate: Gate = {
        authenticated: () => {
          if (peer.admitted) return undefined;
          const room = this.budget.authenticate(socket);
          if (!room.ok) {
            peer.draining = true;
            return new ProtocolError('E_TOO_MANY_CONNECTIONS', `no room for another validator connection (${room.reason})`, { retryAfterMs: 1_000 });
          }
          peer.admitted = true;
          clearTimeout(this.deadlines.get(socket));
          return undefined;
        },
        start: () => {
          if (peer.inFlight >= limits.maxInFlight) {
            return new ProtocolError('E_TOO_MANY_IN_FLIGHT', `at most ${limits.maxInFlight} requests in flight per connection`, { retryAfterMs: 100 });
          }
          peer.inFlight++;
          running = true;
          return undefined;
        },
      };
      const done = (): void => {
        if (running) peer.inFlight--;
        peer.answering--;
        drained();
      };
      peer.answering++;
      this.o.onFrame(bytes, this.shutdown.signal, gate).then(
        (result) => {
          send(result.bytes);
          done();
        },
        (error: unknown) => {
          // onFrame never rejects by contract; should it, the connection survives and the peer hears why.
          this.o.log.error('frame handler threw', { error });
          send(this.o.refuse(bytes, new ProtocolError('E_INTERNAL', 'internal error')));
          done();
        },
      );
    });
  }

  /** Stops accepting, aborts handlers, closes every connection (1001). */
  async close(): Promise<void> {
    this.shutdown.abort(new ProtocolError('E_SHUTTING_DOWN', 'the miner is shutting down'));
    for (const ws of this.wss.clients) ws.close(CLOSE.goingAway, 'shutting down');
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const grace = setTimeout(() => {
      for (const ws of this.wss.clients) ws.terminate();
      for (const socket of this.sockets) socket.destroy();
    }, 1_000);
    this.server.closeIdleConnections?.();
    await closed;
    clearTimeout(grace);
    this.wss.close();
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
