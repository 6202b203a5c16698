/**
 * Every request passes the same stages in the same order (fastify-style lifecycle):
 *
 *   decode → verify → policy → priority → handler
 *
 *   decode    size bound, envelope (O(fields)), frame schema  E_FRAME_TOO_LARGE E_MALFORMED E_VERSION E_SCHEMA
 *   verify    signature FIRST, then receiver, window, nonce   E_BAD_SIGNATURE E_WRONG_RECEIVER E_STALE E_REPLAY
 *   policy    registered, permit or stake; nonce recorded;    E_NOT_REGISTERED E_NO_PERMIT E_RATE_LIMITED
 *             per-validator rate limit; room on the           E_TOO_MANY_CONNECTIONS E_TOO_MANY_IN_FLIGHT
 *             connection (the axon's gate)
 *   priority  stake orders contenders for the device,       (used by the queue: E_BUSY)
 *             after the slot owner (miner/slots.ts)
 *   handler   body budget and schema, then the operation      E_FRAME_TOO_LARGE E_SCHEMA E_DEADLINE ...
 *
 * Every refusal is a response frame with status 'error' and a reason code. Responses to admitted
 * senders are signed; refusals before admission are not (signing for strangers would be free work).
 *
 * A request addressed to another hotkey by a sender the policy admits (a validator whose metagraph
 * lists this endpoint under several hotkeys, docs/protocol.md §16.7) is refused E_WRONG_RECEIVER but
 * still authenticates the connection: the validator shares it among those hotkeys, and the refusal
 * must not cost the hotkey that does live here its connection.
 */
import type { Logger } from '../shared/log.js';
import { ProtocolError, decodeFrame, decodeRequestBody, encode, peekRequestId } from '../shared/protocol/codec.js';
import { BODIES, type Op, type ReasonCode, type RequestFrame } from '../shared/protocol/messages.js';
import { signResponse, verifyRequest, type ReplayGuard, type Signer } from '../shared/protocol/signing.js';
import type { Handlers, RequestContext } from './handlers/context.js';
import { admit, priority, type MetagraphSource, type PolicyOptions, type RateLimiter } from './policy.js';

export type Stage = 'decode' | 'verify' | 'policy' | 'priority' | 'handler';

export interface Outcome {
  op: Op | null;
  validator: string | null;
  /** 'ok', or the reason the request was refused. */
  code: 'ok' | ReasonCode;
  stage: Stage;
  /** ms from arrival to response, miner's clock. */
  ms: number;
}

export interface PipelineOptions {
  signer: Signer;
  metagraph: MetagraphSource;
  handlers: Handlers;
  policy: PolicyOptions;
  replay: ReplayGuard;
  rateLimiter: RateLimiter;
  maxFrameBytes: number;
  /** Bound on ping, device and open; a challenge is bounded by its own deadlineMs. */
  requestTimeoutMs: number;
  log: Logger;
  /** Wall clock, ms, for the timestamp window. */
  now?: () => number;
  onOutcome?: (outcome: Outcome) => void;
}

export interface Handled {
  /** The encoded response frame. */
  bytes: Uint8Array;
}

/** The connection's say in admission (the axon keeps its counts). */
export interface Gate {
  /** The sender passed signature and policy: the connection is a validator's. A refusal when it may not stay. */
  authenticated(): ProtocolError | undefined;
  /** Takes a slot to run one request, released when its answer is out; a refusal when there is none. */
  start(): ProtocolError | undefined;
}

/** Whether the policy admits `hotkey`, for a request it will refuse anyway. */
function admits(metagraph: Parameters<typeof admit>[0], hotkey: string, policy: PolicyOptions): boolean {
  try {
    admit(metagraph, hotkey, policy);
    return true;
  } catch {
    return false;
  }
}

