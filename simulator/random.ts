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
  // The state lives in a typed array: a uint32 at or above 2³⁰ held in a closure variable is a heap
  // number, so each draw would allocate several (two draws per miner per round).
  const state = new Uint32Array(4);
  for (let i = 0; i < 4; i++) state[i] = splitmix();
  const next = (): number => {
    const a = state[0]!;
    const b = state[1]!;
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    const c = state[2]! ^ a;
    const d = state[3]! ^ b;
    state[1] = b ^ c;
    state[0] = a ^ d;
    state[2] = c ^ t;
    state[3] = rotl(d, 11);
    return result;
  };
  return () => ((next() >>> 5) * 67_108_864 + (next() >>> 6)) / 9_007_199_254_740_992;
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
