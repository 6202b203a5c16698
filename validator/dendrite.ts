/**
 * The validator's client to miners' axons: a pool of WebSocket connections, signed requests,
 * per-request deadlines, concurrent fan-out, and round trips timed on the validator's own monotonic
 * clock. Every outcome is a typed CallResult; nothing here throws at the caller for a miner's sake (a
 * miner that refuses, stalls, lies or sends garbage is a result, not an exception).
 *
 * Connections (docs/protocol.md §16.7): one per axon endpoint, shared by every hotkey that publishes it,
 * so hotkeys squatting on another miner's ip:port cost it nothing but refusals on one connection. A
 * fresh connection left unused for HELLO_AFTER_MS introduces itself with a signed ping: the axon admits
 * it within its authentication deadline however long the fan-out waits for other miners. A request
 * that could not be sent (connection refused, or closed first) is sent once more on a fresh connection.
 *
 * A miner's bytes cost the validator no more than the request they answer allows (§16.6):
 *   - on a connection with no request pending, frames are dropped unread;
 *   - ws's maxPayload follows the largest answer the pending requests allow, so a bigger frame is
 *     refused from its header, before it is received, and the connection is cut;
 *   - the envelope is read in O(fields); the answer's signature is checked before its body is decoded,
 *     and the body within its operation's budget of values.
 *
 * Timing: `sentAt` is taken right before the frame is handed to the socket, `receivedAt` first thing
 * when ws delivers the answer, before any decoding or signature check (those are deferred), both
 * `performance.now()` ms. ws delivers one message per connection per turn of the event loop
 * (allowSynchronousEvents off), so a miner flooding frames cannot hold the loop while another miner's
 * root waits to be stamped, and every decode between two stamps is bounded as above. A fan-out signs
 * every request before sending any, so one miner's clock never starts while the validator is still
 * busy signing for others.
 */
import { LRUCache } from 'lru-cache';
import { WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Neuron } from '../shared/chain/types.js';
import { silentLogger, type Logger } from '../shared/log.js';
import { ProtocolError, decodeErrorBody, decodeFrame, decodeResponseBody, encode, peekRequestId } from '../shared/protocol/codec.js';
import { FRAME_BYTES, answerLimit, type FrameLimit, type OpenedChallenge } from '../shared/protocol/limits.js';
import { REASON_CODES, type Op, type ReasonCode, type RequestBody, type ResponseBody, type ResponseFrame } from '../shared/protocol/messages.js';
import { cryptoReady, requestDigest, signRequest, verifyResponse, type Signer } from '../shared/protocol/signing.js';
import { printable } from '../shared/protocol/text.js';

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
  /** Largest answer accepted, whatever was asked (default 64 MiB); each answer is held to its request's limit below that. */
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
  /** The largest answer this request allows. */
  limit: FrameLimit;
  settle(frame: ResponseFrame | ProtocolError, receivedAt: number): void;
}

/**
 * A connection with nothing sent this long after it opened sends a signed ping, so the axon admits it
 * (docs/protocol.md §16.8: within a second of accept) while a fan-out still waits for other miners.
 */
const HELLO_AFTER_MS = 100;

/** Retried once on a fresh connection when a request failed before it was sent. */
const UNSENT_RETRY = new Set<ReasonCode>(['E_CONNECT', 'E_CLOSED', 'E_TOO_MANY_CONNECTIONS', 'E_UNAUTHENTICATED']);

/**
 * ws reads maxPayload once, into the receiver it builds on connect; this moves it on a live connection
 * (ws is pinned in package.json; test/validator/dendrite.test.ts checks that a frame over the limit is
 * refused from its header).
 */
function setMaxPayload(ws: WebSocket, bytes: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: unknown } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}

/** Why an axon closed: the reason code its close reason starts with (E_UNAUTHENTICATED...), else E_CLOSED. */
function closeError(code: number, reason: Buffer): ProtocolError {
  const text = printable(reason.toString('utf8'), 100);
  const named = REASON_CODES.find((c) => text === c || text.startsWith(`${c}:`));
  return new ProtocolError(named ?? 'E_CLOSED', `axon closed the connection (${code}${text ? ` ${text}` : ''})`);
}

interface ConnectionOptions {
  maxFrameBytes: number;
  connectTimeoutMs: number;
  onClose: () => void;
  log: Logger;
}

/** One WebSocket to one axon endpoint, with the requests waiting on it. */
class Connection {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  closed = false;
  /** A request has been sent on it. */
  used = false;
  /** Set when the validator cut the connection, for the requests still waiting. */
  private failure: ProtocolError | undefined;

