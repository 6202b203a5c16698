import { describe, expect, it } from 'vitest';
import { parseIncentives } from '../../validator/incentives.js';
import { resyncScores, ScoreTable, updateScores, type ScoreEntry, type ScoreUpdate } from '../../validator/scores.js';
import type { Verdict } from '../../validator/result.js';
import { PRECISIONS, type Precision } from '../../shared/challenge/types.js';
import type { Metagraph, Neuron } from '../../shared/chain/types.js';

const incentives = parseIncentives({ ema: { alpha: 0.5 } });
const twoClasses = parseIncentives({ ema: { alpha: 0.5 }, classes: { fp32: { draw: 1, reward: 1 }, bf16: { draw: 1, reward: 0.25 } } });

function neuron(uid: number, hotkey: string): Neuron {
  return {
    uid, hotkey, coldkey: 'c', active: true, stake: 0n,
    axon: { block: 1, version: 1, ip: '10.0.0.1', port: 1, ipType: 4, protocol: 4 },
    validatorPermit: false, rank: 0, trust: 0, consensus: 0, incentive: 0, dividends: 0, validatorTrust: 0,
    emission: 0n, lastUpdate: 0, blockAtRegistration: 0,
  };
}
const graph = (...hotkeys: string[]): Metagraph => ({ netuid: 1, block: 10, neurons: hotkeys.map((h, uid) => neuron(uid, h)) });

/** One round's result for miner `a` as scoring reads it. */
const update = (verdict: Verdict, tflops = 0, precision: Precision = 'fp32', reason = verdict === 'verified' ? 'ok' : 'x'): ScoreUpdate => ({
  hotkey: 'a', uid: 0, verdict, tflops, precision, reason,
});
const run = (updates: ScoreUpdate[], config = incentives): Map<string, ScoreEntry> =>
  updates.reduce((s, u, i) => updateScores(s, [u], i + 1, config), new Map<string, ScoreEntry>());

