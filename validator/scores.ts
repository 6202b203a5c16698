/**
 * Miner scores: per class, an exponential moving average of the TFLOPS credited at that class; the
 * score is what those averages are worth under the config (reward.ts classScore). Keyed by HOTKEY,
 * never by position.
 *
 * Per class, because a round measures one class: an average over whatever classes happened to be drawn
 * would move with the draw, and a miner that reported only its best class would be asked only that.
 * The class is drawn from the owner's config alone, a round updates only the class it drew, and a class
 * the miner cannot or will not do averages in a 0 for that class: hiding a class never pays.
 *
 * The subnet template keys scores by uid and zeroes replaced hotkeys in resync; keying by hotkey makes
 * the rule structural: a new hotkey on an old uid has no entry, so it starts from zero, and a score can
 * never be credited to the wrong miner after a re-registration. Pure; the store persists the result.
 */
import type { Metagraph } from '../shared/chain/types.js';
import { PRECISIONS } from '../shared/challenge/types.js';
import type { FailureAction, Incentives } from './incentives.js';
import { classScore, type ClassTflops } from './reward.js';
import type { ChallengeResult } from './result.js';

export interface ScoreEntry {
  hotkey: string;
  uid: number;
  /** What the averages are worth: Σ reward[class] × ema[class] over the classes the config pays for. */
  score: number;
  /** Moving average (EMA) of credited TFLOPS per class; a class never measured is absent (0). */
  ema: ClassTflops;
  /** Round of the last update. */
  round: number;
}

export type Scores = ReadonlyMap<string, ScoreEntry>;

/** What scoring reads of a result. */
export type ScoreUpdate = Pick<ChallengeResult, 'hotkey' | 'uid' | 'verdict' | 'tflops' | 'reason' | 'precision' | 'challenge'>;

/**
 * Reasons that say the miner will not or cannot run the class drawn: its device report lacks it, or it
 * refused the challenge as unsupported. That class counts 0 (decay) whatever the failure policy says:
 * declining is not a fault, and it must not be a free pass either.
 */
export const DECLINED_CLASS_REASONS: ReadonlySet<string> = new Set(['unsupported_class', 'E_UNSUPPORTED']);

type Action = 'ema' | 'keep' | FailureAction;

function actionFor(update: ScoreUpdate, incentives: Incentives): Action {
  if (update.verdict === 'no_answer' && DECLINED_CLASS_REASONS.has(update.reason)) return 'decay';
  switch (update.verdict) {
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
 * update_scores, per class: for the class the round drew, ema ← α·credited + (1 − α)·ema when
 * verified, or apply the failure policy: `decay` averages in a 0 for that class, `zero` wipes every
 * class (the miner re-earns from zero). An `excused` result changes nothing. Hotkeys not in `updates`
 * keep their scores. A non-finite or negative credit counts as 0. A failure whose class is unknown
 * (rows from before per-class scoring) decays every class: never a free pass.
 */
export function updateScores(scores: Scores, updates: readonly ScoreUpdate[], round: number, incentives: Incentives): Map<string, ScoreEntry> {
  const next = new Map(scores);
  for (const u of updates) {
    const old = next.get(u.hotkey);
    const entry = updateScore(old && { ...old, ema: { ...old.ema } }, u, round, incentives);
    if (entry) next.set(u.hotkey, entry);
  }
  return next;
}

/**
 * update_scores for one miner: `entry` (its score before, or undefined) is changed in place and
 * returned, or a new entry when it had none; undefined when the result changes nothing and it had
 * none. For callers that own their entries and apply millions of updates (`flopnet simulate`): no
 * map to look the miner up in, and no new object once its classes have been measured (copies that
 * lived until the miner's next round were most of the simulator's garbage). updateScores is this on
 * copies.
 */
export function updateScore(entry: ScoreEntry | undefined, u: ScoreUpdate, round: number, incentives: Incentives): ScoreEntry | undefined {
  const action = actionFor(u, incentives);
  if (action === 'keep') return entry;
  const alpha = incentives.ema.alpha;
  const previous = entry?.ema ?? NEVER_MEASURED;
  const precision = u.precision ?? u.challenge?.precision;
  const credited = action === 'ema' && Number.isFinite(u.tflops) && u.tflops > 0 ? u.tflops : 0;
  let ema = previous;
  if (action !== 'zero' && precision !== undefined && previous[precision] !== undefined) {
    // The common case, a class measured before: one value changed.
    ema[precision] = (action === 'ema' ? alpha * credited : 0) + (1 - alpha) * previous[precision]!;
  } else {
    ema = {};
    if (action !== 'zero') {
      // Keys in PRECISIONS order whatever order classes were first measured in, so every miner's
      // averages end up with one object shape (the simulator updates millions of them).
      for (const p of PRECISIONS) {
        const old = previous[p];
        if (p === precision) ema[p] = (action === 'ema' ? alpha * credited : 0) + (1 - alpha) * (old ?? 0);
        else if (old !== undefined) ema[p] = precision === undefined ? (1 - alpha) * old : old;
      }
    }
  }
  const score = classScore(ema, incentives);
  if (!entry) return { hotkey: u.hotkey, uid: u.uid, score, ema, round };
  entry.uid = u.uid;
  entry.score = score;
  entry.ema = ema;
  entry.round = round;
  return entry;
}

const NEVER_MEASURED: ClassTflops = Object.freeze({});

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
