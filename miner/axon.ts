/**
 * The miner's WebSocket server: connections, frames and their bounds. It knows no operations: each
 * binary message goes to `onFrame` and its answer goes back on the same connection.
 *
 * Bounds, each refused with a reason:
 *   - connections in total and per remote address: HTTP 503 with `X-Flopnet-Error: E_TOO_MANY_CONNECTIONS`
 *   - a socket that has not completed its WebSocket handshake within handshakeTimeoutMs: destroyed
 *   - a connection whose sender has not been admitted within authTimeoutMs or maxFramesBeforeAdmission
 *     frames, or idle for idleTimeoutMs: closed (1008), so strangers cannot keep the CPU busy verifying
 *   - a frame over maxFrameBytes: closed by ws with 1009 before it is buffered
 *   - more than maxInFlight requests on a connection: E_TOO_MANY_IN_FLIGHT
 *   - a peer that does not read its answers (bufferedAmount over maxBufferedBytes): terminated
 * A peer's bytes never throw out of here: every socket and ws error is handled.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { FlopnetError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { ProtocolError } from '../shared/protocol/codec.js';

export interface AxonLimits {
  maxFrameBytes: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  maxInFlight: number;
  /** Frames a connection may send before one of them is admitted (each costs a signature check). */
  maxFramesBeforeAdmission: number;
  handshakeTimeoutMs: number;
  authTimeoutMs: number;
  idleTimeoutMs: number;
  maxBufferedBytes: number;
}

export const DEFAULT_AXON_LIMITS: AxonLimits = {
  maxFrameBytes: 64 * 1024,
  maxConnections: 256,
  maxConnectionsPerAddress: 8,
  maxInFlight: 8,
  maxFramesBeforeAdmission: 4,
  handshakeTimeoutMs: 5_000,
  authTimeoutMs: 10_000,
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
  /** Must call `admitted` as soon as the frame's sender is authenticated and admitted. */
  onFrame(bytes: Uint8Array, signal: AbortSignal, admitted: () => void): Promise<FrameResult>;
  /** Answer for a frame refused before onFrame runs. */
  refuse(bytes: Uint8Array, error: ProtocolError): Uint8Array;
}

interface Peer {
  address: string;
  inFlight: number;
  admitted: boolean;
  frames: number;
  /** Over the frame budget: no new frames, close once the answers in flight are out. */
  draining: boolean;
  idle?: NodeJS.Timeout;
  auth?: NodeJS.Timeout;
}

const refusal = (code: string, message: string): string =>
  `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nX-Flopnet-Error: ${code}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`;

export class Axon {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<Duplex>();
  private readonly refused = new WeakSet<Duplex>();
  private readonly handshakes = new WeakMap<Duplex, NodeJS.Timeout>();
  private readonly perAddress = new Map<string, number>();
  private readonly shutdown = new AbortController();
  private connections = 0;

  constructor(private readonly o: AxonOptions) {
    this.server = createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain' }).end('flopnet axon: connect with a WebSocket\n');
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: o.limits.maxFrameBytes, perMessageDeflate: false, clientTracking: true });
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

  get connectionCount(): number {
    return this.connections;
  }

  private onSocket(socket: Duplex): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.sockets.delete(socket));
    // Sockets that never finish a handshake count here; twice the connection cap before even reading them.
    if (this.sockets.size > 2 * this.o.limits.maxConnections) {
      this.refused.add(socket);
      socket.end(refusal('E_TOO_MANY_CONNECTIONS', 'too many sockets'));
      return;
    }
    const timer = setTimeout(() => socket.destroy(), this.o.limits.handshakeTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    this.handshakes.set(socket, timer);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    clearTimeout(this.handshakes.get(req.socket));
    if (this.refused.has(req.socket)) {
      socket.destroy();
      return;
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (this.shutdown.signal.aborted) {
      socket.end(refusal('E_SHUTTING_DOWN', 'the miner is shutting down'));
      return;
    }
    if (this.connections >= this.o.limits.maxConnections || fromAddress >= this.o.limits.maxConnectionsPerAddress) {
      const which = this.connections >= this.o.limits.maxConnections ? `${this.o.limits.maxConnections} in total` : `${this.o.limits.maxConnectionsPerAddress} from ${address}`;
      socket.end(refusal('E_TOO_MANY_CONNECTIONS', `connection limit reached (${which})`));
      return;
    }
    this.connections++;
    this.perAddress.set(address, fromAddress + 1);
    let counted = true;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      this.connections--;
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    };
    socket.once('close', release);
    try {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, address));
    } catch {
      socket.destroy();
    }
  }

  private onConnection(ws: WebSocket, address: string): void {
    const peer: Peer = { address, inFlight: 0, admitted: false, frames: 0, draining: false };
    const limits = this.o.limits;
    const close = (code: number, reason: string): void => {
      this.o.log.debug('closing connection', { address, code, reason });
      ws.close(code, reason);
      // A peer that ignores the close handshake is cut off.
      setTimeout(() => ws.terminate(), 1_000).unref();
    };
    const touch = (): void => {
      clearTimeout(peer.idle);
      peer.idle = setTimeout(() => close(CLOSE.policy, 'idle'), limits.idleTimeoutMs);
      peer.idle.unref();
    };
    touch();
    peer.auth = setTimeout(() => {
      if (!peer.admitted) close(CLOSE.policy, 'no admitted request');
    }, limits.authTimeoutMs);
    peer.auth.unref();

    ws.on('error', (error) => this.o.log.debug('peer error', { address, error }));
    ws.on('close', () => {
      clearTimeout(peer.idle);
      clearTimeout(peer.auth);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      touch();
      const bytes = toBytes(data);
      const send = (out: Uint8Array): void => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > limits.maxBufferedBytes) {
          this.o.log.warn('peer does not read its answers: terminating', { address });
          ws.terminate();
          return;
        }
        ws.send(out, { binary: true });
      };
      if (peer.draining) return;
      if (!peer.admitted && ++peer.frames > limits.maxFramesBeforeAdmission) {
        // The refusals already under way are still delivered; then the connection closes.
        peer.draining = true;
        if (peer.inFlight === 0) close(CLOSE.policy, 'no admitted request');
        return;
      }
      if (!isBinary) {
        send(this.o.refuse(bytes, new ProtocolError('E_MALFORMED', 'frames are binary msgpack, not text')));
        return;
      }
      if (peer.inFlight >= limits.maxInFlight) {
        send(this.o.refuse(bytes, new ProtocolError('E_TOO_MANY_IN_FLIGHT', `at most ${limits.maxInFlight} requests in flight per connection`, { retryAfterMs: 100 })));
        return;
      }
      peer.inFlight++;
      this.o.onFrame(bytes, this.shutdown.signal, () => (peer.admitted = true)).then(
        (result) => {
          peer.inFlight--;
          send(result.bytes);
          if (peer.draining && peer.inFlight === 0) close(CLOSE.policy, 'no admitted request');
        },
        (error: unknown) => {
          // onFrame never rejects by contract; should it, the connection survives and the peer hears why.
          peer.inFlight--;
          this.o.log.error('frame handler threw', { error });
          send(this.o.refuse(bytes, new ProtocolError('E_INTERNAL', 'internal error')));
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
