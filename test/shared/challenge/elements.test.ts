import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { philox } from '../../../shared/challenge/philox.js';
import { colOfB, element, elementsPerCall, matrixKey, MANTISSA_BITS, rowOfA } from '../../../shared/challenge/elements.js';
import { PRECISIONS, type Precision } from '../../../shared/challenge/types.js';

/**
 * The spec's element rule computed independently: the Philox call and word of a line position, then an
 * exact integer significand (BigInt) times a power of two.
 */
function specElement(precision: Precision, key: { k0: number; k1: number }, line: number, position: number): number {
  const perCall = precision === 'fp64' ? 2 : 4;
  const words = philox([Math.floor(position / perCall), line, 0, 0], [key.k0, key.k1]);
  const slot = position % perCall;
  const x = precision === 'fp64' ? words[2 * slot]! : words[slot]!;
  const p = BigInt(MANTISSA_BITS[precision]);
  const mantissa = precision === 'fp64' ? ((BigInt(x) >> 12n) << 32n) | BigInt(words[2 * slot + 1]!) : BigInt(x) >> (32n - p);
  const significand = (1n << p) | mantissa; // 1.m as an integer of p+1 bits
  const exponent = ((x >>> 1) & 1) === 0 ? -1 : 0;
  const magnitude = Number(significand) * 2 ** (exponent - Number(p));
  return (x & 1) === 1 ? -magnitude : magnitude;
}

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('matrix keys', () => {
  it('are the first 8 bytes of SHA-256("flopnet/v3/" ‖ name ‖ u32le(j) ‖ seed), little-endian', () => {
    const seed = new Uint8Array(32).map((_, i) => i);
    const digest = createHash('sha256')
      .update(Buffer.concat([Buffer.from('flopnet/v3/B'), Buffer.from([7, 1, 0, 0]), seed]))
      .digest();
    expect(matrixKey(seed, 'B', 263)).toEqual({ k0: digest.readUInt32LE(0), k1: digest.readUInt32LE(4) });
  });

  it('differ between A and B, between matrices and between seeds', () => {
    const seed = new Uint8Array(32);
    const other = new Uint8Array(32);
    other[31] = 1;
    const keys = [matrixKey(seed, 'A', 0), matrixKey(seed, 'B', 0), matrixKey(seed, 'A', 1), matrixKey(other, 'A', 0)];
    expect(new Set(keys.map((k) => `${k.k0}:${k.k1}`)).size).toBe(4);
  });
});