  constructor(
    readonly url: string,
    private readonly o: ConnectionOptions,
  ) {
    this.ws = new WebSocket(url, {
      maxPayload: o.maxFrameBytes,
      maxFragments: 64,
      allowSynchronousEvents: false,
      perMessageDeflate: false,
      handshakeTimeout: o.connectTimeoutMs,
    });
    this.opened = new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => {
        this.fit();
        resolve();
      });
      this.ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        const header = String(res.headers['x-flopnet-error'] ?? '');
        const code = (REASON_CODES as readonly string[]).includes(header) ? (header as ReasonCode) : 'E_CONNECT';
        reject(new ProtocolError(code, `axon refused the connection: HTTP ${res.statusCode}${code !== 'E_CONNECT' ? ` ${code}` : ''}`));
        res.resume();
        this.ws.terminate();
      });
      this.ws.once('error', (error) => reject(new ProtocolError('E_CONNECT', `cannot connect to ${url}: ${error.message}`, { cause: error })));
      this.ws.once('close', (code, reason) => reject(closeError(code, reason)));
    });
    // A connection that never opened is not reused: the next call dials again.
    this.opened.catch(() => (this.closed = true));
    this.ws.on('error', (error: Error & { code?: string }) => {
      o.log.debug('axon connection error', { url, error });
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.failure = new ProtocolError('E_FRAME_TOO_LARGE', `the axon sent a frame larger than any pending request allows (${error.message})`);
        // ws would read (and drop) the rest of the frame until the close handshake; nothing of it is wanted.
        this.ws.terminate();
      }
    });
    this.ws.on('message', (data, isBinary) => {
      const receivedAt = performance.now();
      // Nothing asked, nothing read: not even the envelope of an unsolicited frame.
      if (this.pending.size === 0) return;
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
      // Stamp first, decode later: other sockets' messages in this turn get their timestamps first.
      setImmediate(() => this.onMessage(bytes, isBinary, receivedAt));
    });
    this.ws.on('close', (code, reason) => {
      this.closed = true;
      o.onClose();
      const error = this.failure ?? closeError(code, reason);
      for (const pending of this.pending.values()) pending.settle(error, performance.now());
      this.pending.clear();
    });
  }

  id(): number {
    this.nextId = (this.nextId + 1) % 0x1_0000_0000;
    return this.nextId;
  }

  track(id: number, pending: Pending): void {
    this.used = true;
    this.pending.set(id, pending);
    this.fit();
  }

  untrack(id: number): void {
    if (this.pending.delete(id)) this.fit();
  }

  /** ws's frame limit: the largest answer a pending request allows (a refusal's size when none is pending). */
  private fit(): void {
    let most = FRAME_BYTES;
    for (const p of this.pending.values()) most = Math.max(most, p.limit.maxBytes);
    setMaxPayload(this.ws, Math.min(most, this.o.maxFrameBytes));
  }

  private onMessage(bytes: Uint8Array, isBinary: boolean, receivedAt: number): void {
    // A frame for no pending request is dropped from its id, before any schema check.
    const id = isBinary ? peekRequestId(bytes) : null;
    if (id === null || !this.pending.has(id)) return;
    let frame: ResponseFrame;
    try {
      const decoded = decodeFrame(bytes, this.o.maxFrameBytes);
      if (decoded.type !== 'response') throw new ProtocolError('E_SCHEMA', 'a miner sent a request frame', { requestId: decoded.id });
      frame = decoded;
    } catch (error) {
      this.o.log.debug('bad frame from axon', { url: this.url, error });
      const pending = this.pending.get(id)!;
      this.untrack(id);
      pending.settle(new ProtocolError('E_BAD_RESPONSE', `undecodable answer: ${(error as Error).message}`), receivedAt);
      return;
    }
    const pending = this.pending.get(id)!;
    this.untrack(id);
    // A refusal is small whatever was asked.
    const most = frame.status === 'error' ? Math.min(FRAME_BYTES, pending.limit.maxBytes) : pending.limit.maxBytes;
    if (bytes.length > most) {
      pending.settle(new ProtocolError('E_FRAME_TOO_LARGE', `${frame.status === 'error' ? 'refusal' : `${pending.op} answer`} of ${bytes.length} bytes (at most ${most})`), receivedAt);
      return;
    }
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
  limit: FrameLimit;
  deadline: number;
  signal: AbortSignal | undefined;
}

export class Dendrite {
  /** Connections by endpoint URL: every hotkey published at one ip:port shares one. */
  private readonly pool = new Map<string, Connection>();
  /** The challenges sent, by id: an openings answer is bounded by its challenge's n, class and m. */
  private readonly challenges = new LRUCache<string, OpenedChallenge>({ max: 4096 });
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
    const deadline = performance.now() + this.deadlineMs(op, body, options);
    return this.complete(await this.prepare(target, op, body, deadline, options.signal), body, deadline, options.signal);
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
    const started = performance.now();
    const requests = targets.map((target) => {
      const b = typeof body === 'function' ? (body as (t: AxonTarget) => RequestBody<O>)(target) : body;
      return { target, body: b, deadline: started + this.deadlineMs(op, b, options) };
    });
    const prepared = await Promise.all(requests.map((r) => this.prepare(r.target, op, r.body, r.deadline, options.signal)));
    return Promise.all(prepared.map((p, i) => this.complete(p, requests[i]!.body, requests[i]!.deadline, options.signal)));
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

