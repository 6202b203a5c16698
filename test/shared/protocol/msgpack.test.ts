/**
 * The bounded msgpack readers: they accept every encoding of the shapes the protocol uses, and refuse
 * anything else from its header, whatever it announces.
 */
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encode } from '../../../shared/protocol/codec.js';
import { MsgpackError, checkValue, readScalarMap } from '../../../shared/protocol/msgpack.js';

const ENVELOPE = { maxEntries: 16, maxKeyBytes: 16, maxStringBytes: 128 };
const WIDE = { maxValues: 1_000_000, maxDepth: 64 };

/** The MsgpackError kind `f` throws, 'ok' when it returns. */
function kindOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (error) {
    return error instanceof MsgpackError ? error.kind : `not a MsgpackError: ${String(error)}`;
  }
}

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const u32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

describe('readScalarMap', () => {
  it('reads a map of scalars, with the body a view into the frame', () => {
    const frame = encode({ v: 2, id: 7, t: 1_700_000_000_123, s: 'hé', n: null, ok: true, neg: -5, body: new Uint8Array([1, 2, 3]) });
    const map = readScalarMap(frame, ENVELOPE);
    const { body, ...rest } = Object.fromEntries(map);
    expect(rest).toEqual({ v: 2, id: 7, t: 1_700_000_000_123, s: 'hé', n: null, ok: true, neg: -5 });
    expect([...(body as Uint8Array)]).toEqual([1, 2, 3]);
    expect((body as Uint8Array).buffer).toBe(frame.buffer);
  });

  it('accepts every width another encoder may choose: fixmap, map32, str16, uint64, int64, float32', () => {
    // {"a": uint64 5, "b": int64 -5, "c": float32 1.5, "d": str16 "x"} as a fixmap, then as a map32.
    const entries = [0xa1, 0x61, 0xcf, 0, 0, 0, 0, 0, 0, 0, 5, 0xa1, 0x62, 0xd3, ...Array(7).fill(0xff), 0xfb, 0xa1, 0x63, 0xca, 0x3f, 0xc0, 0, 0, 0xa1, 0x64, 0xda, 0, 1, 0x78];
    const expected = { a: 5, b: -5, c: 1.5, d: 'x' };
    expect(Object.fromEntries(readScalarMap(bytes(0x84, ...entries), ENVELOPE))).toEqual(expected);
    expect(Object.fromEntries(readScalarMap(bytes(0xdf, ...u32(4), ...entries), ENVELOPE))).toEqual(expected);
  });

  it('refuses from the header: 64 MiB arrays, nested values, long strings, repeated keys', () => {
    expect(kindOf(() => readScalarMap(bytes(0xdd, ...u32(64 << 20), 0xc0), ENVELOPE))).toBe('malformed');
    expect(kindOf(() => readScalarMap(encode([1, 2]), ENVELOPE))).toBe('shape');
    expect(kindOf(() => readScalarMap(encode({ id: 1, body: { nested: true } }), ENVELOPE))).toBe('shape');
    expect(kindOf(() => readScalarMap(encode({ id: [1] }), ENVELOPE))).toBe('shape');
    expect(kindOf(() => readScalarMap(encode({ s: 'x'.repeat(129) }), ENVELOPE))).toBe('shape');
    expect(kindOf(() => readScalarMap(bytes(0x82, 0xa1, 0x61, 1, 0xa1, 0x61, 2), ENVELOPE))).toBe('shape');
    expect(kindOf(() => readScalarMap(encode(Object.fromEntries([...Array(17)].map((_, i) => [`k${i}`, i]))), ENVELOPE))).toBe('shape');
    expect(kindOf(() => readScalarMap(bytes(0x81, 0x01, 0x02), ENVELOPE))).toBe('shape'); // integer key
  });

  it('refuses what is not msgpack: truncation, trailing bytes, 0xc1, extensions, bad UTF-8, integers past 2^53', () => {
    const frame = encode({ id: 7, body: new Uint8Array(10) });
    expect(kindOf(() => readScalarMap(frame.subarray(0, frame.length - 1), ENVELOPE))).toBe('malformed');
    expect(kindOf(() => readScalarMap(bytes(...frame, 0xc0), ENVELOPE))).toBe('malformed');
    expect(kindOf(() => readScalarMap(bytes(0x81, 0xa1, 0x61, 0xc1), ENVELOPE))).toBe('malformed');
    expect(kindOf(() => readScalarMap(bytes(0x81, 0xa1, 0x61, 0xd6, 0xff, 0, 0, 0, 0), ENVELOPE))).toBe('malformed');
    expect(kindOf(() => readScalarMap(bytes(0x81, 0xa1, 0x61, 0xa1, 0xff), ENVELOPE))).toBe('malformed');
    expect(kindOf(() => readScalarMap(bytes(0x81, 0xa1, 0x61, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), ENVELOPE))).toBe('malformed');
    expect(kindOf(() => readScalarMap(new Uint8Array(0), ENVELOPE))).toBe('malformed');
  });

  it('hands the entries it read to onEntry, so a refused map still yields its id', () => {
    const seen: string[] = [];
    expect(kindOf(() => readScalarMap(encode({ id: 9, body: [1] }), ENVELOPE, (key) => seen.push(key)))).toBe('shape');
    expect(seen).toEqual(['id']);
  });

  it('never throws anything but a MsgpackError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (b) => {
        expect(kindOf(() => readScalarMap(b, ENVELOPE))).not.toMatch(/^not a MsgpackError/);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('checkValue', () => {
  it('accepts any value msgpackr encodes, within a budget that covers it', () => {
    const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, bundleStrings: false });
    const json = fc.jsonValue({ maxDepth: 6 });
    fc.assert(
      fc.property(json, (value) => {
        expect(kindOf(() => checkValue(packr.pack(value), WIDE))).toBe('ok');
      }),
      { numRuns: 500 },
    );
  });

  it('counts values and depth: a map entry is two values, nesting is counted by containers', () => {
    // map, "id", "x", "rows", array, map, "matrix", 0, "row", 1: 10 values, 3 containers deep
    const body = encode({ id: 'x', rows: [{ matrix: 0, row: 1 }] });
    expect(kindOf(() => checkValue(body, { maxValues: 10, maxDepth: 3 }))).toBe('ok');
    expect(kindOf(() => checkValue(body, { maxValues: 9, maxDepth: 3 }))).toBe('budget');
    expect(kindOf(() => checkValue(body, { maxValues: 10, maxDepth: 2 }))).toBe('budget');
  });

  it('refuses 64 M nils and 64 M empty maps at the array header, and maps nested 32 Mi deep at the budget depth', () => {
    const budget = { maxValues: 20_000, maxDepth: 4 };
    const nils = Buffer.alloc(5 + 64_000_000, 0xc0);
    nils.set([0xdd, ...u32(64_000_000)]);
    const maps = Buffer.alloc(5 + 64_000_000, 0x80);
    maps.set([0xdd, ...u32(64_000_000)]);
    const nested = Buffer.alloc(64 << 20, Buffer.from([0x81, 0xa0])); // {"": {"": {"": …
    for (const attack of [nils, maps, nested]) expect(kindOf(() => checkValue(attack, budget))).toBe('budget');
    // The array's count is checked before any element is read: one element of budget would not change that.
    expect(kindOf(() => checkValue(nils, { maxValues: 63_999_999, maxDepth: 1 }))).toBe('budget');
  });

  it('refuses announced lengths beyond the bytes, extensions, 0xc1 and trailing bytes as malformed', () => {
    expect(kindOf(() => checkValue(bytes(0xdd, 0x7f, 0xff, 0xff, 0xff), WIDE))).toBe('malformed');
    expect(kindOf(() => checkValue(bytes(0xc6, 0x7f, 0xff, 0xff, 0xff), WIDE))).toBe('malformed');
    expect(kindOf(() => checkValue(bytes(0x91, 0xc1), WIDE))).toBe('malformed');
    expect(kindOf(() => checkValue(bytes(0x91, 0xd4, 0x01, 0x00), WIDE))).toBe('malformed');
    expect(kindOf(() => checkValue(bytes(0xc0, 0xc0), WIDE))).toBe('malformed');
    expect(kindOf(() => checkValue(bytes(0x92, 0xc0), WIDE))).toBe('malformed');
  });

  it('never throws anything but a MsgpackError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (b) => {
        expect(kindOf(() => checkValue(b, { maxValues: 64, maxDepth: 4 }))).not.toMatch(/^not a MsgpackError/);
      }),
      { numRuns: 3000 },
    );
  });
});
