import { describe, expect, it } from 'vitest';
import { parseIncentives } from '../../validator/incentives.js';
import { resyncScores, updateScores, type ScoreEntry } from '../../validator/scores.js';
import type { Metagraph, Neuron } from '../../shared/chain/types.js';

const incentives = parseIncentives({ ema: { alpha: 0.5 } });

function neuron(uid: number, hotkey: string): Neuron {
  return {
    uid, hotkey, coldkey: 'c', active: true, stake: 0n,
    axon: { block: 1, version: 1, ip: '10.0.0.1', port: 1, ipType: 4, protocol: 4 },
    validatorPermit: false, rank: 0, trust: 0, consensus: 0, incentive: 0, dividends: 0, validatorTrust: 0,
    emission: 0n, lastUpdate: 0, blockAtRegistration: 0,
  };
}
const graph = (...hotkeys: string[]): Metagraph => ({ netuid: 1, block: 10, neurons: hotkeys.map((h, uid) => neuron(uid, h)) });

describe('update_scores', () => {
  it('is an EMA of rewards starting from zero', () => {
    let s: Map<string, ScoreEntry> = new Map();
    s = updateScores(s, [{ hotkey: 'a', uid: 0, reward: 8, verdict: 'verified' }], 1, incentives);
    expect(s.get('a')!.score).toBe(4);
    s = updateScores(s, [{ hotkey: 'a', uid: 0, reward: 8, verdict: 'verified' }], 2, incentives);
    expect(s.get('a')!.score).toBe(6);
    expect(s.get('a')!.round).toBe(2);
  });

  it('zeroes the score on a failed proof; the miner re-earns from zero', () => {
    let s = updateScores(new Map(), [{ hotkey: 'a', uid: 0, reward: 8, verdict: 'verified' }], 1, incentives);
    s = updateScores(s, [{ hotkey: 'a', uid: 0, reward: 0, verdict: 'failed' }], 2, incentives);
    expect(s.get('a')!.score).toBe(0);
    s = updateScores(s, [{ hotkey: 'a', uid: 0, reward: 8, verdict: 'verified' }], 3, incentives);
    expect(s.get('a')!.score).toBe(4);
  });

  it('decays an unreachable miner by default, and follows the configured policy', () => {
    const s = updateScores(new Map(), [{ hotkey: 'a', uid: 0, reward: 8, verdict: 'verified' }], 1, incentives);
    expect(updateScores(s, [{ hotkey: 'a', uid: 0, reward: 0, verdict: 'unreachable' }], 2, incentives).get('a')!.score).toBe(2);
    expect(updateScores(s, [{ hotkey: 'a', uid: 0, reward: 0, verdict: 'no_answer' }], 2, incentives).get('a')!.score).toBe(0);
    const lenient = parseIncentives({ ema: { alpha: 0.5 }, failure: { noAnswer: 'decay', unreachable: 'zero' } });
    expect(updateScores(s, [{ hotkey: 'a', uid: 0, reward: 0, verdict: 'no_answer' }], 2, lenient).get('a')!.score).toBe(2);
    expect(updateScores(s, [{ hotkey: 'a', uid: 0, reward: 0, verdict: 'unreachable' }], 2, lenient).get('a')!.score).toBe(0);
  });

  it('leaves miners not in the round untouched and treats NaN rewards as zero', () => {
    let s = updateScores(new Map(), [{ hotkey: 'a', uid: 0, reward: 8, verdict: 'verified' }, { hotkey: 'b', uid: 1, reward: 2, verdict: 'verified' }], 1, incentives);
    s = updateScores(s, [{ hotkey: 'b', uid: 1, reward: Number.NaN, verdict: 'verified' }], 2, incentives);
    expect(s.get('a')).toEqual({ hotkey: 'a', uid: 0, score: 4, round: 1 });
    expect(s.get('b')!.score).toBe(0.5);
  });
});

describe('resync_metagraph', () => {
  it('drops a replaced hotkey so the new hotkey on that uid starts from zero', () => {
    const s = updateScores(new Map(), [{ hotkey: 'old', uid: 0, reward: 8, verdict: 'verified' }, { hotkey: 'b', uid: 1, reward: 2, verdict: 'verified' }], 1, incentives);
    const r = resyncScores(s, graph('new', 'b'));
    expect(r.has('old')).toBe(false);
    expect(r.get('new')).toBeUndefined();
    expect(r.get('b')!.score).toBe(1);
  });

  it('follows a hotkey to its current uid', () => {
    const s = updateScores(new Map(), [{ hotkey: 'b', uid: 1, reward: 2, verdict: 'verified' }], 1, incentives);
    expect(resyncScores(s, graph('b')).get('b')!.uid).toBe(0);
  });
});