  /** The pooled connection to the target's endpoint, dialled when there is none. */
  private async connection(target: AxonTarget, deadline: number): Promise<Connection> {
    const url = this.url(target);
    let connection = this.pool.get(url);
    if (!connection || connection.closed) {
      const created: Connection = new Connection(url, {
        maxFrameBytes: this.maxFrameBytes,
        connectTimeoutMs: Math.max(1, Math.min(this.connectTimeoutMs, deadline - performance.now())),
        onClose: () => {
          if (this.pool.get(url) === created) this.pool.delete(url);
        },
        log: this.log,
      });
      connection = created;
      this.pool.set(url, connection);
      created.opened.then(
        () => setTimeout(() => created.used || created.closed || this.hello(created, target), HELLO_AFTER_MS).unref(),
        () => undefined,
      );
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

  /**
   * A signed ping on a connection that opened and has not been used: the axon counts a connection as a
   * stranger's until one of its requests is admitted, and closes it unless that happens within a second.
   */
  private hello(connection: Connection, target: AxonTarget): void {
    const request = this.sign(connection, target, 'ping', {}, performance.now() + this.timeoutMs, undefined);
    void this.dispatch(request).then((result) => {
      if (!result.ok) this.log.debug('axon did not admit the connection', { url: connection.url, code: result.code, message: result.message });
    });
  }

  private async prepare<O extends Op>(target: AxonTarget, op: O, body: RequestBody<O>, deadline: number, signal: AbortSignal | undefined): Promise<Prepared<O> | CallFailure<O>> {
    try {
      await cryptoReady();
      if (signal?.aborted) throw new ProtocolError('E_ABORTED', 'aborted before sending');
      return this.sign(await this.connection(target, deadline), target, op, body, deadline, signal);
    } catch (error) {
      return this.failure(op, target, error);
    }
  }

  private sign<O extends Op>(connection: Connection, target: AxonTarget, op: O, body: RequestBody<O>, deadline: number, signal: AbortSignal | undefined): Prepared<O> {
    const id = connection.id();
    const frame = signRequest(this.options.signer, { op, id, receiver: target.hotkey, body: encode(body) });
    if (op === 'challenge') {
      const { id: challengeId, precision, m, n } = body as RequestBody<'challenge'>;
      this.challenges.set(challengeId, { precision, m, n });
    }
    const opened = op === 'open' ? this.challenges.get((body as RequestBody<'open'>).id) : undefined;
    const limit = answerLimit(op, body, opened, this.maxFrameBytes);
    return { op, target, connection, id, bytes: encode(frame), digest: requestDigest(frame), body, limit, deadline, signal };
  }

  /** Sends a prepared request; one that never left is prepared once more, on a fresh connection, and sent. */
  private async complete<O extends Op>(
    p: Prepared<O> | CallFailure<O>,
    body: RequestBody<O>,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<CallResult<O>> {
    const first = 'ok' in p ? p : await this.dispatch(p);
    if (first.ok || first.sentAt !== undefined || !UNSENT_RETRY.has(first.code) || performance.now() >= deadline) return first;
    this.log.debug('request not sent: dialling again', { url: this.url(first.target), code: first.code });
    const again = await this.prepare(first.target, first.op, body, deadline, signal);
    return 'ok' in again ? again : this.dispatch(again);
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
        p.connection.untrack(p.id);
        resolve(result);
      };
      const fail = (code: ReasonCode, message: string): void =>
        finish({ ok: false, op: p.op, target: p.target, code, message, signed: false, ...(sentAt !== undefined ? { sentAt } : {}) });
      const onAbort = (): void => fail('E_ABORTED', 'aborted by the caller');
      const timer = setTimeout(() => fail('E_TIMEOUT', `no answer within the deadline`), Math.max(0, p.deadline - performance.now()));
      p.signal?.addEventListener('abort', onAbort, { once: true });
      if (p.connection.closed) return fail('E_CLOSED', 'connection closed before sending');
      p.connection.track(p.id, {
        op: p.op,
        digest: p.digest,
        limit: p.limit,
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
      value = decodeResponseBody(p.op, frame.body, p.limit);
    } catch (error) {
      return { ok: false, ...base, code: 'E_BAD_RESPONSE', message: (error as Error).message, signed };
    }
    if ((p.op === 'challenge' || p.op === 'open') && (value as { id: string }).id !== (p.body as { id: string }).id) {
      const id = printable((value as { id: string }).id, 64);
      return { ok: false, ...base, code: 'E_BAD_RESPONSE', message: `answer is for challenge ${id}, not ${(p.body as { id: string }).id}`, signed };
    }
    return { ok: true, ...base, value };
  }

  private failure<O extends Op>(op: O, target: AxonTarget, error: unknown): CallFailure<O> {
    if (error instanceof ProtocolError) return { ok: false, op, target, code: error.code, message: error.message, signed: false };
    return { ok: false, op, target, code: 'E_CONNECT', message: error instanceof Error ? error.message : String(error), signed: false };
  }
}
