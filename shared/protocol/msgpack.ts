/**
 * Bounded reading of msgpack from peers. A general decoder materialises whatever a peer announces (64 M
 * `nil`s, 64 M empty maps, maps nested a million deep) before anything can refuse it; these readers
 * refuse in time proportional to what they were allowed to read:
 *
 *   readScalarMap  a frame's envelope: one map of scalars (nil, bool, number, str, bin), nothing nested;
 *                  O(entries), and a bin (the body) is a view, never copied or parsed.
 *   checkValue     a body before it is decoded: one complete value within a budget of values and depth,
 *                  every announced length checked against the bytes left; no recursion, no allocation.
 *
 * Extension types are not part of the protocol (a general decoder turns some into Dates or fails on
 * others), and 0xc1 is never valid. Failures throw MsgpackError; codec.ts gives them reason codes.
 */

export class MsgpackError extends Error {
  override name = 'MsgpackError';
  /**
   * 'malformed': not msgpack (truncated, reserved byte, extension, bad UTF-8, trailing bytes); 'shape':
   * msgpack as far as read, but not the shape asked for; 'budget': more than the reader may read.
   */
  constructor(
    readonly kind: 'malformed' | 'shape' | 'budget',
    message: string,
  ) {
    super(message);
  }
}

export type Scalar = null | boolean | number | string | Uint8Array;

export interface ValueBudget {
  /** Values in all, containers and their elements (a map entry is two: key and value). */
  maxValues: number;
  /** Containers nested in one another; a scalar alone is depth 0. */
  maxDepth: number;
}

const malformed = (message: string): never => {
  throw new MsgpackError('malformed', message);
};
const misshapen = (message: string): never => {
  throw new MsgpackError('shape', message);
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Length-prefixed and fixed-size forms: [bytes of the length field, fixed payload]. */
function headerOf(bytes: Uint8Array, at: number): { kind: 'scalar' | 'str' | 'bin' | 'array' | 'map'; size: number; head: number } {
  const b = bytes[at]!;
  if (b <= 0x7f || b >= 0xe0) return { kind: 'scalar', size: 0, head: 1 };
  if (b <= 0x8f) return { kind: 'map', size: b & 0x0f, head: 1 };
  if (b <= 0x9f) return { kind: 'array', size: b & 0x0f, head: 1 };
  if (b <= 0xbf) return { kind: 'str', size: b & 0x1f, head: 1 };
  const need = (n: number): void => {
    if (at + 1 + n > bytes.length) malformed(`truncated header at byte ${at}`);
  };
  const view = (): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = (n: 1 | 2 | 4): number => {
    need(n);
    return n === 1 ? bytes[at + 1]! : n === 2 ? view().getUint16(at + 1) : view().getUint32(at + 1);
  };
  switch (b) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return { kind: 'scalar', size: 0, head: 1 };
    case 0xcc:
    case 0xd0:
      return { kind: 'scalar', size: 1, head: 1 };
    case 0xcd:
    case 0xd1:
      return { kind: 'scalar', size: 2, head: 1 };
    case 0xca:
    case 0xce:
    case 0xd2:
      return { kind: 'scalar', size: 4, head: 1 };
    case 0xcb:
    case 0xcf:
    case 0xd3:
      return { kind: 'scalar', size: 8, head: 1 };
    case 0xc4:
      return { kind: 'bin', size: length(1), head: 2 };
    case 0xc5:
      return { kind: 'bin', size: length(2), head: 3 };
    case 0xc6:
      return { kind: 'bin', size: length(4), head: 5 };
    case 0xd9:
      return { kind: 'str', size: length(1), head: 2 };
    case 0xda:
      return { kind: 'str', size: length(2), head: 3 };
    case 0xdb:
      return { kind: 'str', size: length(4), head: 5 };
    case 0xdc:
      return { kind: 'array', size: length(2), head: 3 };
    case 0xdd:
      return { kind: 'array', size: length(4), head: 5 };
    case 0xde:
      return { kind: 'map', size: length(2), head: 3 };
    case 0xdf:
      return { kind: 'map', size: length(4), head: 5 };
    case 0xc1:
      return malformed(`reserved byte 0xc1 at byte ${at}`);
    default:
      // 0xc7–0xc9, 0xd4–0xd8: extension types.
      return malformed(`extension type 0x${b.toString(16)} at byte ${at}: not used by the protocol`);
  }
}

/**
 * Checks that `bytes` hold exactly one msgpack value within `budget`. A container announcing more
 * elements than bytes remain, or than the budget allows, is refused before any of them is read.
 */
