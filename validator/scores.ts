/**
 * Miner scores: an exponential moving average of rewards, keyed by HOTKEY, never by position.
 *
 * The subnet template keys scores by uid and zeroes replaced hotkeys in resync; keying by hotkey makes
 * the rule structural: a new hotkey on an old uid has no entry, so it starts from zero, and a score can
 * never be credited to the wrong miner after a re-registration. Pure; the store persists the result.
 */
import type { Metagraph } from '../shared/chain/types.js';
import type { FailureAction, Incentives } from './incentives.js';
import type { Verdict } from './result.js';

export interface ScoreEntry {
  hotkey: string;
  uid: number;
  score: number;
  /** Round of the last update. */
  round: number;
}

export type Scores = ReadonlyMap<string, ScoreEntry>;

export interface ScoreUpdate {
  hotkey: string;
  uid: number;
  reward: number;
  verdict: Verdict;
}

function actionFor(verdict: Verdict, incentives: Incentives): FailureAction | 'ema' | 'keep' {
  switch (verdict) {
    case 'verified':
      return 'ema';
    case 'excused':
      return 'keep';
    case 'failed':
      return incentives.failure.failedProof;
    case 'no_answer':
      return incentives.failure.noAnswer;
    case 'unreachable':
      return incentives.failure.unreachable;
  }
}

/**
 * update_scores: score ← α·reward + (1 − α)·score for a verified result; a failure applies the
 * config's policy (`zero` wipes the score, `decay` averages in a reward of 0). Hotkeys not in
 * `updates` keep their scores. A non-finite or negative reward counts as 0.
 */
export function updateScores(scores: Scores, updates: readonly ScoreUpdate[], round: number, incentives: Incentives): Map<string, ScoreEntry> {
  const next = new Map(scores);
  const alpha = incentives.ema.alpha;
  for (const u of updates) {
    const previous = next.get(u.hotkey)?.score ?? 0;
    const value = Number.isFinite(u.reward) && u.reward > 0 ? u.reward : 0;
    const action = actionFor(u.verdict, incentives);
    if (action === 'keep') continue;
    const score = action === 'zero' ? 0 : alpha * (action === 'ema' ? value : 0) + (1 - alpha) * previous;
    next.set(u.hotkey, { hotkey: u.hotkey, uid: u.uid, score, round });
  }
  return next;
}

/**
 * resync_metagraph: drops hotkeys that left the subnet (a replaced uid's old hotkey) and follows
 * each remaining hotkey to its current uid.
 */
export function resyncScores(scores: Scores, metagraph: Metagraph): Map<string, ScoreEntry> {
  const uidOf = new Map(metagraph.neurons.map((n) => [n.hotkey, n.uid]));
  const next = new Map<string, ScoreEntry>();
  for (const entry of scores.values()) {
    const uid = uidOf.get(entry.hotkey);
    if (uid !== undefined) next.set(entry.hotkey, uid === entry.uid ? entry : { ...entry, uid });
  }
  return next;
}
