/**
 * Fixed-point arithmetic with subtensor's rounding, on BigInt so results are bit-exact.
 *
 * A value is its raw integer: x × 2^32. That is the layout of substrate_fixed's I32F32, I96F32 and U96F32
 * (they differ only in integer range, which BigInt makes unbounded; Yuma's values stay far inside all of
 * them, so saturation never triggers and is not modelled). Rounding follows the `fixed` crate:
 * multiplication keeps the floor of the wide product (an arithmetic shift, so toward −∞), division
 * truncates toward zero, and conversion to an integer floors.
 */

/** A fixed-point number with 32 fractional bits, as its raw integer (value × 2^32). */
export type Fixed = bigint;

export const FRAC_BITS = 32n;
export const ONE: Fixed = 1n << FRAC_BITS;
export const ZERO: Fixed = 0n;
const U16_MAX = 65_535n;

/** An integer as fixed-point (`saturating_from_num` of an integer: exact). */
export function fromInt(x: bigint | number): Fixed {
  return BigInt(x) << FRAC_BITS;
}

/** a × b, floored to 32 fractional bits. */
export function mul(a: Fixed, b: Fixed): Fixed {
  return (a * b) >> FRAC_BITS;
}

/** a / b truncated toward zero; 0 when b is 0 (subtensor's `safe_div`). */
export function div(a: Fixed, b: Fixed): Fixed {
  return b === 0n ? 0n : (a << FRAC_BITS) / b;
}

/**
 * num / den as fixed-point, floored: the I64F64 quotient of two integers converted to I32F32
 * (`vec_fixed64_to_fixed32(normalize_64(..))` keeps floor(num × 2^64 / den) then drops 32 bits).
 */
export function ratio(num: bigint, den: bigint): Fixed {
  return den === 0n ? 0n : (num << FRAC_BITS) / den;
}

/** Integer part, floored, never negative (`saturating_to_num::<u64>()`). */
export function toUint(x: Fixed): bigint {
  return x <= 0n ? 0n : x >> FRAC_BITS;
}

/** A stored u16 proportion as fixed-point: u / 65535, truncated (`u16_proportion_to_fixed`). */
export function fromU16Proportion(u: number): Fixed {
  return (BigInt(u) << FRAC_BITS) / U16_MAX;
}

/** A proportion as its stored u16: ⌊x × 65535⌋, clamped to 0..65535 (`fixed_proportion_to_u16`). */
export function toU16Proportion(x: Fixed): number {
  if (x <= 0n) return 0;
  const u = (x * U16_MAX) >> FRAC_BITS;
  return u > U16_MAX ? 65_535 : Number(u);
}

/** The nearest float64, for display and for the one transcendental step (liquid alpha's exp). */
export function toNumber(x: Fixed): number {
  return Number(x) / 4_294_967_296;
}

/** A float64 as fixed-point, floored. */
export function fromNumber(f: number): Fixed {
  return BigInt(Math.floor(f * 4_294_967_296));
}

/** Σ x; fixed-point addition is exact, so the order does not matter. */
export function sum(xs: readonly Fixed[]): Fixed {
  let s = 0n;
  for (const x of xs) s += x;
  return s;
}

/** x / Σx element-wise; unchanged when the sum is 0 (`inplace_normalize`). */
export function normalize(xs: readonly Fixed[]): Fixed[] {
  const s = sum(xs);
  return s === 0n ? xs.slice() : xs.map((x) => div(x, s));
}
