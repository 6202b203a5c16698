/**
 * The validator's client to miners' axons: a pool of WebSocket connections (one per axon), signed
 * requests, per-request deadlines, concurrent fan-out, and round trips timed on the validator's own
 * monotonic clock. Every outcome is a typed CallResult; nothing here throws at the caller for a miner's
 * sake (a miner that refuses, stalls, lies or sends garbage is a result, not an exception).
 *
 * Timing: `sentAt` is taken right before the frame is handed to the socket, `receivedAt` first thing
 * when the answer's bytes arrive, before any decoding or signature check (those run after every
 * readable socket has been stamped), both `performance.now()` ms. A fan-out signs every request before
 * sending any, so one miner's clock never starts while the validator is still busy signing for others.
 */
import { WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Neuron } from '../shared/chain/types.js';
import { silentLogger, type Logger } from '../shared/log.js';
import { ProtocolError, decodeErrorBody, decodeFrame, decodeResponseBody, encode, peekRequestId } from '../shared/protocol/codec.js';
import { REASON_CODES, type Op, type ReasonCode, type RequestBody, type ResponseBody, type ResponseFrame } from '../shared/protocol/messages.js';
import { cryptoReady, requestDigest, signRequest, verifyResponse, type Signer } from '../shared/protocol/signing.js';

/** Where a miner's axon listens, as the metagraph publishes it. */
export interface AxonTarget {
  hotkey: string;
  ip: string;
  port: number;
  uid?: number;
}

/** The neuron's served axon, or undefined when it has none (never served, ip 0, port 0). */
export function axonTarget(neuron: Neuron): AxonTarget | undefined {
  const { ip, port } = neuron.axon;
  if (!port || ip === '0.0.0.0' || ip === '::' || ip === '') return undefined;
  return { hotkey: neuron.hotkey, ip, port, uid: neuron.uid };
}

export interface DendriteOptions {
  /** The validator's hotkey. */
  signer: Signer;
  /** Default deadline of a request, from the call to its answer (default 12 s). */
  timeoutMs?: number;
  /** Bound on opening a connection (default 5 s), within the request's deadline. */
  connectTimeoutMs?: number;
  /** Largest answer accepted (default 64 MiB: openings carry rows of up to n·8 bytes). */
  maxFrameBytes?: number;
  log?: Logger;
  /** The URL to dial for an axon (default ws://ip:port); devnets that publish a stand-in IP rewrite it here. */
  url?: (target: AxonTarget) => string;
}

export interface CallOptions {
  /** ms from the call to the answer; defaults to the dendrite's timeoutMs (for a challenge, to its deadlineMs). */
  deadlineMs?: number;
  signal?: AbortSignal;
}

export interface CallSuccess<O extends Op> {
  ok: true;
  op: O;
  target: AxonTarget;
  value: ResponseBody<O>;
  /** performance.now() ms right before the request went to the socket. */
  sentAt: number;
  /** performance.now() ms when the answer's bytes arrived. */
  receivedAt: number;
  /** receivedAt − sentAt: the round trip (for a challenge, send → root). */
  elapsedMs: number;
}

export interface CallFailure<O extends Op> {
  ok: false;
  op: O;
  target: AxonTarget;
  code: ReasonCode;
  message: string;
  /** The miner asked to be retried after this long (rate limit, busy). */
  retryAfterMs?: number;
  /** The refusal came signed by the miner, bound to this request (proof the miner itself declined). */
  signed: boolean;
  /** Set when the request was sent. */
  sentAt?: number;
  /** Set when an answer arrived. */
  receivedAt?: number;
  elapsedMs?: number;
}

export type CallResult<O extends Op> = CallSuccess<O> | CallFailure<O>;

interface Pending {
  op: Op;
  digest: Uint8Array;
  settle(frame: ResponseFrame | ProtocolError, receivedAt: number): void;
}

/** One WebSocket to one axon, with the requests waiting on it. */
class Connection {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly pending = new Map<number, Pending>();
  private nextId = 0;
  closed = false;

