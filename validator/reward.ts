/**
 * reward: what verified compute is worth under the incentive config. A verified result is worth its
 * credited TFLOPS times its class's reward; anything else nothing. A miner's score is the same price
 * list applied to its averaged compute: Σ over the classes the subnet pays for of reward × the moving
 * average of its credited TFLOPS at that class. Pure, as in the subnet template's reward.py.
 */
import type { Precision } from '../shared/challenge/types.js';
import { paidClasses, type Incentives } from './incentives.js';
import type { ChallengeResult } from './result.js';

/** TFLOPS per class (absent: never measured, worth 0). */
export type ClassTflops = Partial<Record<Precision, number>>;

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

/**
 * A miner's score from its per-class averages: Σ reward[class] × ema[class] over the classes the
 * subnet pays for. A class the miner never showed counts 0, so hiding one never raises the sum.
 */
export function classScore(ema: ClassTflops, incentives: Incentives): number {
  let score = 0;
  for (const [precision, c] of paidClasses(incentives)) score += classWorth(c.reward, ema[precision]);
  return score;
}

/** What one class's average adds to a score: reward × TFLOPS; never measured, non-finite or not above 0: nothing. */
export function classWorth(reward: number, tflops: number | undefined): number {
  return tflops !== undefined && Number.isFinite(tflops) && tflops > 0 ? reward * tflops : 0;
}
