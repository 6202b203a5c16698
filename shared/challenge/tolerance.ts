/**
 * When a result entry is close enough (docs/protocol.md §7).
 *
 * An entry c of a length-k dot product passes when |c − ref| ≤ τ·u·√k·√(Σ_l (a_l b_l)²), with u the unit
 * roundoff of the class's accumulation and ref computed here in fp64 (compensated for the fp64 class).
 * √k·u·‖a∘b‖ is the probabilistic size of an honest rounding error; a cheaper input type adds an error
 * ≈ 2^-q·‖a∘b‖ that does not shrink with u, which is what the factor τ separates.
 *
 * τ per class comes from honest error measured on an H100 (shared/research/precision-calibration.md).
 * Tensor-core classes accumulate with fewer roundings to nearest, so their honest error grows faster than
 * √k: τ(k) = τ₀·(max(k, 4096)/4096)^γ with γ = 1/4, which kept ≥ 2.3× above every honest entry measured.
 */
import type { Precision } from './types.js';

/** Unit roundoff of the accumulation type: binary64 for fp64, binary32 for every other class. */
export const UNIT_ROUNDOFF: Readonly<Record<Precision, number>> = {
  fp64: 2 ** -53,
  fp32: 2 ** -24,
  tf32: 2 ** -24,
  bf16: 2 ** -24,
  fp16: 2 ** -24,
  fp8: 2 ** -24,
};

export interface TauModel {
  /** τ at k ≤ pivotK. */
  readonly base: number;
  /** Growth exponent in k above pivotK (0 = flat). */
  readonly exponent: number;
  readonly pivotK: number;
}

export const TAU: Readonly<Record<Precision, TauModel>> = {
  fp64: { base: 8, exponent: 0, pivotK: 4096 },
  fp32: { base: 6, exponent: 0, pivotK: 4096 },
  tf32: { base: 32, exponent: 0.25, pivotK: 4096 },
  bf16: { base: 16, exponent: 0.25, pivotK: 4096 },
  fp16: { base: 24, exponent: 0.25, pivotK: 4096 },
  fp8: { base: 32, exponent: 0.25, pivotK: 4096 },
};

export function tau(precision: Precision, k: number): number {
  const model = TAU[precision];
  return model.base * Math.pow(Math.max(k, model.pivotK) / model.pivotK, model.exponent);
}

/** The largest |c − ref| accepted for an entry of inner dimension k whose products have Σ(a_l b_l)² = sumSquares. */
export function entryBound(precision: Precision, k: number, sumSquares: number): number {
  return tau(precision, k) * UNIT_ROUNDOFF[precision] * Math.sqrt(k) * Math.sqrt(sumSquares);
}

export interface Reference {
  /** The dot product, accurate to well below the class's tolerance. */
  readonly value: number;
  /** Σ_l (a_l b_l)², the scale of the tolerance. */
  readonly sumSquares: number;
}

const SPLITTER = 134217729; // 2^27 + 1 (Veltkamp)

/**
 * Σ_l a_l b_l over the first k elements. Below fp64 every product of two class values is exact in a double
 * (at most 48 significant bits), so a plain fp64 sum is ~2^29 times tighter than any tolerance. For fp64 the
 * sum is Ogita–Rump–Oishi Dot2 (TwoProduct by Dekker's split, TwoSum), as accurate as double-double.
 */
export function referenceDot(precision: Precision, a: ArrayLike<number>, b: ArrayLike<number>, k: number): Reference {
  let sumSquares = 0;
  if (precision !== 'fp64') {
    let sum = 0;
    for (let l = 0; l < k; l++) {
      const p = a[l]! * b[l]!;
      sum += p;
      sumSquares += p * p;
    }
    return { value: sum, sumSquares };
  }
  let s = 0;
  let c = 0;
  for (let l = 0; l < k; l++) {
    const x = a[l]!;
    const y = b[l]!;
    const p = x * y;
    // TwoProduct: p + e = x·y exactly.
    let t = SPLITTER * x;
    const xh = t - (t - x);
    const xl = x - xh;
    t = SPLITTER * y;
    const yh = t - (t - y);
    const yl = y - yh;
    const e = xl * yl - (((p - xh * yh) - xl * yh) - xh * yl);
    // TwoSum: s' + f = s + p exactly.
    const sn = s + p;
    const z = sn - s;
    const f = (s - (sn - z)) + (p - z);
    s = sn;
    c += f + e;
    sumSquares += p * p;
  }
  return { value: s + c, sumSquares };
}