export function checkValue(bytes: Uint8Array, budget: ValueBudget): void {
  if (bytes.length === 0) malformed('empty');
  let at = 0;
  let values = 0;
  /** Elements still to read in each open container, innermost last. */
  const open: number[] = [];
  let left = 1;
  while (left > 0 || open.length > 0) {
    if (left === 0) {
      left = open.pop()!;
      continue;
    }
    left--;
    if (at >= bytes.length) malformed(`truncated: a value was expected at byte ${at}`);
    values++;
    const h = headerOf(bytes, at);
    at += h.head;
    if (h.kind === 'array' || h.kind === 'map') {
      const elements = h.kind === 'map' ? 2 * h.size : h.size;
      if (elements > bytes.length - at) malformed(`a container announces ${elements} elements with ${bytes.length - at} bytes left`);
      if (values + elements > budget.maxValues) {
        throw new MsgpackError('budget', `more than ${budget.maxValues} values`);
      }
      if (elements > 0) {
        if (open.length + 1 > budget.maxDepth) throw new MsgpackError('budget', `nested deeper than ${budget.maxDepth}`);
        open.push(left);
        left = elements;
      }
      continue;
    }
    if (h.size > bytes.length - at) malformed(`a value announces ${h.size} bytes with ${bytes.length - at} left`);
    at += h.size;
  }
  if (at !== bytes.length) malformed(`${bytes.length - at} bytes after the value`);
}

export interface ScalarMapLimits {
  maxEntries: number;
  maxKeyBytes: number;
  /** Longest str value; bin values may be as long as the bytes allow. */
  maxStringBytes: number;
}

/**
 * Reads a map whose keys are strings and whose values are scalars, and nothing after it. A nested
 * value, an over-long string or a repeated key is refused where it starts. Bin values are views into
 * `bytes`. `onEntry` sees each entry as it is read, so a caller can keep a field (the request id) of a
 * map refused later on.
 */
export function readScalarMap(bytes: Uint8Array, limits: ScalarMapLimits, onEntry?: (key: string, value: Scalar) => void): Map<string, Scalar> {
  if (bytes.length === 0) malformed('empty');
  const top = headerOf(bytes, 0);
  const announced = top.kind === 'map' ? 2 * top.size : top.size;
  if (announced > bytes.length - top.head) malformed(`announces ${announced} ${top.kind === 'map' || top.kind === 'array' ? 'elements' : 'bytes'} with ${bytes.length - top.head} bytes left`);
  if (top.kind !== 'map') misshapen('not a map');
  if (top.size > limits.maxEntries) misshapen(`a map of ${top.size} entries (at most ${limits.maxEntries})`);
  let at = top.head;
  const entries = new Map<string, Scalar>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (maxString: number): Scalar => {
    if (at >= bytes.length) malformed(`truncated at byte ${at}`);
    const start = at;
    const b = bytes[at]!;
    const h = headerOf(bytes, at);
    if (h.kind === 'array' || h.kind === 'map') misshapen(`a nested ${h.kind} at byte ${start}: values are scalars`);
    at += h.head;
    if (h.size > bytes.length - at) malformed(`a value announces ${h.size} bytes with ${bytes.length - at} left`);
    if (h.kind === 'str' && h.size > maxString) misshapen(`a string of ${h.size} bytes at byte ${start} (at most ${maxString})`);
    const payload = bytes.subarray(at, at + h.size);
    at += h.size;
    if (h.kind === 'bin') return payload;
    if (h.kind === 'str') {
      try {
        return utf8.decode(payload);
      } catch {
        return malformed(`invalid UTF-8 at byte ${start}`);
      }
    }
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    const p = start + 1;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xcc:
        return view.getUint8(p);
      case 0xcd:
        return view.getUint16(p);
      case 0xce:
        return view.getUint32(p);
      case 0xcf:
        return safe(view.getBigUint64(p), start);
      case 0xd0:
        return view.getInt8(p);
      case 0xd1:
        return view.getInt16(p);
      case 0xd2:
        return view.getInt32(p);
      case 0xd3:
        return safe(view.getBigInt64(p), start);
      case 0xca:
        return view.getFloat32(p);
      default:
        return view.getFloat64(p); // 0xcb, the only fixed form left
    }
  };
  for (let i = 0; i < top.size; i++) {
    const key = read(limits.maxKeyBytes);
    if (typeof key !== 'string') misshapen(`a map key that is not a string (entry ${i})`);
    const value = read(limits.maxStringBytes);
    if (entries.has(key as string)) misshapen(`key ${JSON.stringify(key)} repeated`);
    entries.set(key as string, value);
    onEntry?.(key as string, value);
  }
  if (at !== bytes.length) malformed(`${bytes.length - at} bytes after the map`);
  return entries;
}

function safe(value: bigint, at: number): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) malformed(`a 64-bit integer beyond 2^53 at byte ${at}`);
  return Number(value);
}