  constructor(url: string, maxFrameBytes: number, connectTimeoutMs: number, onClose: () => void, log: Logger) {
    this.ws = new WebSocket(url, { maxPayload: maxFrameBytes, perMessageDeflate: false, handshakeTimeout: connectTimeoutMs });
    this.opened = new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        const header = String(res.headers['x-flopnet-error'] ?? '');
        const code = (REASON_CODES as readonly string[]).includes(header) ? (header as ReasonCode) : 'E_CONNECT';
        reject(new ProtocolError(code, `axon refused the connection: HTTP ${res.statusCode}${header ? ` ${header}` : ''}`));
        res.resume();
        this.ws.terminate();
      });
      this.ws.once('error', (error) => reject(new ProtocolError('E_CONNECT', `cannot connect to ${url}: ${error.message}`, { cause: error })));
      this.ws.once('close', () => reject(new ProtocolError('E_CONNECT', `connection to ${url} closed during the handshake`)));
    });
    // A connection that never opened is not reused: the next call dials again.
    this.opened.catch(() => (this.closed = true));
    this.ws.on('error', (error) => log.debug('axon connection error', { url, error }));
    this.ws.on('message', (data, isBinary) => {
      const receivedAt = performance.now();
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
      // Stamp first, decode later: other sockets readable in this same turn get their timestamps first.
      setImmediate(() => this.onMessage(bytes, isBinary, receivedAt, maxFrameBytes, log));
    });
    this.ws.on('close', (code, reason) => {
      this.closed = true;
      onClose();
      const error = new ProtocolError('E_CLOSED', `axon closed the connection (${code}${reason.length ? ` ${reason.toString().slice(0, 100)}` : ''})`);
      for (const pending of this.pending.values()) pending.settle(error, performance.now());
      this.pending.clear();
    });
  }

  id(): number {
    this.nextId = (this.nextId + 1) % 0x1_0000_0000;
    return this.nextId;
  }

  private onMessage(bytes: Uint8Array, isBinary: boolean, receivedAt: number, maxFrameBytes: number, log: Logger): void {
    let frame: ResponseFrame;
    try {
      if (!isBinary) throw new ProtocolError('E_MALFORMED', 'text frame');
      const decoded = decodeFrame(bytes, maxFrameBytes);
      if (decoded.type !== 'response') throw new ProtocolError('E_SCHEMA', 'a miner sent a request frame');
      frame = decoded;
    } catch (error) {
      const id = peekRequestId(bytes, maxFrameBytes);
      const pending = id === null ? undefined : this.pending.get(id);
      log.debug('bad frame from axon', { error });
      if (pending && id !== null) {
        this.pending.delete(id);
        pending.settle(new ProtocolError('E_BAD_RESPONSE', `undecodable answer: ${(error as Error).message}`), receivedAt);
      }
      return;
    }
    if (frame.id === null) {
      log.debug('axon refused a frame it could not read', { body: frame.body.length });
      return;
    }
    const pending = this.pending.get(frame.id);
    if (!pending) return;
    this.pending.delete(frame.id);
    pending.settle(frame, receivedAt);
  }

  close(): void {
    if (!this.closed) this.ws.close(1000, 'validator done');
    setTimeout(() => this.ws.terminate(), 1_000).unref();
  }
}

interface Prepared<O extends Op> {
  op: O;
  target: AxonTarget;
  connection: Connection;
  id: number;
  bytes: Uint8Array;
  digest: Uint8Array;
  body: RequestBody<O>;
  deadline: number;
  signal: AbortSignal | undefined;
}

export class Dendrite {
  private readonly pool = new Map<string, Connection>();
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxFrameBytes: number;
  private readonly url: (target: AxonTarget) => string;

  constructor(private readonly options: DendriteOptions) {
    this.log = options.log ?? silentLogger;
    this.timeoutMs = options.timeoutMs ?? 12_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.maxFrameBytes = options.maxFrameBytes ?? 64 * 1024 * 1024;
    this.url = options.url ?? ((t) => `ws://${t.ip.includes(':') ? `[${t.ip}]` : t.ip}:${t.port}`);
  }

  get hotkey(): string {
    return this.options.signer.address;
  }