describe('update_scores', () => {
  it('is an EMA of credited TFLOPS starting from zero, worth reward × EMA', () => {
    let s = run([update('verified', 8)]);
    expect(s.get('a')).toMatchObject({ score: 4, ema: { fp32: 4 }, round: 1 });
    s = updateScores(s, [update('verified', 8)], 2, incentives);
    expect(s.get('a')).toMatchObject({ score: 6, ema: { fp32: 6 }, round: 2 });
  });

  it('keeps one EMA per class; a round moves only the class it drew; the score sums reward × EMA', () => {
    const s = run([update('verified', 8, 'fp32'), update('verified', 40, 'bf16'), update('verified', 8, 'fp32')], twoClasses);
    // fp32: 4 then 6 (the bf16 round left it alone); bf16: 20. Score 1·6 + 0.25·20.
    expect(s.get('a')!.ema).toEqual({ fp32: 6, bf16: 20 });
    expect(s.get('a')!.score).toBe(11);
  });

  it('zeroes every class on a failed proof; the miner re-earns from zero', () => {
    let s = run([update('verified', 8, 'fp32'), update('verified', 40, 'bf16'), update('failed', 0, 'fp32')], twoClasses);
    expect(s.get('a')).toMatchObject({ score: 0, ema: {} });
    s = updateScores(s, [update('verified', 8)], 4, twoClasses);
    expect(s.get('a')!.score).toBe(4);
  });

  it('decays only the class drawn when there was no answer or no connection, by default', () => {
    const before = run([update('verified', 8, 'fp32'), update('verified', 40, 'bf16')], twoClasses);
    for (const verdict of ['no_answer', 'unreachable'] as const) {
      const after = updateScores(before, [update(verdict, 0, 'bf16')], 3, twoClasses).get('a')!;
      expect(after.ema).toEqual({ fp32: 4, bf16: 10 });
      expect(after.score).toBe(4 + 2.5);
    }
  });

  it('follows the configured policy', () => {
    const s = run([update('verified', 8)]);
    const strict = parseIncentives({ ema: { alpha: 0.5 }, failure: { noAnswer: 'zero', failedProof: 'decay' } });
    expect(updateScores(s, [update('no_answer')], 2, strict).get('a')!.score).toBe(0);
    expect(updateScores(s, [update('failed')], 2, strict).get('a')!.score).toBe(2);
  });

  // Issue 13, finding 6: under the old default (no answer → zero) one late root reset months of score.
  it('regression: one late round no longer resets the EMA; a failed proof still does', () => {
    const config = parseIncentives({});
    const steady = run(Array.from({ length: 200 }, () => update('verified', 100)), config);
    const score = steady.get('a')!.score;
    expect(score).toBeCloseTo(100, 6);
    const late = updateScores(steady, [update('no_answer', 0, 'fp32', 'late')], 201, config);
    expect(late.get('a')!.score).toBeCloseTo(90, 6);
    const failed = updateScores(steady, [update('failed', 0, 'fp32', 'out_of_tolerance')], 201, config);
    expect(failed.get('a')!.score).toBe(0);
    // 22 honest rounds later: back above 99 % after the late root; at 90 % after a reset.
    const after = (from: Map<string, ScoreEntry>) =>
      Array.from({ length: 22 }, () => update('verified', 100)).reduce((s, u, i) => updateScores(s, [u], 202 + i, config), from).get('a')!.score;
    expect(after(late)).toBeGreaterThan(99);
    expect(after(failed)).toBeLessThan(91);
  });

  it('leaves the score untouched for an excused refusal (busy with the slot owner, outside the sender slot)', () => {
    const s = run([update('verified', 8)]);
    const after = updateScores(s, [update('excused', 0, 'fp32', 'E_BUSY')], 2, incentives);
    expect(after.get('a')).toEqual(s.get('a'));
    // Nor does it create an entry for a miner never scored.
    expect(updateScores(new Map(), [update('excused', 0, 'fp32', 'E_BUSY')], 1, incentives).has('a')).toBe(false);
  });

  it('counts a class the miner will not or cannot run as 0 for that class, whatever the no-answer policy', () => {
    const strict = parseIncentives({ ema: { alpha: 0.5 }, failure: { noAnswer: 'zero' }, classes: { fp32: { draw: 1, reward: 1 }, bf16: { draw: 1, reward: 0.25 } } });
    const s = run([update('verified', 8, 'fp32'), update('verified', 40, 'bf16')], strict);
    for (const reason of ['unsupported_class', 'E_UNSUPPORTED']) {
      expect(updateScores(s, [update('no_answer', 0, 'bf16', reason)], 3, strict).get('a')!.ema).toEqual({ fp32: 4, bf16: 10 });
    }
  });

  it('never lets hiding a class pay: the same device scores less when it declines a paid class', () => {
    // The same sequence of draws for both; the one that hides bf16 declines it whenever it is drawn.
    const draws: Precision[] = ['fp32', 'bf16', 'bf16', 'fp32', 'bf16', 'fp32', 'fp32', 'bf16'];
    const all = run(draws.map((p) => update('verified', p === 'fp32' ? 8 : 40, p)), twoClasses).get('a')!.score;
    const hiding = run(draws.map((p) => (p === 'fp32' ? update('verified', 8, p) : update('no_answer', 0, p, 'unsupported_class'))), twoClasses).get('a')!.score;
    expect(hiding).toBeLessThan(all);
  });

  it('decays every class of a failure whose class is unknown (a row from before per-class scoring)', () => {
    const s = run([update('verified', 8, 'fp32'), update('verified', 40, 'bf16')], twoClasses);
    const { precision: _, ...noClass } = update('no_answer');
    expect(updateScores(s, [noClass], 3, twoClasses).get('a')!.ema).toEqual({ fp32: 2, bf16: 10 });
  });

  it('pays only the classes the config pays for (drawn and rewarded)', () => {
    const s = run([update('verified', 8, 'fp32'), update('verified', 40, 'fp8')], twoClasses);
    expect(s.get('a')!.ema).toEqual({ fp32: 4, fp8: 20 });
    expect(s.get('a')!.score).toBe(4);
  });

  it('leaves miners not in the round untouched and treats NaN credit as zero', () => {
    let s = updateScores(new Map(), [update('verified', 8), { ...update('verified', 2), hotkey: 'b', uid: 1 }], 1, incentives);
    s = updateScores(s, [{ ...update('verified', Number.NaN), hotkey: 'b', uid: 1 }], 2, incentives);
    expect(s.get('a')).toEqual({ hotkey: 'a', uid: 0, score: 4, ema: { fp32: 4 }, round: 1 });
    expect(s.get('b')!.score).toBe(0.5);
  });
});

