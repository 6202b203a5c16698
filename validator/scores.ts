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
import { PRECISIONS, type Precision } from '../shared/challenge/types.js';
import { paidClasses, type FailureAction, type Incentives } from './incentives.js';
import { classScore, classWorth, type ClassTflops } from './reward.js';
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

/** What weights read of scores: a miner's score by hotkey (a Scores map is one; so is a ScoreTable). */
export interface ScoreLookup {
  get(hotkey: string): Pick<ScoreEntry, 'score'> | undefined;
}

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
  const alpha = incentives.ema.alpha;
  for (const u of updates) {
    const action = actionFor(u, incentives);
    if (action === 'keep') continue;
    const previous = next.get(u.hotkey)?.ema ?? {};
    const precision = u.precision ?? u.challenge?.precision;
    const credited = creditOf(u, action);
    let ema: ClassTflops = {};
    if (action !== 'zero' && precision !== undefined && previous[precision] !== undefined) {
      // The common case, a class measured before: a copy of the same shape with one value changed.
      ema = { ...previous };
      ema[precision] = classAfter(precision, previous[precision], action, precision, credited, alpha);
    } else {
      // Keys in PRECISIONS order whatever order classes were first measured in, so every miner's
      // averages end up with one object shape.
      for (const p of PRECISIONS) {
        const after = classAfter(p, previous[p], action, precision, credited, alpha);
        if (after !== undefined) ema[p] = after;
      }
    }
    next.set(u.hotkey, { hotkey: u.hotkey, uid: u.uid, score: classScore(ema, incentives), ema, round });
  }
  return next;
}

/** TFLOPS a result averages in for the class it drew: its credit when verified and finite, else 0. */
const creditOf = (u: ScoreUpdate, action: Action): number => (action === 'ema' && Number.isFinite(u.tflops) && u.tflops > 0 ? u.tflops : 0);

/**
 * One class's average after a round that drew `precision` (undefined: a row from before per-class
 * scoring) with `action`: the rule both updateScores and ScoreTable apply. Scalars, not an object: the
 * simulator calls it millions of times. undefined: absent (never measured, or wiped).
 */
function classAfter(
  p: Precision,
  old: number | undefined,
  action: Exclude<Action, 'keep'>,
  precision: Precision | undefined,
  credited: number,
  alpha: number,
): number | undefined {
  if (action === 'zero') return undefined;
  if (p === precision) return (action === 'ema' ? alpha * credited : 0) + (1 - alpha) * (old ?? 0);
  if (old === undefined) return undefined;
  return precision === undefined ? (1 - alpha) * old : old;
}

/**
 * The scores of many miners by index, in flat arrays, updated in place by update_scores' rule: for
 * callers that update thousands of miners every round and keep them all for the run (`flopnet
 * simulate`). In V8 a number stored in an object's property is a heap object of its own, so an entry
 * per miner made two objects per update that lived until that miner's next round, and copying them
 * out of the young generation was most of the simulator's garbage collection; here nothing an
 * update makes outlives it. Weights read it as they read a Scores map (ScoreLookup), and its entries come in
 * the order updateScores' map would hold them.
 */
export class ScoreTable {
  /** Per miner, the average per class in PRECISIONS order; NaN: never measured (absent from `ema`). */
  private readonly ema: Float64Array;
  private readonly scores: Float64Array;
  private readonly rounds: Float64Array;
  private readonly uids: Float64Array;
  /** Miners with an entry, in the order their entries were made. */
  private readonly made: number[] = [];
  private readonly indexOf: Map<string, number>;
  /** The paid classes of the last config seen, as (slot in PRECISIONS, reward). */
  private paid: { incentives?: Incentives; slots: number[]; rewards: number[] } = { slots: [], rewards: [] };

  constructor(private readonly hotkeys: readonly string[]) {
    this.ema = new Float64Array(hotkeys.length * PRECISIONS.length).fill(Number.NaN);
    this.scores = new Float64Array(hotkeys.length);
    this.rounds = new Float64Array(hotkeys.length).fill(Number.NaN);
    this.uids = new Float64Array(hotkeys.length);
    this.indexOf = new Map(hotkeys.map((h, i) => [h, i]));
  }

  /** updateScores for the miner at `index` (whose hotkey is `u.hotkey`), in place. */
  update(index: number, u: ScoreUpdate, round: number, incentives: Incentives): void {
    const action = actionFor(u, incentives);
    if (action === 'keep') return;
    if (!this.has(index)) this.made.push(index);
    const precision = u.precision ?? u.challenge?.precision;
    const credited = creditOf(u, action);
    const alpha = incentives.ema.alpha;
    const base = index * PRECISIONS.length;
    // A round with a class that wipes nothing moves that class alone (classAfter keeps the others).
    const only = action !== 'zero' && precision !== undefined ? PRECISIONS.indexOf(precision) : -1;
    const from = only < 0 ? 0 : only;
    const to = only < 0 ? PRECISIONS.length : only + 1;
    for (let c = from; c < to; c++) {
      const old = this.ema[base + c]!;
      const after = classAfter(PRECISIONS[c]!, Number.isNaN(old) ? undefined : old, action, precision, credited, alpha);
      this.ema[base + c] = after ?? Number.NaN;
    }
    const paid = this.paidOf(incentives);
    let score = 0;
    for (let i = 0; i < paid.slots.length; i++) score += classWorth(paid.rewards[i]!, this.ema[base + paid.slots[i]!]);
    this.scores[index] = score;
    this.uids[index] = u.uid;
    this.rounds[index] = round;
  }

  has(index: number): boolean {
    return !Number.isNaN(this.rounds[index]!);
  }

  /** The average at the class in `slot` of PRECISIONS; undefined: never measured. */
  tflops(index: number, slot: number): number | undefined {
    const t = this.ema[index * PRECISIONS.length + slot]!;
    return Number.isNaN(t) ? undefined : t;
  }

  score(index: number): number {
    return this.scores[index]!;
  }

  /** Indices of the miners with an entry, in the order their entries were made. */
  get order(): readonly number[] {
    return this.made;
  }

  entry(index: number): ScoreEntry | undefined {
    if (!this.has(index)) return undefined;
    const ema: ClassTflops = {};
    for (let slot = 0; slot < PRECISIONS.length; slot++) {
      const t = this.tflops(index, slot);
      if (t !== undefined) ema[PRECISIONS[slot]!] = t;
    }
    return { hotkey: this.hotkeys[index]!, uid: this.uids[index]!, score: this.scores[index]!, ema, round: this.rounds[index]! };
  }

  /** A miner's score by hotkey, as weights read it (ScoreLookup); the full entry is `entry`. */
  get(hotkey: string): Pick<ScoreEntry, 'score'> | undefined {
    const index = this.indexOf.get(hotkey);
    return index === undefined || !this.has(index) ? undefined : { score: this.scores[index]! };
  }

  private paidOf(incentives: Incentives) {
    if (this.paid.incentives !== incentives) {
      const paid = paidClasses(incentives);
      this.paid = { incentives, slots: paid.map(([p]) => PRECISIONS.indexOf(p)), rewards: paid.map(([, c]) => c.reward) };
    }
    return this.paid;
  }
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
