import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { element, fillLines, MANTISSA_BITS, matrixKey, referenceLines } from '../../../shared/challenge/elements.js';
import { simdLines, simdLinesUnavailable } from '../../../shared/challenge/lines.js';
import { MAX_DIM, PRECISIONS, type Precision } from '../../../shared/challenge/types.js';

const unavailable = simdLinesUnavailable();
const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
type Vector = Float32Array | Float64Array;
const SENTINEL = -12345.5;

/** Whether two arrays hold the same bits (toEqual would let -0 and 0, or two NaNs, pass for each other). */
const sameBits = (a: Vector, b: Vector) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** `count` lines from the SIMD generator into the middle of a shared buffer of sentinels, `offset` values in. */
function simdInto(wide: boolean, precision: Precision, key: { k0: number; k1: number }, first: number, count: number, k: number, offset: number) {
  const total = offset + count * k + 37;
  const buffer = new SharedArrayBuffer(total * (wide ? 8 : 4));
  const all = wide ? new Float64Array(buffer) : new Float32Array(buffer);
  all.fill(SENTINEL);
  const out = all.subarray(offset, offset + count * k);
  expect(simdLines(MANTISSA_BITS[precision], key, first, count, k, out)).toBe(true);
  return { all, out };
}

describe('referenceLines', () => {
  it('is the element rule, line by line', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PRECISIONS), seedArb, fc.integer({ min: 0, max: MAX_DIM - 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 23 }), (precision, seed, first, count, k) => {
        const key = matrixKey(seed, 'B', 2);
        const out = new Float64Array(count * k);
        referenceLines(precision, key, first, count, k, out);
        for (let t = 0; t < count; t++) for (let l = 0; l < k; l++) expect(out[t * k + l]).toBe(element(precision, key, first + t, l));
      }),
      { numRuns: 100 },
    );
  });
});

describe.skipIf(unavailable !== undefined)(`SIMD line generator${unavailable ? ` (skipped: WebAssembly SIMD unavailable here: ${unavailable})` : ''}`, () => {
  it('gives the reference bits for every class, in binary32 and binary64, at any line, count, length and offset, writing nothing else', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PRECISIONS),
        fc.boolean(),
        seedArb,
        fc.constantFrom('A' as const, 'B' as const),
        fc.integer({ min: 0, max: 16383 }),
        fc.integer({ min: 0, max: MAX_DIM - 8 }),
        fc.integer({ min: 1, max: 7 }),
        // Lengths across every remainder of the calls (k mod 4, k mod 2 for fp64) and of the 12-call passes.
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 9 }),
        (precision, asDouble, seed, matrix, j, first, count, k, offset) => {
          const wide = precision === 'fp64' || asDouble;
          const key = matrixKey(seed, matrix, j);
          const { all, out } = simdInto(wide, precision, key, first, count, k, offset);
          const expected = wide ? new Float64Array(count * k) : new Float32Array(count * k);
          referenceLines(precision, key, first, count, k, expected);
          expect(sameBits(out, expected)).toBe(true);
          for (let i = 0; i < offset; i++) expect(all[i]).toBe(SENTINEL);
          for (let i = offset + count * k; i < all.length; i++) expect(all[i]).toBe(SENTINEL);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('continues across its chunks: many lines, and one line longer than a chunk', () => {
    const key = matrixKey(new Uint8Array(32).fill(7), 'A', 9);
    for (const [precision, count, k, asDouble] of [
      ['fp32', 40, 1001, false], // 160 KB of binary32: several chunks of 16 lines
      ['bf16', 3, 20_003, true], // each line 160 KB of binary64, more than a chunk
      ['fp64', 2, 65_537, true], // each line 512 KB
    ] as const) {
      const wide = precision === 'fp64' || asDouble;
      const { out } = simdInto(wide, precision, key, 1000, count, k, 3);
      const expected = wide ? new Float64Array(count * k) : new Float32Array(count * k);
      referenceLines(precision, key, 1000, count, k, expected);
      expect(sameBits(out, expected)).toBe(true);
    }
  });

  it('gives docs/protocol.md §14 elements for every class', () => {
    const seed = new Uint8Array(32).map((_, i) => i);
    const a = matrixKey(seed, 'A', 0);
    const b = matrixKey(seed, 'B', 0);
    const table: Record<Precision, number[]> = {
      fp64: [-0.9494655309737855, 0.607470565060022, 0.9064828904925015, 1.4190555636567868, -0.6309984194856681],
      fp32: [-0.9494653940200806, -0.7098540663719177, -1.1104567050933838, 0.9910393357276917, -0.6309983730316162],
      tf32: [-0.94921875, -0.70947265625, -1.1103515625, 0.99072265625, -0.630859375],
      bf16: [-0.94921875, -0.70703125, -1.109375, 0.98828125, -0.62890625],
      fp16: [-0.94921875, -0.70947265625, -1.1103515625, 0.99072265625, -0.630859375],
      fp8: [-0.9375, -0.6875, -1, 0.9375, -0.625],
    };
    for (const precision of PRECISIONS) {
      for (const out of precision === 'fp64' ? [new Float64Array(12)] : [new Float32Array(12), new Float64Array(12)]) {
        // A_0 rows 0 and 1, B_0 columns 0 and 1, six values each.
        const rowsA = fillLines(precision, a, 0, 2, 6, out.slice());
        const colsB = fillLines(precision, b, 0, 2, 6, out.slice());
        expect([rowsA[0], rowsA[6 + 2], rowsA[6 + 5], colsB[3], colsB[6 + 0]]).toEqual(table[precision]);
      }
    }
  });

  it('refuses fp64 into binary32 and an array too short for the lines', () => {
    const key = matrixKey(new Uint8Array(32), 'A', 0);
    expect(() => simdLines(52, key, 0, 1, 8, new Float32Array(8))).toThrow(TypeError);
    expect(() => simdLines(23, key, 0, 2, 8, new Float32Array(15))).toThrow(RangeError);
  });
});
