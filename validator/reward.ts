/**
 * reward: a verified result is worth its verified TFLOPS times the class's reward weight from the
 * incentive config; anything else is worth nothing. Pure, as in the subnet template's reward.py.
 */
import type { Incentives } from './incentives.js';
import type { ChallengeResult } from './result.js';

export function reward(result: ChallengeResult, incentives: Incentives): number {
  if (result.verdict !== 'verified' || !result.challenge) return 0;
  const weight = incentives.classes[result.challenge.precision]?.reward ?? 0;
  const value = result.tflops * weight;
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** get_rewards: one reward per result, in order. */
export function getRewards(results: readonly ChallengeResult[], incentives: Incentives): number[] {
  return results.map((r) => reward(r, incentives));
}
