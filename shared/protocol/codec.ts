/**
 * Bytes ⇄ typed frames. Decoding never trusts its input: a size bound first, then msgpack, then the
 * frame schema; any failure is a ProtocolError with a reason code, never another kind of throw.
 */
import { C1, Packr } from 'msgpackr';
import type { z } from 'zod';
import { FlopnetError } from '../errors.js';
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

/** A refusal or failure of the protocol, carrying the reason code sent to (or received from) the peer. */
export class ProtocolError extends FlopnetError {
  override name = 'ProtocolError';
  override readonly code: ReasonCode;
  readonly retryAfterMs: number | undefined;
  constructor(code: ReasonCode, message: string, options: { hint?: string; cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, { code, ...options });
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
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

function unpack(bytes: Uint8Array, maxBytes: number): unknown {
  if (bytes.length > maxBytes) {
    throw new ProtocolError('E_FRAME_TOO_LARGE', `frame of ${bytes.length} bytes exceeds the limit of ${maxBytes}`);
  }
  if (bytes.length === 0) throw new ProtocolError('E_MALFORMED', 'empty frame');
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (error) {
    throw new ProtocolError('E_MALFORMED', `not a msgpack value: ${error instanceof Error ? error.message : String(error)}`.slice(0, 200), {
      cause: error,
    });
  }
  // 0xc1 is "never used" in msgpack; msgpackr yields a marker object for it instead of failing.
  if (value === C1) throw new ProtocolError('E_MALFORMED', 'not a msgpack value: reserved byte 0xc1');
  return value;
}

function schemaMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ')
    .slice(0, 512);
}

/** Decodes and validates one frame: a typed Frame or a ProtocolError (E_FRAME_TOO_LARGE, E_MALFORMED, E_VERSION, E_SCHEMA). */
export function decodeFrame(bytes: Uint8Array, maxBytes: number): Frame {
  const value = unpack(bytes, maxBytes);
  if (value !== null && typeof value === 'object' && 'v' in value && (value as { v: unknown }).v !== PROTOCOL_VERSION) {
    throw new ProtocolError('E_VERSION', `protocol version ${String((value as { v: unknown }).v).slice(0, 20)} is not ${PROTOCOL_VERSION}`, {
      hint: 'upgrade the older side',
    });
  }
  const parsed = zFrame.safeParse(value);
  if (!parsed.success) throw new ProtocolError('E_SCHEMA', `bad frame: ${schemaMessage(parsed.error)}`);
  return parsed.data;
}

/**
 * The request id of a frame that failed to decode, when one can be read, so the refusal can be matched
 * by its sender.
 */
export function peekRequestId(bytes: Uint8Array, maxBytes: number): number | null {
  if (bytes.length > maxBytes) return null;
  try {
    const value = packr.unpack(bytes) as { id?: unknown } | null;
    const id = value !== null && typeof value === 'object' ? value.id : undefined;
    return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= 0xffff_ffff ? id : null;
  } catch {
    return null;
  }
}

function decodeBody<T>(schema: z.ZodType<T>, bytes: Uint8Array, what: string): T {
  const value = unpack(bytes, bytes.length);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ProtocolError('E_SCHEMA', `bad ${what}: ${schemaMessage(parsed.error)}`);
  return parsed.data;
}

export function decodeRequestBody<O extends Op>(op: O, bytes: Uint8Array): RequestBody<O> {
  return decodeBody(BODIES[op].request as unknown as z.ZodType<RequestBody<O>>, bytes, `${op} request`);
}

export function decodeResponseBody<O extends Op>(op: O, bytes: Uint8Array): ResponseBody<O> {
  return decodeBody(BODIES[op].response as unknown as z.ZodType<ResponseBody<O>>, bytes, `${op} response`);
}

export function decodeErrorBody(bytes: Uint8Array): ErrorBody {
  return decodeBody(zErrorBody, bytes, 'error body');
}
