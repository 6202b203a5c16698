/**
 * Bytes ⇄ typed frames. Decoding never trusts its input and never does more work than the input's
 * operation can justify: the envelope is read by a bounded reader that accepts one map of scalars and
 * nothing else (msgpack.ts), a body is decoded only within its operation's budget of values
 * (limits.ts), and any failure is a ProtocolError with a reason code, never another kind of throw.
 */
import { C1, Packr } from 'msgpackr';
import type { z } from 'zod';
import { FlopnetError } from '../errors.js';
import { ERROR_LIMIT, REQUEST_BUDGETS } from './limits.js';
import {
  BODIES,
  PROTOCOL_VERSION,
  zErrorBody,
  zFrame,
  type ErrorBody,
  type Frame,
  type Op,
  type ReasonCode,
  type RequestBody,
  type ResponseBody,
} from './messages.js';
import { MsgpackError, checkValue, readScalarMap, type Scalar, type ValueBudget } from './msgpack.js';
import { printable } from './text.js';

/** A refusal or failure of the protocol, carrying the reason code sent to (or received from) the peer. */
export class ProtocolError extends FlopnetError {
  override name = 'ProtocolError';
  override readonly code: ReasonCode;
  readonly retryAfterMs: number | undefined;
  /** The id of the request a refused frame carried, when it could be read: the refusal echoes it. */
  readonly requestId: number | null;
  constructor(
    code: ReasonCode,
    message: string,
    options: { hint?: string; cause?: unknown; retryAfterMs?: number; requestId?: number | null } = {},
  ) {
    super(message, { code, ...options });
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.requestId = options.requestId ?? null;
  }

  toBody(): ErrorBody {
    return {
      code: this.code,
      message: this.message.slice(0, 1024),
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
    };
  }
}

/**
 * Plain maps and arrays only: no records/structures (stateful, and a peer could define them), no
 * extension types beyond what msgpackr decodes into plain values.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, bundleStrings: false });

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** The envelope: at most 16 entries, short keys, strings no longer than a hotkey needs; the body is a bin. */
const ENVELOPE = { maxEntries: 16, maxKeyBytes: 16, maxStringBytes: 128 };

const requestIdOf = (value: Scalar | undefined): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff ? value : null;

const refusal = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 200);

function schemaMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ')
    .slice(0, 512);
}

/**
 * Decodes and validates one frame: a typed Frame or a ProtocolError (E_FRAME_TOO_LARGE, E_MALFORMED,
 * E_VERSION, E_SCHEMA) whose requestId is the frame's id when it was read. Costs O(envelope fields)
 * whatever the bytes hold: the body is not looked at.
 */
export function decodeFrame(bytes: Uint8Array, maxBytes: number): Frame {
  if (bytes.length > maxBytes) {
    throw new ProtocolError('E_FRAME_TOO_LARGE', `frame of ${bytes.length} bytes exceeds the limit of ${maxBytes}`);
  }
  let requestId: number | null = null;
  let fields: Map<string, Scalar>;
  try {
    fields = readScalarMap(bytes, ENVELOPE, (key, value) => {
      if (key === 'id') requestId = requestIdOf(value);
    });
  } catch (error) {
    const code = error instanceof MsgpackError && error.kind === 'shape' ? 'E_SCHEMA' : 'E_MALFORMED';
    throw new ProtocolError(code, `not a frame: ${refusal(error)}`, { cause: error, requestId });
  }
  const v = fields.get('v');
  if (v !== undefined && v !== PROTOCOL_VERSION) {
    throw new ProtocolError('E_VERSION', `protocol version ${String(v).slice(0, 20)} is not ${PROTOCOL_VERSION}`, {
      hint: 'upgrade the older side',
      requestId,
    });
  }
  const parsed = zFrame.safeParse(Object.fromEntries(fields));
  if (!parsed.success) throw new ProtocolError('E_SCHEMA', `bad frame: ${schemaMessage(parsed.error)}`, { requestId });
  return parsed.data;
}

/** The request id of a frame, when its envelope can be read; O(envelope fields), like decodeFrame. */
export function peekRequestId(bytes: Uint8Array): number | null {
  let id: number | null = null;
  try {
    readScalarMap(bytes, ENVELOPE, (key, value) => {
      if (key === 'id') id = requestIdOf(value);
    });
  } catch {
    // The id, if read before the failure, is still the sender's best match.
  }
  return id;
}

/** A body: its shape within `budget` before msgpackr builds anything, then the operation's schema. */
function decodeBody<T>(schema: z.ZodType<T>, bytes: Uint8Array, budget: ValueBudget, what: string): T {
  try {
    checkValue(bytes, budget);
  } catch (error) {
    if (error instanceof MsgpackError && error.kind === 'budget') {
      throw new ProtocolError('E_FRAME_TOO_LARGE', `${what} has ${error.message} (its limit)`, { cause: error });
    }
    throw new ProtocolError('E_MALFORMED', `${what} is not a msgpack value: ${refusal(error)}`, { cause: error });
  }
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (error) {
    throw new ProtocolError('E_MALFORMED', `${what} is not a msgpack value: ${refusal(error)}`, { cause: error });
  }
  // checkValue refuses 0xc1; this guards the one marker msgpackr could still return.
  if (value === C1) throw new ProtocolError('E_MALFORMED', `${what} is not a msgpack value: reserved byte 0xc1`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ProtocolError('E_SCHEMA', `bad ${what}: ${schemaMessage(parsed.error)}`);
  return parsed.data;
}

export function decodeRequestBody<O extends Op>(op: O, bytes: Uint8Array): RequestBody<O> {
  return decodeBody(BODIES[op].request as unknown as z.ZodType<RequestBody<O>>, bytes, REQUEST_BUDGETS[op], `${op} request`);
}

/**
 * An answer's body, within `budget` (limits.ts: answerLimit, from the request it answers). The
 * device report's free text comes back printable: it reaches logs, the database and terminals.
 */
export function decodeResponseBody<O extends Op>(op: O, bytes: Uint8Array, budget: ValueBudget): ResponseBody<O> {
  const body = decodeBody(BODIES[op].response as unknown as z.ZodType<ResponseBody<O>>, bytes, budget, `${op} response`);
  if (op !== 'device') return body;
  const device = body as ResponseBody<'device'>;
  return { ...device, name: printable(device.name, 256), ...(device.detail !== undefined ? { detail: printable(device.detail, 1024) } : {}) } as ResponseBody<O>;
}

/** A refusal's body; its message comes back printable. */
export function decodeErrorBody(bytes: Uint8Array): ErrorBody {
  const body = decodeBody(zErrorBody, bytes, ERROR_LIMIT, 'error body');
  return { ...body, message: printable(body.message, 1024) };
}
