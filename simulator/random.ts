/**
 * The simulator's only source of randomness: xoshiro128** seeded through splitmix32, so a seed gives
 * the same run on every machine. Each draw is uniform in [0, 1) with 53 bits, so a verdict drawn
 * against a pass probability of 10⁻⁴⁶ cannot come out "pass" because a 32-bit draw happened to be 0.
 */
import type { RandomUnit } from '../shared/challenge/sizing.js';

export function seededRandom(seed: number): RandomUnit {
  let x = seed >>> 0;
  const splitmix = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return () => ((next() >>> 5) * 67_108_864 + (next() >>> 6)) / 9_007_199_254_740_992;
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
