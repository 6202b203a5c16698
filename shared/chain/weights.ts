/**
 * From a validator's float scores to the u16 weights `set_weights` takes, as the Python SDK does it
 * (`bittensor/utils/weight_utils.py`), so a flopnet validator weights miners the way a Python one would:
 *
 *   processWeightsForNetuid  keep positive weights, respect min_allowed_weights and max_weight_limit
 *   convertWeightsForEmit    divide by the max, × 65535, round, drop zeros
 *
 * Pure functions; float64 where numpy used float32, so results may differ from the SDK in the last
 * bit of a float, never in a way that changes a u16 except at exact .5 boundaries.
 */

export const U16_MAX = 65535;

function check(uids: readonly number[], weights: readonly number[]): void {
  if (uids.length !== weights.length) throw new RangeError(`uids (${uids.length}) and weights (${weights.length}) differ in length`);
  for (const u of uids) if (!Number.isInteger(u) || u < 0 || u > U16_MAX) throw new RangeError(`uid ${u} is not a u16`);
  for (const w of weights) if (!Number.isFinite(w) || w < 0) throw new RangeError(`weight ${w} is not a finite non-negative number`);
}

/** Python's round(): to nearest, ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * `convert_weights_and_uids_for_emit`: max-upscale to u16 and drop the uids whose value rounds to 0.
 * All-zero input gives empty lists (nothing to set).
 */
export function convertWeightsForEmit(uids: readonly number[], weights: readonly number[]): { uids: number[]; values: number[] } {
  check(uids, weights);
  const max = weights.reduce((m, w) => Math.max(m, w), 0);
  const out = { uids: [] as number[], values: [] as number[] };
  if (max === 0) return out;
  for (let i = 0; i < uids.length; i++) {
    const value = roundHalfEven((weights[i]! / max) * U16_MAX);
    if (value !== 0) {
      out.uids.push(uids[i]!);
      out.values.push(value);
    }
  }
  return out;
}

/**
 * `normalize_max_weight`: normalise to sum 1 so that no entry exceeds `limit`, cutting the largest
 * entries down to a common cap. When the limit cannot be met (n × limit ≤ 1) the result is uniform.
 */
export function normalizeMaxWeight(x: readonly number[], limit = 0.1): number[] {
  const epsilon = 1e-7;
  const n = x.length;
  const sum = x.reduce((a, b) => a + b, 0);
  if (n === 0) return [];
  if (sum === 0 || n * limit <= 1) return x.map(() => 1 / n);
  // A vector already within the limit is returned before anything is sorted.
  if (x.reduce((max, v) => Math.max(max, v / sum), -Infinity) <= limit) return x.map((v) => v / sum);
  // A typed array sorts numbers natively, without a comparator call per comparison.
  const estimation = Float64Array.from(x).sort().map((v) => v / sum);
  const cumsum: number[] = [];
  estimation.reduce((acc, e, i) => (cumsum[i] = acc + e), 0);
  const estimationSum = estimation.map((e, i) => (n - i - 1) * e);
  const nValues = estimation.filter((e, i) => e / (estimationSum[i]! + cumsum[i]! + epsilon) < limit).length;
  const cutoffScale = (limit * cumsum[nValues - 1]! - epsilon) / (1 - limit * (n - nValues));
  const cutoff = cutoffScale * sum;
  const capped = x.map((v) => (v > cutoff ? cutoff : v));
  const cappedSum = capped.reduce((a, b) => a + b, 0);
  // With subnormal inputs the cutoff underflows to zero and numpy would return NaN; uniform is the
  // limit-respecting answer the chain accepts.
  if (!(cappedSum > 0)) return x.map(() => 1 / n);
  return capped.map((v) => v / cappedSum);
}

/** numpy's default (linear) quantile of a non-empty list. */
function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export interface ProcessWeightsInput {
  uids: readonly number[];
  weights: readonly number[];
  /** Number of uids on the subnet (metagraph.n). */
  n: number;
  /** The subnet's `MinAllowedWeights`. */
  minAllowedWeights: number;
  /** `MaxWeightsLimit / 65535` (1 at HEAD, where the limit is fixed at 65535). */
  maxWeightLimit: number;
  /** u16 quantile of the smallest positive weights to drop (SDK default 0). */
  excludeQuantile?: number;
}

/**
 * `process_weights_for_netuid`: the uids and float weights a validator should emit.
 * - no positive weight, or fewer uids on the subnet than min_allowed_weights: uniform over all n uids;
 * - fewer positive weights than min_allowed_weights: every uid gets 1e-5 plus its weight, normalised;
 * - otherwise: drop the lowest `excludeQuantile` (keeping at least min_allowed_weights), then normalise
 *   under max_weight_limit.
 */
export function processWeightsForNetuid(input: ProcessWeightsInput): { uids: number[]; weights: number[] } {
  const { uids, weights, n, minAllowedWeights, maxWeightLimit } = input;
  check(uids, weights);
  const nonZero = uids.map((u, i) => [u, weights[i]!] as const).filter(([, w]) => w > 0);
  const all = Array.from({ length: n }, (_, i) => i);
  if (nonZero.length === 0 || n < minAllowedWeights) {
    return { uids: all, weights: all.map(() => 1 / n) };
  }
  if (nonZero.length < minAllowedWeights) {
    const padded = all.map(() => 1e-5);
    for (const [u, w] of nonZero) if (u < n) padded[u] = padded[u]! + w;
    return { uids: all, weights: normalizeMaxWeight(padded, maxWeightLimit) };
  }
  const q = (input.excludeQuantile ?? 0) / U16_MAX;
  const maxExclude = Math.max(0, nonZero.length - minAllowedWeights) / nonZero.length;
  const lowest = quantile(
    nonZero.map(([, w]) => w),
    Math.min(q, maxExclude),
  );
  const kept = nonZero.filter(([, w]) => lowest <= w);
  return {
    uids: kept.map(([u]) => u),
    weights: normalizeMaxWeight(
      kept.map(([, w]) => w),
      maxWeightLimit,
    ),
  };
}