describe('elements', () => {
  it('follow the spec rule for every class (independent BigInt computation)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PRECISIONS),
        seedArb,
        fc.integer({ min: 0, max: 1023 }),
        fc.integer({ min: 0, max: 131071 }),
        fc.integer({ min: 0, max: 131071 }),
        (precision, seed, j, r, c) => {
          const key = matrixKey(seed, 'A', j);
          expect(element(precision, key, r, c)).toBe(specElement(precision, key, r, c));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('have magnitudes in [0.5, 2), both signs, and are exact in the class storage type', () => {
    const key = matrixKey(new Uint8Array(32).fill(9), 'A', 0);
    for (const precision of PRECISIONS) {
      const row = rowOfA(precision, key, 3, 4096);
      const p = MANTISSA_BITS[precision];
      let negatives = 0;
      for (const v of row) {
        expect(Math.abs(v)).toBeGreaterThanOrEqual(0.5);
        expect(Math.abs(v)).toBeLessThan(2);
        // |v|·2^(p+1) is an integer: at most p fraction bits below the leading bit.
        expect(Number.isInteger(Math.abs(v) * 2 ** (p + 1))).toBe(true);
        if (precision !== 'fp64') expect(Math.fround(v)).toBe(v);
        if (v < 0) negatives++;
      }
      expect(negatives).toBeGreaterThan(4096 * 0.45);
      expect(negatives).toBeLessThan(4096 * 0.55);
    }
  });

  it('use the full mantissa (not small integers): many distinct values per class', () => {
    const key = matrixKey(new Uint8Array(32).fill(3), 'B', 2);
    for (const precision of PRECISIONS) {
      const distinct = new Set(colOfB(precision, key, 5, 4096)).size;
      const possible = 4 * 2 ** MANTISSA_BITS[precision]; // sign × exponent × mantissa
      const expected = possible * (1 - (1 - 1 / possible) ** 4096); // distinct values among 4096 uniform draws
      expect(distinct).toBeGreaterThan(expected * 0.95);
    }
  });

  it('rowOfA(r) is line r of A and colOfB(c) is line c of B', () => {
    const seed = new Uint8Array(32).fill(1);
    const a = matrixKey(seed, 'A', 4);
    const b = matrixKey(seed, 'B', 4);
    for (const k of [1, 2, 3, 4, 5, 50]) {
      const row = rowOfA('bf16', a, 17, k, new Float32Array(k));
      const col = colOfB('fp64', b, 23, k);
      for (let l = 0; l < k; l++) {
        expect(row[l]).toBe(element('bf16', a, 17, l));
        expect(col[l]).toBe(element('fp64', b, 23, l));
      }
    }
  });

  it('one Philox call gives four consecutive positions of a line (two for fp64), one word each (two for fp64)', () => {
    const key = matrixKey(new Uint8Array(32).fill(5), 'A', 0);
    expect(elementsPerCall('fp64')).toBe(2);
    for (const precision of PRECISIONS.filter((p) => p !== 'fp64')) expect(elementsPerCall(precision)).toBe(4);
    const [x0, x1, x2, x3] = philox([1, 6, 0, 0], [key.k0, key.k1]) as unknown as number[];
    // fp32 keeps 23 bits of each word: the four values of positions 4..7 of line 6 are words x0..x3.
    const fromWord = (x: number) => ((x & 1) === 1 ? -1 : 1) * (1 + (x! >>> 9) / 2 ** 23) * ((x! & 2) === 0 ? 0.5 : 1);
    expect([4, 5, 6, 7].map((l) => element('fp32', key, 6, l))).toEqual([x0!, x1!, x2!, x3!].map(fromWord));
    expect([2, 3].map((l) => element('fp64', key, 6, l))).toEqual([specElement('fp64', key, 6, 2), specElement('fp64', key, 6, 3)]);
  });
});

describe('docs/protocol.md §14 test vectors', () => {
  const seed = new Uint8Array(32).map((_, i) => i);
  it('keys and the Philox words of call 0 of line 1 of A_0', () => {
    expect(matrixKey(seed, 'A', 0)).toEqual({ k0: 0x7f2acbac, k1: 0xb3e89715 });
    expect(matrixKey(seed, 'B', 0)).toEqual({ k0: 0xc3f7edd5, k1: 0x26a13f31 });
    expect(matrixKey(seed, 'A', 1)).toEqual({ k0: 0xb38cab35, k1: 0x324b8dc0 });
    expect(Array.from(philox([0, 1, 0, 0], [0x7f2acbac, 0xb3e89715]))).toEqual([0x33e4b5da, 0x9786861a, 0x6b71fe95, 0x52be1ca4]);
  });

  it.each([
    ['fp64', -0.9494655309737855, 0.607470565060022, 0.9064828904925015, 1.4190555636567868, -0.6309984194856681],
    ['fp32', -0.9494653940200806, -0.7098540663719177, -1.1104567050933838, 0.9910393357276917, -0.6309983730316162],
    ['tf32', -0.94921875, -0.70947265625, -1.1103515625, 0.99072265625, -0.630859375],
    ['bf16', -0.94921875, -0.70703125, -1.109375, 0.98828125, -0.62890625],
    ['fp16', -0.94921875, -0.70947265625, -1.1103515625, 0.99072265625, -0.630859375],
    ['fp8', -0.9375, -0.6875, -1, 0.9375, -0.625],
  ] as const)('%s elements A_0[0, 0], A_0[1, 2], A_0[1, 5], B_0[3, 0], B_0[0, 1]', (precision, a00, a12, a15, b30, b01) => {
    const a = matrixKey(seed, 'A', 0);
    const b = matrixKey(seed, 'B', 0);
    // B[r, c] is position r of line c.
    const got = [element(precision, a, 0, 0), element(precision, a, 1, 2), element(precision, a, 1, 5), element(precision, b, 0, 3), element(precision, b, 1, 0)];
    expect(got).toEqual([a00, a12, a15, b30, b01]);
    // The same values from the independent rule above.
    const spec = [specElement(precision, a, 0, 0), specElement(precision, a, 1, 2), specElement(precision, a, 1, 5), specElement(precision, b, 0, 3), specElement(precision, b, 1, 0)];
    expect(spec).toEqual([a00, a12, a15, b30, b01]);
  });
});