  /** Opens (or reuses) connections to every target; failures are results, as for calls. */
  async connect(targets: readonly AxonTarget[]): Promise<Array<{ target: AxonTarget; ok: boolean; code?: ReasonCode }>> {
    await cryptoReady();
    return Promise.all(
      targets.map(async (target) => {
        try {
          await this.connection(target, performance.now() + this.connectTimeoutMs);
          return { target, ok: true };
        } catch (error) {
          return { target, ok: false, code: error instanceof ProtocolError ? error.code : 'E_CONNECT' };
        }
      }),
    );
  }

  /** Sends one request and waits for its answer. */
  async call<O extends Op>(target: AxonTarget, op: O, body: RequestBody<O>, options: CallOptions = {}): Promise<CallResult<O>> {
    const prepared = await this.prepare(target, op, body, options);
    return 'ok' in prepared ? prepared : this.dispatch(prepared);
  }

  /**
   * Sends one request to each target concurrently: connects and signs all first, then sends all in one
   * turn of the event loop, then collects. Results are in the order of `targets`.
   */
  async forward<O extends Op>(
    targets: readonly AxonTarget[],
    op: O,
    body: RequestBody<O> | ((target: AxonTarget) => RequestBody<O>),
    options: CallOptions = {},
  ): Promise<Array<CallResult<O>>> {
    const prepared = await Promise.all(
      targets.map((t) => this.prepare(t, op, typeof body === 'function' ? (body as (t: AxonTarget) => RequestBody<O>)(t) : body, options)),
    );
    return Promise.all(prepared.map((p) => ('ok' in p ? p : this.dispatch(p))));
  }

  /** Round trip to a miner; `elapsedMs` of the result is the RTT. */
  ping(target: AxonTarget, options?: CallOptions): Promise<CallResult<'ping'>> {
    return this.call(target, 'ping', {}, options);
  }

  device(target: AxonTarget, options?: CallOptions): Promise<CallResult<'device'>> {
    return this.call(target, 'device', {}, options);
  }

  /** Sends a challenge; `elapsedMs` of the result is send → root. The deadline defaults to challenge.deadlineMs. */
  challenge(target: AxonTarget, challenge: RequestBody<'challenge'>, options?: CallOptions): Promise<CallResult<'challenge'>> {
    return this.call(target, 'challenge', challenge, { deadlineMs: challenge.deadlineMs, ...options });
  }

  open(target: AxonTarget, request: RequestBody<'open'>, options?: CallOptions): Promise<CallResult<'open'>> {
    return this.call(target, 'open', request, options);
  }

  /** Closes every connection; calls in flight end with E_CLOSED. */
  close(): void {
    for (const connection of this.pool.values()) connection.close();
    this.pool.clear();
  }

  private deadlineMs(op: Op, body: unknown, options: CallOptions): number {
    if (options.deadlineMs !== undefined) return options.deadlineMs;
    if (op === 'challenge') return (body as RequestBody<'challenge'>).deadlineMs;
    return this.timeoutMs;
  }

