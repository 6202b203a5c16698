/**
 * Scores → the weight vector a validator submits: one weight per uid, shaped by the subnet's rules
 * (max_weight_limit, min_allowed_weights) and quantised to u16 as the chain expects. Pure.
 *
 * Differences from the Python SDK's process_weights_for_netuid, on purpose:
 * - all-zero scores set nothing (or everything to the burn uid) instead of uniform weights, which
 *   would pay cheaters;
 * - too few non-zero weights are padded with explicit ZERO entries (the chain counts entries, not
 *   non-zero values), where the SDK adds 1e-5 to every uid and so leaks weight to cheaters.
 */
import { readFileSync } from 'node:fs';
import type { Metagraph } from '../shared/chain/types.js';
import type { Incentives } from './incentives.js';
import type { Scores } from './scores.js';

const U16_MAX = 65535;

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The version key this validator sends with its weights: major·10⁶ + minor·10³ + patch of flopnet's
 * version, as the SDK's version_as_int. A subnet owner raises the subnet's WeightsVersionKey above it
 * to refuse weights from validators that still run an older scoring.
 */
export function versionKey(semver: string = version): number {
  const [major = 0, minor = 0, patch = 0] = semver.split(/[.+-]/).slice(0, 3).map((p) => Number.parseInt(p, 10) || 0);
  return major * 1_000_000 + minor * 1_000 + patch;
}
export const WEIGHTS_VERSION_KEY = versionKey();

export interface WeightRules {
  /** Fewest entries the chain accepts: min(MinAllowedWeights, number of uids). */
  minAllowedWeights: number;
  /** Largest share one uid may hold, as the chain's u16 MaxWeightsLimit (65535 = no limit). */
  maxWeightLimit: number;
}

/**
 * Float weights per uid (index = uid), summing to 1: weight ∝ score^exponent, then the burn share to
 * the owner's uid. `undefined` when there is nothing to pay (no score above zero and no burn uid).
 */
export function scoresToWeights(scores: Scores, metagraph: Metagraph, incentives: Incentives): Float64Array | undefined {
  const size = metagraph.neurons.reduce((max, n) => Math.max(max, n.uid + 1), 0);
  const weights = new Float64Array(size);
  for (const neuron of metagraph.neurons) {
    const score = scores.get(neuron.hotkey)?.score ?? 0;
    if (Number.isFinite(score) && score > 0) weights[neuron.uid] = score ** incentives.normalization.exponent;
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const burn = incentives.burn && incentives.burn.uid < size && incentives.burn.share > 0 ? incentives.burn : undefined;
  if (!(total > 0) || !Number.isFinite(total)) {
    if (!burn) return undefined;
    weights.fill(0);
    weights[burn.uid] = 1;
    return weights;
  }
  const minerShare = burn ? 1 - burn.share : 1;
  for (let uid = 0; uid < size; uid++) weights[uid] = (weights[uid]! / total) * minerShare;
  if (burn) weights[burn.uid] = weights[burn.uid]! + burn.share;
  return weights;
}

/**
 * Caps every weight at `limit` of the total by water-filling: the largest weights are cut to a common
 * cutoff and the excess is spread over the rest in proportion. Returns weights summing to 1.
 */
export function capMaxWeight(weights: readonly number[], limit: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return weights.map(() => 0);
  const normalized = weights.map((w) => w / total);
  if (limit >= 1 || Math.max(...normalized) <= limit) return normalized;
  const nonZero = normalized.filter((w) => w > 0).length;
  if (nonZero * limit <= 1 + 1e-12) {
    // The non-zero entries alone cannot satisfy the cap: each gets `limit`, the zeros share the rest;
    // when even that is impossible, uniform weights are the closest the chain accepts.
    const zeros = normalized.length - nonZero;
    const leftover = 1 - nonZero * limit;
    if (zeros === 0 || leftover <= 0) return normalized.map((w) => (w > 0 ? 1 / nonZero : 0));
    if (leftover / zeros > limit) return normalized.map(() => 1 / normalized.length);
    return normalized.map((w) => (w > 0 ? limit : leftover / zeros));
  }
  const sorted = [...normalized].sort((a, b) => b - a);
  // Sums of the entries after each position, added from the small end to keep their precision.
  const after = new Array<number>(sorted.length).fill(0);
  for (let i = sorted.length - 2; i >= 0; i--) after[i] = after[i + 1]! + sorted[i + 1]!;
  for (let capped = 1; capped <= sorted.length; capped++) {
    // The `capped` largest entries cut to c, where c = limit · (capped·c + rest).
    const cutoff = (limit * after[capped - 1]!) / (1 - capped * limit);
    if ((sorted[capped] ?? 0) <= cutoff) {
      const clipped = normalized.map((w) => Math.min(w, cutoff));
      const sum = clipped.reduce((a, b) => a + b, 0);
      return clipped.map((w) => w / sum);
    }
  }
  return normalized;
}

export interface EmitWeights {
  uids: number[];
  /** u16 values, the largest 65535. */
  values: number[];
}

/** Float weights (sum 1) → u16, max scaled to 65535, zeros dropped (the SDK's convert_weights_and_uids_for_emit). */
function toU16(weights: readonly number[]): EmitWeights {
  const max = Math.max(0, ...weights);
  const uids: number[] = [];
  const values: number[] = [];
  if (!(max > 0)) return { uids, values };
  weights.forEach((w, uid) => {
    const value = Math.round((w / max) * U16_MAX);
    if (value > 0) {
      uids.push(uid);
      values.push(value);
    }
  });
  return { uids, values };
}

/**
 * The weights to submit: the cap applied, quantised to u16, then padded with zero entries up to the
 * subnet's minimum count (lowest uids first, skipping ones already present), in uid order.
 */
export function weightsForEmit(weights: Float64Array, rules: WeightRules): EmitWeights {
  const capped = capMaxWeight(Array.from(weights), rules.maxWeightLimit / U16_MAX);
  const emit = toU16(capped);
  const needed = Math.min(rules.minAllowedWeights, weights.length);
  const present = new Set(emit.uids);
  for (let uid = 0; uid < weights.length && emit.uids.length < needed; uid++) {
    if (present.has(uid)) continue;
    emit.uids.push(uid);
    emit.values.push(0);
  }
  const order = emit.uids.map((_, i) => i).sort((a, b) => emit.uids[a]! - emit.uids[b]!);
  return { uids: order.map((i) => emit.uids[i]!), values: order.map((i) => emit.values[i]!) };
}
