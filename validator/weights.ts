/**
 * Scores → the weight vector a validator submits: one weight per uid, shaped by the subnet's rules
 * (max_weight_limit, min_allowed_weights) and quantised to u16 as the chain expects, with the chain
 * client's SDK-compatible normalizeMaxWeight and convertWeightsForEmit. Pure.
 *
 * Differences from the Python SDK's process_weights_for_netuid, on purpose:
 * - all-zero scores set nothing (or everything to the burn uid) instead of uniform weights, which
 *   would pay cheaters;
 * - too few non-zero weights are padded with explicit ZERO entries (the chain counts entries, not
 *   non-zero values), where the SDK adds 1e-5 to every uid and so leaks weight to cheaters.
 */
import { readFileSync } from 'node:fs';
import type { Metagraph } from '../shared/chain/types.js';
import { convertWeightsForEmit, normalizeMaxWeight, U16_MAX } from '../shared/chain/weights.js';
import type { Incentives } from './incentives.js';
import type { ScoreLookup } from './scores.js';

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
export function scoresToWeights(scores: ScoreLookup, metagraph: Metagraph, incentives: Incentives): Float64Array | undefined {
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

export interface EmitWeights {
  uids: number[];
  /** u16 values, the largest 65535. */
  values: number[];
}

/**
 * The weights to submit: max_weight_limit applied to the earners (over every uid only when the earners
 * alone cannot satisfy it), quantised to u16 as the SDK does, then padded with zero entries up to the
 * subnet's minimum count (lowest uids first), in uid order.
 */
export function weightsForEmit(weights: Float64Array, rules: WeightRules): EmitWeights {
  const limit = rules.maxWeightLimit / U16_MAX;
  const earners = Array.from(weights.keys()).filter((uid) => weights[uid]! > 0);
  const capOver = earners.length * limit > 1 ? earners : Array.from(weights.keys());
  const capped = normalizeMaxWeight(
    capOver.map((uid) => weights[uid]!),
    limit,
  );
  const emit = convertWeightsForEmit(capOver, capped);
  const needed = Math.min(rules.minAllowedWeights, weights.length);
  // capOver is in uid order and so is what convertWeightsForEmit keeps of it: only padding reorders.
  if (emit.uids.length >= needed) return emit;
  const present = new Set(emit.uids);
  for (let uid = 0; uid < weights.length && emit.uids.length < needed; uid++) {
    if (present.has(uid)) continue;
    emit.uids.push(uid);
    emit.values.push(0);
  }
  const order = emit.uids.map((_, i) => i).sort((a, b) => emit.uids[a]! - emit.uids[b]!);
  return { uids: order.map((i) => emit.uids[i]!), values: order.map((i) => emit.values[i]!) };
}
