/**
 * How much a peer may send, per operation (docs/protocol.md §16.6). Every frame but an openings answer
 * fits in FRAME_BYTES; an openings answer is bounded by the rows asked for, their length and their
 * Merkle paths, computed from the challenge it answers. Bodies are read with a budget of msgpack values
 * (msgpack.ts: checkValue) that the largest honest body stays under.
 */
import { resultSize } from '../challenge/challenge.js';
import { MAX_OPENED_ROWS } from '../challenge/openings.js';
import { MAX_DIM, MAX_GEMMS, type Challenge, type OpeningRequest } from '../challenge/types.js';
import type { Op } from './messages.js';
import type { ValueBudget } from './msgpack.js';

/** Largest request frame, and largest answer to ping, device or challenge, and largest refusal. */
export const FRAME_BYTES = 8 * 1024;

/** What the envelope adds to a body: keys, version, ids, two hotkeys, nonce, timestamp, signature. */
const ENVELOPE_BYTES = 512;
/** Openings body around its rows: map, id, the rows array's header. */
const OPENINGS_BYTES = 128;
/** One opened row around its data and path: map, keys, matrix, row, the bin and array headers. */
const ROW_BYTES = 64;
/** One hash of a path: bin8 header and 32 bytes. */
const HASH_BYTES = 34;
/** Longest Merkle path the schema accepts. */
const MAX_PATH = 64;

export interface FrameLimit extends ValueBudget {
  /** Largest frame, envelope and body. */
  maxBytes: number;
}

/** Budget of the small bodies: a handful of fields, one array of at most six classes (device). */
const SMALL: ValueBudget = { maxValues: 32, maxDepth: 2 };

/** Every request body: the OpeningRequest of 256 rows is the largest (1 map, 2 keys, id, array, 5 per row). */
export const REQUEST_BUDGETS: Record<Op, ValueBudget> = {
  ping: SMALL,
  device: SMALL,
  challenge: SMALL,
  open: { maxValues: 8 + 5 * MAX_OPENED_ROWS, maxDepth: 3 },
};

/** The refusal (error body) of any operation. */
export const ERROR_LIMIT: FrameLimit = { maxBytes: FRAME_BYTES, ...SMALL };

/** What a validator knows of the challenge an openings answer is for. */
export type OpenedChallenge = Pick<Challenge, 'precision' | 'm' | 'n'>;

/**
 * The largest answer to `op`: FRAME_BYTES except for openings, where it is the rows asked for, each of
 * n values and a path of at most ⌈log2(m·n)⌉ hashes, plus the framing. Without the challenge (an opening
 * for an id this validator did not send) the schema's own bounds apply: n = MAX_DIM, 8-byte values,
 * 64 hashes. `cap` bounds the result (the validator's largest frame).
 */
export function answerLimit(op: Op, request: unknown, challenge: OpenedChallenge | undefined, cap: number): FrameLimit {
  if (op !== 'open') return { maxBytes: Math.min(FRAME_BYTES, cap), ...SMALL };
  const rows = Math.min((request as OpeningRequest).rows.length, MAX_OPENED_ROWS);
  // resultSize of one GEMM over n is n rows of n values: its n-th part is one row's bytes.
  const rowBytes = challenge ? resultSize({ precision: challenge.precision, m: 1, n: challenge.n }) / challenge.n : 8 * MAX_DIM;
  // Protocol v3 paths climb the GEMM's tree (⌈log2 n⌉ siblings at most), then the tree over GEMM roots (⌈log2 m⌉).
  const path = challenge ? Math.max(1, Math.ceil(Math.log2(challenge.n)) + Math.ceil(Math.log2(Math.min(challenge.m, MAX_GEMMS)))) : MAX_PATH;
  return {
    maxBytes: Math.min(cap, ENVELOPE_BYTES + OPENINGS_BYTES + rows * (ROW_BYTES + rowBytes + path * HASH_BYTES)),
    // 1 map, 4 keys, id, array; per row 1 map, 4 keys, 3 values, 1 array and its hashes.
    maxValues: 8 + rows * (9 + path),
    maxDepth: 4,
  };
}
