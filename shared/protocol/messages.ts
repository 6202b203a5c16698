/**
 * The miner ⇄ validator wire contract: every frame and every operation's request and response, as a zod
 * schema and its inferred type. Nothing crosses the wire without passing one of these schemas.
 *
 * A frame is a msgpack map. Its `body` is itself msgpack bytes, kept opaque in the envelope so the
 * signature covers the exact bytes received (no re-encoding, no canonical-form questions) and so the
 * body is decoded only after the signature has been checked.
 *
 * Operations (request body → response body):
 *   ping      {}              → { time }         round trip measured by the validator
 *   device    {}              → DeviceInfo
 *   challenge Challenge       → Commitment       validator times send → root receipt on its own clock
 *   open      OpeningRequest  → Openings         once per challenge; the miner frees the results after
 *
 * Transport (docs/protocol.md §16): binary WebSocket messages, one frame each, to ws://<axon ip>:<axon
 * port>/ (the metagraph's axon). A validator keeps one connection per axon endpoint, shared by every
 * hotkey that publishes it, and may send several requests on it; answers come in any order, matched by
 * `id`. Signed strings are in signing.ts (requestMessage, responseMessage); size limits in limits.ts. A
 * miner checks a request in this order and answers the first failure: size, envelope, version, frame
 * schema, signature, receiver, timestamp window, nonce, registration, permit/stake, rate limit, body
 * budget and schema; then the operation. Refusals before admission (registration, permit) are unsigned.
 */
import { z } from 'zod';
import { decodeAddress } from '@polkadot/util-crypto';
import {
  PROTOCOL_VERSION,
  zChallenge,
  zCommitment,
  zDeviceInfo,
  zOpeningRequest,
  zOpenings,
} from '../challenge/types.js';

export { PROTOCOL_VERSION };

export const OPS = ['ping', 'device', 'challenge', 'open'] as const;
export type Op = (typeof OPS)[number];
export const zOp = z.enum(OPS);

/**
 * Addresses whose checksum already verified. Only valid addresses enter, and the set is emptied when
 * full, so a peer sending random strings gains nothing but its own checksum checks.
 */
const validAddresses = new Set<string>();
function isAddress(s: string): boolean {
  if (validAddresses.has(s)) return true;
  try {
    if (decodeAddress(s).length !== 32) return false;
  } catch {
    return false;
  }
  if (validAddresses.size >= 4096) validAddresses.clear();
  validAddresses.add(s);
  return true;
}

/** ss58 address whose checksum is valid; the public key is what signatures are checked against. */
export const zHotkey = z
  .string()
  .min(40)
  .max(60)
  .regex(/^[1-9A-HJ-NP-Za-km-z]+$/, 'an ss58 address')
  .refine(isAddress, 'an ss58 address with a valid checksum');

/** Any Uint8Array (msgpackr yields Buffers), typed without pinning its buffer kind. */
const zBytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes');
const zSignature = zBytes.refine((b) => b.length === 64, '64 bytes');
/** Correlates a response with its request on one connection. */
const zRequestId = z.number().int().min(0).max(0xffff_ffff);

export const zPingRequest = z.object({}).strict();
export const zPingResponse = z.object({
  /** The miner's wall clock, ms since the epoch; informative only (timing uses the validator's clock). */
  time: z.number().int().min(0),
});
export const zDeviceRequest = z.object({}).strict();

/** Schemas of each operation's request and response bodies. */
export const BODIES = {
  ping: { request: zPingRequest, response: zPingResponse },
  device: { request: zDeviceRequest, response: zDeviceInfo },
  challenge: { request: zChallenge, response: zCommitment },
  open: { request: zOpeningRequest, response: zOpenings },
} as const;

export type RequestBody<O extends Op> = z.infer<(typeof BODIES)[O]['request']>;
export type ResponseBody<O extends Op> = z.infer<(typeof BODIES)[O]['response']>;

/**
 * A validator's request. The signature (sr25519, by `sender`) covers every field but itself, with the
 * body as its sha256 (signing.ts: requestMessage).
 */
export const zRequestFrame = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal('request'),
  id: zRequestId,
  op: zOp,
  sender: zHotkey,
  receiver: zHotkey,
  /** 16 random bytes, lowercase hex: never accepted twice from one sender within the timestamp window. */
  nonce: z.string().regex(/^[0-9a-f]{32}$/, '16 random bytes as lowercase hex'),
  /** The sender's wall clock, ms since the epoch, for the replay window only. */
  timestamp: z.number().int().min(0),
  body: zBytes,
  signature: zSignature,
}).strict();
export type RequestFrame = z.infer<typeof zRequestFrame>;

/**
 * Every reason a request can be refused or fail, grouped by the stage that finds it. Stable: validators
 * count them, tests match on them.
 */
export const REASON_CODES = [
  // decode
  'E_FRAME_TOO_LARGE',
  'E_MALFORMED',
  'E_SCHEMA',
  'E_VERSION',
  // verify
  'E_BAD_SIGNATURE',
  'E_WRONG_RECEIVER',
  'E_STALE',
  'E_REPLAY',
  // policy
  'E_NOT_REGISTERED',
  'E_NO_PERMIT',
  'E_RATE_LIMITED',
  'E_TOO_MANY_IN_FLIGHT',
  'E_TOO_MANY_CONNECTIONS',
  /** A connection sent no admitted request in time, or gave its place to a newer one (close reason). */
  'E_UNAUTHENTICATED',
  // priority / queue
  'E_BUSY',
  // handler
  'E_BAD_REQUEST',
  'E_UNKNOWN_CHALLENGE',
  'E_DUPLICATE_CHALLENGE',
  // handler: what a conforming validator never sends (docs/protocol.md §12)
  'E_WINDOW_TOO_LONG',
  'E_WINDOW_PAST_SLOT',
  'E_OFF_GRID',
  'E_GEMM_TOO_LONG',
  'E_DEADLINE',
  'E_UNSUPPORTED',
  'E_SHUTTING_DOWN',
  'E_INTERNAL',
  // validator side (never sent on the wire)
  'E_NO_AXON',
  'E_CONNECT',
  'E_CLOSED',
  'E_TIMEOUT',
  'E_BAD_RESPONSE',
  'E_BAD_RESPONSE_SIGNATURE',
  'E_ABORTED',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];
export const zReasonCode = z.enum(REASON_CODES);

/** The body of an error response. */
export const zErrorBody = z.object({
  code: zReasonCode,
  message: z.string().max(1024),
  /** When set, the sender may retry after this many ms (rate limits, busy). */
  retryAfterMs: z.number().int().min(0).max(3_600_000).optional(),
});
export type ErrorBody = z.infer<typeof zErrorBody>;

/**
 * A miner's answer. `status: 'ok'` carries the operation's response body; `'error'` an ErrorBody.
 * Signed by the miner (`sender`) binding the request (signing.ts: responseMessage) whenever the request
 * was authenticated; refusals before that (bad frame, bad signature) are unsigned, and `id` is null when
 * the request's id could not be read.
 */
export const zResponseFrame = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal('response'),
  id: zRequestId.nullable(),
  op: zOp.nullable(),
  status: z.enum(['ok', 'error']),
  sender: zHotkey,
  receiver: zHotkey.nullable(),
  body: zBytes,
  signature: zSignature.nullable(),
}).strict();
export type ResponseFrame = z.infer<typeof zResponseFrame>;

export const zFrame = z.discriminatedUnion('type', [zRequestFrame, zResponseFrame]);
export type Frame = z.infer<typeof zFrame>;