  private async connection(target: AxonTarget, deadline: number): Promise<Connection> {
    const url = this.url(target);
    const key = `${target.hotkey}@${url}`;
    let connection = this.pool.get(key);
    if (!connection || connection.closed) {
      const created: Connection = new Connection(
        url,
        this.maxFrameBytes,
        Math.max(1, Math.min(this.connectTimeoutMs, deadline - performance.now())),
        () => {
          if (this.pool.get(key) === created) this.pool.delete(key);
        },
        this.log,
      );
      connection = created;
      this.pool.set(key, connection);
    }
    const wait = Math.max(0, deadline - performance.now());
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        connection.opened,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ProtocolError('E_TIMEOUT', `no connection to ${url} within ${Math.round(wait)} ms`)), wait);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return connection;
  }

  private async prepare<O extends Op>(target: AxonTarget, op: O, body: RequestBody<O>, options: CallOptions): Promise<Prepared<O> | CallFailure<O>> {
    const deadline = performance.now() + this.deadlineMs(op, body, options);
    try {
      await cryptoReady();
      if (options.signal?.aborted) throw new ProtocolError('E_ABORTED', 'aborted before sending');
      const connection = await this.connection(target, deadline);
      const id = connection.id();
      const frame = signRequest(this.options.signer, { op, id, receiver: target.hotkey, body: encode(body) });
      return { op, target, connection, id, bytes: encode(frame), digest: requestDigest(frame), body, deadline, signal: options.signal };
    } catch (error) {
      return this.failure(op, target, error);
    }
  }

  private dispatch<O extends Op>(p: Prepared<O>): Promise<CallResult<O>> {
    return new Promise<CallResult<O>>((resolve) => {
      let sentAt: number | undefined;
      let done = false;
      const finish = (result: CallResult<O>): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        p.signal?.removeEventListener('abort', onAbort);
        p.connection.pending.delete(p.id);
        resolve(result);
      };
      const fail = (code: ReasonCode, message: string): void =>
        finish({ ok: false, op: p.op, target: p.target, code, message, signed: false, ...(sentAt !== undefined ? { sentAt } : {}) });
      const onAbort = (): void => fail('E_ABORTED', 'aborted by the caller');
      const timer = setTimeout(() => fail('E_TIMEOUT', `no answer within the deadline`), Math.max(0, p.deadline - performance.now()));
      p.signal?.addEventListener('abort', onAbort, { once: true });
      if (p.connection.closed) return fail('E_CLOSED', 'connection closed before sending');
      p.connection.pending.set(p.id, {
        op: p.op,
        digest: p.digest,
        settle: (answer, receivedAt) => {
          if (answer instanceof ProtocolError) {
            finish({ ok: false, op: p.op, target: p.target, code: answer.code, message: answer.message, signed: false, ...(sentAt !== undefined ? { sentAt, receivedAt, elapsedMs: receivedAt - sentAt } : {}) });
          } else {
            finish(this.interpret(p, answer, sentAt ?? receivedAt, receivedAt));
          }
        },
      });
      sentAt = performance.now();
      p.connection.ws.send(p.bytes, { binary: true }, (error) => {
        if (error) fail('E_CLOSED', `send failed: ${error.message}`);
      });
    });
  }

  /** Checks an answer: signature bound to our request, body schema, and that it answers what was asked. */
  private interpret<O extends Op>(p: Prepared<O>, frame: ResponseFrame, sentAt: number, receivedAt: number): CallResult<O> {
    const timing = { sentAt, receivedAt, elapsedMs: receivedAt - sentAt };
    const base = { op: p.op, target: p.target, ...timing };
    const signed = verifyResponse(frame, p.target.hotkey, p.digest);
    if (frame.status === 'error') {
      try {
        const body = decodeErrorBody(frame.body);
        return { ok: false, ...base, code: body.code, message: body.message, signed, ...(body.retryAfterMs !== undefined ? { retryAfterMs: body.retryAfterMs } : {}) };
      } catch (error) {
        return { ok: false, ...base, code: 'E_BAD_RESPONSE', message: `unreadable refusal: ${(error as Error).message}`, signed };
      }
    }
    if (!signed) {
      return { ok: false, ...base, code: 'E_BAD_RESPONSE_SIGNATURE', message: `answer is not signed by ${p.target.hotkey} for this request`, signed: false };
    }
    if (frame.op !== p.op) return { ok: false, ...base, code: 'E_BAD_RESPONSE', message: `asked ${p.op}, answered ${frame.op}`, signed };
    let value: ResponseBody<O>;
    try {
      value = decodeResponseBody(p.op, frame.body);
    } catch (error) {
      return { ok: false, ...base, code: 'E_BAD_RESPONSE', message: (error as Error).message, signed };
    }
    if ((p.op === 'challenge' || p.op === 'open') && (value as { id: string }).id !== (p.body as { id: string }).id) {
      return { ok: false, ...base, code: 'E_BAD_RESPONSE', message: `answer is for challenge ${(value as { id: string }).id}, not ${(p.body as { id: string }).id}`, signed };
    }
    return { ok: true, ...base, value };
  }

  private failure<O extends Op>(op: O, target: AxonTarget, error: unknown): CallFailure<O> {
    if (error instanceof ProtocolError) return { ok: false, op, target, code: error.code, message: error.message, signed: false };
    return { ok: false, op, target, code: 'E_CONNECT', message: error instanceof Error ? error.message : String(error), signed: false };
  }
}