describe('ScoreTable (scores by miner index, updated in place)', () => {
  it('gives the entries updateScores gives, after every verdict and policy path', () => {
    // On two classes, in an order that measures, decays, zeroes and re-measures; and a row without a class.
    const updates: ScoreUpdate[] = [
      update('verified', 8, 'fp32'), update('no_answer', 0, 'bf16', 'unsupported_class'), update('verified', 40, 'bf16'),
      update('unreachable', 0, 'fp32'), update('excused', 0, 'fp32', 'E_BUSY'), update('verified', Number.NaN, 'bf16'),
      update('failed', 0, 'fp32'), update('verified', 16, 'bf16'), update('verified', 8, 'fp32'), update('no_answer', 0, 'fp32', 'late'),
      { ...update('no_answer', 0), precision: undefined }, update('verified', 3, 'fp32'),
    ];
    for (const config of [twoClasses, parseIncentives({ ...twoClasses, failure: { failedProof: 'decay', noAnswer: 'zero', unreachable: 'zero' } })]) {
      let map = new Map<string, ScoreEntry>();
      const table = new ScoreTable(['z', 'a']);
      updates.forEach((u, i) => {
        map = updateScores(map, [u], i + 1, config);
        table.update(1, u, i + 1, config);
        expect(table.entry(1)).toEqual(map.get('a'));
        expect(table.get('a')).toEqual({ score: map.get('a')!.score });
        expect(table.score(1)).toBe(map.get('a')!.score);
      });
      expect(table.has(0)).toBe(false);
      expect(table.get('z')).toBeUndefined();
    }
  });

  it('lists entries in the order they were made, as a Map would, and makes none for a result that changes nothing', () => {
    const table = new ScoreTable(['a', 'b', 'c']);
    table.update(2, { ...update('verified', 8), hotkey: 'c', uid: 2 }, 1, incentives);
    table.update(1, { ...update('excused', 0, 'fp32', 'E_BUSY'), hotkey: 'b', uid: 1 }, 1, incentives);
    table.update(0, update('failed'), 1, incentives);
    table.update(2, { ...update('verified', 8), hotkey: 'c', uid: 2 }, 2, incentives);
    expect(table.order).toEqual([2, 0]);
    expect(table.has(1)).toBe(false);
    expect(table.entry(0)).toEqual({ hotkey: 'a', uid: 0, score: 0, ema: {}, round: 1 });
    expect(table.tflops(2, PRECISIONS.indexOf('fp32'))).toBe(6);
    expect(table.tflops(2, PRECISIONS.indexOf('bf16'))).toBeUndefined();
  });
});

describe('resync_metagraph', () => {
  it('drops a replaced hotkey so the new hotkey on that uid starts from zero', () => {
    const s = updateScores(new Map(), [{ ...update('verified', 8), hotkey: 'old' }, { ...update('verified', 2), hotkey: 'b', uid: 1 }], 1, incentives);
    const r = resyncScores(s, graph('new', 'b'));
    expect(r.has('old')).toBe(false);
    expect(r.get('new')).toBeUndefined();
    expect(r.get('b')!.score).toBe(1);
  });

  it('follows a hotkey to its current uid', () => {
    const s = updateScores(new Map(), [{ ...update('verified', 2), hotkey: 'b', uid: 1 }], 1, incentives);
    expect(resyncScores(s, graph('b')).get('b')!.uid).toBe(0);
  });
});