export class Pipeline {
  private readonly now: () => number;
  constructor(private readonly o: PipelineOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * Runs one frame through the stages; never throws. `signal` aborts the handler (shutdown); `gate`
   * hears of the sender's admission and grants the request its slot, before the handler runs.
   */
  async handle(bytes: Uint8Array, signal?: AbortSignal, gate?: Gate): Promise<Handled> {
    const receivedAt = performance.now();
    let stage: Stage = 'decode';
    let frame: RequestFrame | undefined;
    let digest: Uint8Array | null = null;
    // The handler's signal: aborted by its own timeout or by shutdown. A plain listener, removed when the
    // request ends, rather than one AbortSignal.any per request on the long-lived shutdown signal.
    const controller = new AbortController();
    const onShutdown = (): void => controller.abort(signal?.reason);
    if (signal?.aborted) onShutdown();
    else signal?.addEventListener('abort', onShutdown, { once: true });
    try {
      const decoded = decodeFrame(bytes, this.o.maxFrameBytes);
      if (decoded.type !== 'request') throw new ProtocolError('E_SCHEMA', 'a miner accepts request frames only');
      frame = decoded;

      stage = 'verify';
      const metagraph = this.o.metagraph.current();
      let requestDigest: Uint8Array;
      try {
        requestDigest = verifyRequest(frame, this.o.signer.address, this.o.replay, this.now());
      } catch (error) {
        // Signature good, receiver another hotkey: a validator sharing this endpoint's connection.
        if (error instanceof ProtocolError && error.code === 'E_WRONG_RECEIVER' && admits(metagraph, frame.sender, this.o.policy)) {
          throw gate?.authenticated() ?? error;
        }
        throw error;
      }

      stage = 'policy';
      const neuron = admit(metagraph, frame.sender, this.o.policy);
      this.o.replay.record(frame.sender, frame.nonce);
      digest = requestDigest;
      const unwelcome = gate?.authenticated() ?? gate?.start();
      if (unwelcome) throw unwelcome;
      this.o.rateLimiter.take(frame.sender, this.now());

      stage = 'priority';
      const ctx: RequestContext = {
        validator: frame.sender,
        neuron,
        priority: priority(neuron),
        receivedAt,
        signal: controller.signal,
      };

      stage = 'handler';
      const body = decodeRequestBody(frame.op, frame.body);
      const result = await this.run(frame.op, body, ctx, controller);
      const response = BODIES[frame.op].response.parse(result);
      const out = signResponse(this.o.signer, { op: frame.op, id: frame.id, receiver: frame.sender, status: 'ok', body: encode(response) }, digest);
      this.report(frame.op, frame.sender, 'ok', stage, receivedAt);
      return { bytes: encode(out) };
    } catch (thrown) {
      const error =
        thrown instanceof ProtocolError
          ? thrown
          : new ProtocolError('E_INTERNAL', `internal error: ${thrown instanceof Error ? thrown.message : String(thrown)}`, { cause: thrown });
      if (error.code === 'E_INTERNAL') this.o.log.error('request failed', { op: frame?.op, validator: frame?.sender, error: error.cause ?? error });
      this.report(frame?.op ?? null, stage === 'decode' ? null : (frame?.sender ?? null), error.code, stage, receivedAt);
      const out = signResponse(
        this.o.signer,
        {
          op: frame?.op ?? null,
          id: frame?.id ?? error.requestId,
          receiver: digest ? frame!.sender : null,
          status: 'error',
          body: encode(error.toBody()),
        },
        digest,
      );
      return { bytes: encode(out) };
    } finally {
      signal?.removeEventListener('abort', onShutdown);
    }
  }

  /** An unsigned refusal the axon makes before the stages run (a text frame). */
  refuse(bytes: Uint8Array, error: ProtocolError): Uint8Array {
    this.report(null, null, error.code, 'decode', performance.now());
    const out = signResponse(
      this.o.signer,
      { op: null, id: peekRequestId(bytes), receiver: null, status: 'error', body: encode(error.toBody()) },
      null,
    );
    return encode(out);
  }

  private run<O extends Op>(op: O, body: unknown, ctx: RequestContext, controller: AbortController): Promise<unknown> {
    const handler = this.o.handlers[op] as (body: unknown, ctx: RequestContext) => Promise<unknown>;
    if (op === 'challenge') return handler(body, ctx);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const reason = new ProtocolError('E_DEADLINE', `${op} took longer than ${this.o.requestTimeoutMs} ms`);
        controller.abort(reason);
        reject(reason);
      }, this.o.requestTimeoutMs);
      handler(body, ctx).then(
        (v) => (clearTimeout(timer), resolve(v)),
        (e: unknown) => (clearTimeout(timer), reject(e)),
      );
    });
  }

  private report(op: Op | null, validator: string | null, code: Outcome['code'], stage: Stage, receivedAt: number): void {
    this.o.onOutcome?.({ op, validator, code, stage, ms: performance.now() - receivedAt });
  }
}
