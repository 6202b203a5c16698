import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { philox, PHILOX_BLOCK } from '../../../shared/challenge/philox.js';
import { colOfB, element, matrixKey, MANTISSA_BITS, rowOfA } from '../../../shared/challenge/elements.js';
import { PRECISIONS, type Precision } from '../../../shared/challenge/types.js';

/**
 * The spec's element rule computed independently: exact integer significand (BigInt) times a power of two.
 */
function specElement(precision: Precision, key: { k0: number; k1: number }, r: number, c: number): number {
  const [x0, x1, x2] = philox([c, r, 0, 0], [key.k0, key.k1]) as unknown as [number, number, number];
  const p = BigInt(MANTISSA_BITS[precision]);
  const mantissa = precision === 'fp64' ? ((BigInt(x1) >> 12n) << 32n) | BigInt(x2) : BigInt(x1) >> (32n - p);
  const significand = (1n << p) | mantissa; // 1.m as an integer of p+1 bits
  const exponent = ((x0 >>> 1) & 1) === 0 ? -1 : 0;
  const magnitude = Number(significand) * 2 ** (exponent - Number(p));
  return (x0 & 1) === 1 ? -magnitude : magnitude;
}

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('matrix keys', () => {
  it('are the first 8 bytes of SHA-256("flopnet/v1/" ‖ name ‖ u32le(j) ‖ seed), little-endian', () => {
    const seed = new Uint8Array(32).map((_, i) => i);
    const digest = createHash('sha256')
      .update(Buffer.concat([Buffer.from('flopnet/v1/B'), Buffer.from([7, 1, 0, 0]), seed]))
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

  it('rowOfA(r) is element(r, 0..k) and colOfB(c) is element(0..k, c)', () => {
    const seed = new Uint8Array(32).fill(1);
    const a = matrixKey(seed, 'A', 4);
    const b = matrixKey(seed, 'B', 4);
    const row = rowOfA('bf16', a, 17, 50, new Float32Array(50));
    const col = colOfB('fp64', b, 23, 50);
    for (let l = 0; l < 50; l++) {
      expect(row[l]).toBe(element('bf16', a, 17, l));
      expect(col[l]).toBe(element('fp64', b, l, 23));
    }
    // Rows longer than one generator block continue the counter across blocks.
    const long = colOfB('fp32', b, 9, PHILOX_BLOCK + 3);
    for (const l of [0, PHILOX_BLOCK - 1, PHILOX_BLOCK, PHILOX_BLOCK + 2]) expect(long[l]).toBe(element('fp32', b, l, 9));
  });
});

describe('docs/protocol.md §14 test vectors', () => {
  const seed = new Uint8Array(32).map((_, i) => i);
  it('keys and the Philox words of A_0[1, 2]', () => {
    expect(matrixKey(seed, 'A', 0)).toEqual({ k0: 0xecf873a3, k1: 0x4dde5f01 });
    expect(matrixKey(seed, 'B', 0)).toEqual({ k0: 0xe080dbe5, k1: 0x9c8a01be });
    expect(matrixKey(seed, 'A', 1)).toEqual({ k0: 0x7b8f89c7, k1: 0x2aab2041 });
    expect(Array.from(philox([2, 1, 0, 0], [0xecf873a3, 0x4dde5f01]))).toEqual([0x39f73275, 0x3f0fc870, 0xb62b0b2e, 0x733418d8]);
  });

  it.each([
    ['fp64', -1.6165232590648244, -0.6231673772784683, 0.9114267539016512],
    ['fp32', -1.6165236234664917, -0.6231672763824463, 0.9114269614219666],
    ['tf32', -1.6162109375, -0.623046875, 0.9111328125],
    ['bf16', -1.609375, -0.62109375, 0.91015625],
    ['fp16', -1.6162109375, -0.623046875, 0.9111328125],
    ['fp8', -1.5, -0.5625, 0.875],
  ] as const)('%s elements', (precision, a00, a12, b30) => {
    const a = matrixKey(seed, 'A', 0);
    const b = matrixKey(seed, 'B', 0);
    expect([element(precision, a, 0, 0), element(precision, a, 1, 2), element(precision, b, 3, 0)]).toEqual([a00, a12, b30]);
    // The same values from the independent rule above.
    expect([specElement(precision, a, 0, 0), specElement(precision, a, 1, 2), specElement(precision, b, 3, 0)]).toEqual([a00, a12, b30]);
  });
});
