/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", Random123), the
 * counter-based generator that turns (key, counter) into four words with no state in between, so the
 * validator can regenerate any single matrix element on its own. This is the reference, one call at a
 * time; whole lines come from the SIMD generator of ./lines.ts, held to it bit for bit by its tests.
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
