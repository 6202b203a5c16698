/**
 * How likely a cheating miner's round passes verification, from the protocol's own detection analysis
 * (docs/protocol.md §9) and its real constants (tolerance.ts τ and unit roundoff, openings.ts s and e).
 * The simulator draws a round's verdict from these instead of computing GEMMs: the verifier's behaviour
 * on each cheat is pinned by test/miner/backends/cpu.test.ts, and §9 states the rates.
 */
import { DEFAULT_ENTRIES_PER_ROW, DEFAULT_OPENED_ROWS } from '../shared/challenge/openings.js';
import { tau, UNIT_ROUNDOFF } from '../shared/challenge/tolerance.js';
import type { Precision } from '../shared/challenge/types.js';

/** erf by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5·10⁻⁷), for x ≥ 0. */
export function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return 1 - poly * Math.exp(-x * x);
}

/**
 * §9.1: a miner that invented `skipped` of its `rows` committed rows passes only if none of the
 * opened rows (distinct, uniform) is invented: C(rows − skipped, s) / C(rows, s).
 */
export function inventedRowsPass(rows: number, skipped: number, opened = DEFAULT_OPENED_ROWS): number {
  const s = Math.min(opened, rows);
  let p = 1;
  for (let i = 0; i < s && p > 0; i++) p *= Math.max(0, rows - skipped - i) / (rows - i);
  return p;
}

/** §9.2: the normalised error ρ of inputs rounded to q mantissa bits, in a dot product of length k. */
export function roundedInputsRho(precision: Precision, q: number, k: number): number {
  return 2 ** -q / (Math.sqrt(12) * UNIT_ROUNDOFF[precision] * Math.sqrt(k));
}

/** §9.2: fp16 accumulation rounds each partial sum to 11 significant bits instead of 24. */
export const FP16_ACCUMULATION_RHO = 2 ** 13 / Math.sqrt(6);

/** §9.2: one entry of normalised error |N(0, ρ²)| passes with erf(τ / (ρ√2)); a round needs all s·e. */
export function cheapPrecisionPass(precision: Precision, rho: number, k: number, entries = DEFAULT_OPENED_ROWS * DEFAULT_ENTRIES_PER_ROW): number {
  return erf(tau(precision, k) / (rho * Math.SQRT2)) ** entries;
}
