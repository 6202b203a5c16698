/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", Random123), the
 * counter-based generator that turns (key, counter) into four words with no state in between, so the
 * validator can regenerate any single matrix element on its own.
 *
 * JavaScript has no 32×32→64 multiply: the high word is computed in doubles from a 16-bit split of the
 * constant multiplier (every partial product stays below 2^53, so it is exact), the low word with Math.imul.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const M0_HI = M0 >>> 16;
const M0_LO = M0 & 0xffff;
const M1_HI = M1 >>> 16;
const M1_LO = M1 & 0xffff;
const TWO16 = 65536;

/**
 * Writes Philox4x32-10(counter = [c0, c1, c2, c3], key = [k0, k1]) into out[0..3]. All inputs are u32.
 * Hot path: no allocation, plain numbers.
 */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  for (let round = 0; round < 10; round++) {
    // hi/lo of M0·c0 and M1·c2.
    const t0 = M0_LO * c0;
    const hi0 = Math.floor((M0_HI * c0 + Math.floor(t0 / TWO16)) / TWO16);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const t1 = M1_LO * c2;
    const hi1 = Math.floor((M1_HI * c2 + Math.floor(t1 / TWO16)) / TWO16);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** Convenience form for tests and tools: returns the four output words. */
export function philox(counter: readonly [number, number, number, number], key: readonly [number, number]): Uint32Array {
  const out = new Uint32Array(4);
  philox4x32(counter[0] >>> 0, counter[1] >>> 0, counter[2] >>> 0, counter[3] >>> 0, key[0] >>> 0, key[1] >>> 0, out);
  return out;
}

/**
 * The same generator in WebAssembly for bulk generation (a whole row of A or column of B): wasm has a
 * 64-bit multiply, which makes it ~6× faster than the double-based one above, and that is what keeps the
 * validator's verification within its budget. Source (assembled by hand; checked against philox4x32 in
 * test/shared/challenge/philox.test.ts):
 *
 *   (func (export "philox") (param k0 k1 line from count i32)
 *     for i in 0..count:                            ;; call i of the block, 4 words at memory[16·i]
 *       (c0, c1, c2, c3) = (from + i, line, 0, 0);  (a, b) = (k0, k1)
 *       repeat 10:
 *         p0 = u64(c0) * 0xD2511F53;  p1 = u64(c2) * 0xCD9E8D57
 *         (c0, c1, c2, c3) = (hi(p1) ^ c1 ^ a, lo(p1), hi(p0) ^ c3 ^ b, lo(p0))
 *         a += 0x9E3779B9;  b += 0xBB67AE85
 *       store c0, c1, c2, c3)
 *   (memory (export "memory") 16)                   ;; 1 MiB
 */
const PHILOX_WASM =
  'AGFzbQEAAAABCQFgBX9/f39/AAMCAQAFAwEAEAcTAgZtZW1vcnkCAAZwaGlsb3gAAArJAQHGAQIJfwJ+QQAhBUEAIQ0CQANAIAUgBE8NASADIAVqIQYgAiEHQQAhCEEAIQkgACEKIAEhC0EKIQwDQCAGrULTvsSSDX4hDiAIrULXmvrsDH4hDyAPQiCIpyAHcyAKcyEGIA+nIQcgDkIgiKcgCXMgC3MhCCAOpyEJIApBufPd8XlqIQogC0GF3Z7be2ohCyAMQQFrIgwNAAsgDSAGNgIAIA0gBzYCBCANIAg2AgggDSAJNgIMIA1BEGohDSAFQQFqIQUMAAsLCw==';

interface PhiloxExports {
  memory: { buffer: ArrayBuffer };
  philox(k0: number, k1: number, line: number, from: number, count: number): void;
}

// The project's lib settings (ES2023, no DOM) do not declare WebAssembly; Node provides it.
const { Module, Instance } = (globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: unknown } };
}).WebAssembly;
const wasm = new Instance(new Module(Buffer.from(PHILOX_WASM, 'base64'))).exports as PhiloxExports;
const wasmWords = new Uint32Array(wasm.memory.buffer);

/** Most Philox calls one philoxBlock call makes (4 words each must fit the module's 1 MiB). */
export const PHILOX_BLOCK = 65536;

/**
 * All four words of Philox4x32-10 for `count` ≤ PHILOX_BLOCK consecutive counters [from + i, line, 0, 0]
 * (docs/protocol.md §3.3: the calls along one line of a matrix). Call i's words are at 4i..4i+3 of the
 * returned view, which the next call overwrites.
 */
export function philoxBlock(k0: number, k1: number, line: number, from: number, count: number): Uint32Array {
  if (!(count >= 0 && count <= PHILOX_BLOCK)) throw new RangeError(`philoxBlock count ${count} outside 0..${PHILOX_BLOCK}`);
  wasm.philox(k0 | 0, k1 | 0, line | 0, from | 0, count);
  return wasmWords.subarray(0, 4 * count);
}
