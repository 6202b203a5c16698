import { describe, expect, it } from 'vitest';
import { parseIncentives } from '../../validator/incentives.js';
import type { ScoreEntry } from '../../validator/scores.js';
import { scoresToWeights, versionKey, weightsForEmit } from '../../validator/weights.js';
import type { Metagraph, Neuron } from '../../shared/chain/types.js';

function neuron(uid: number, hotkey: string): Neuron {
  return {
    uid, hotkey, coldkey: 'c', active: true, stake: 0n,
    axon: { block: 1, version: 1, ip: '10.0.0.1', port: 1, ipType: 4, protocol: 4 },
    validatorPermit: false, rank: 0, trust: 0, consensus: 0, incentive: 0, dividends: 0, validatorTrust: 0,
    emission: 0n, lastUpdate: 0, blockAtRegistration: 0,
  };
}
const graph = (...hotkeys: string[]): Metagraph => ({ netuid: 1, block: 10, neurons: hotkeys.map((h, uid) => neuron(uid, h)) });
const scores = (entries: Record<string, number>): Map<string, ScoreEntry> =>
  new Map(Object.entries(entries).map(([hotkey, score], uid) => [hotkey, { hotkey, uid, score, ema: { fp32: score }, round: 1 }]));
const plain = parseIncentives({});

describe('scores → weights', () => {
  it('pays each uid in proportion to its score, looked up by hotkey not position', () => {
    // Scores were earned at other uids; the metagraph decides where each hotkey sits now.
    const w = scoresToWeights(scores({ a: 1, b: 3 }), graph('v', 'b', 'a', 'cheat'), plain)!;
    expect(Array.from(w)).toEqual([0, 0.75, 0.25, 0]);
  });

  it('gives the burn uid its share and the miners the rest in proportion', () => {
    const c = parseIncentives({ burn: { uid: 0, share: 0.5 } });
    expect(Array.from(scoresToWeights(scores({ a: 1, b: 3 }), graph('owner', 'a', 'b'), c)!)).toEqual([0.5, 0.125, 0.375]);
  });

  it('sets nothing when no one earned anything, or everything to the burn uid when there is one', () => {
    expect(scoresToWeights(scores({ a: 0 }), graph('a', 'b'), plain)).toBeUndefined();
    const c = parseIncentives({ burn: { uid: 1, share: 0.1 } });
    expect(Array.from(scoresToWeights(new Map(), graph('a', 'b'), c)!)).toEqual([0, 1]);
  });

  it('applies the normalisation exponent', () => {
    const c = parseIncentives({ normalization: { exponent: 2 } });
    expect(Array.from(scoresToWeights(scores({ a: 1, b: 3 }), graph('a', 'b'), c)!)).toEqual([0.1, 0.9]);
  });
});

describe('weightsForEmit', () => {
  it('scales the largest weight to 65535 and drops zeros', () => {
    expect(weightsForEmit(Float64Array.from([0, 0.75, 0.25, 0]), { minAllowedWeights: 1, maxWeightLimit: 65535 })).toEqual({
      uids: [1, 2],
      values: [65535, 21845],
    });
  });

  it('pads with explicit zero entries so a cheater never gets weight to meet min_allowed_weights', () => {
    const emit = weightsForEmit(Float64Array.from([0, 1, 0, 0]), { minAllowedWeights: 3, maxWeightLimit: 65535 });
    expect(emit).toEqual({ uids: [0, 1, 2], values: [0, 65535, 0] });
  });

  it('never asks for more entries than there are uids', () => {
    expect(weightsForEmit(Float64Array.from([1]), { minAllowedWeights: 8, maxWeightLimit: 65535 }).uids).toEqual([0]);
  });

  it('respects max_weight_limit without paying zero-score uids when the earners can absorb it', () => {
    const emit = weightsForEmit(Float64Array.from([0.9, 0.05, 0.05, 0]), { minAllowedWeights: 1, maxWeightLimit: 32768 });
    const sum = emit.values.reduce((a, b) => a + b, 0);
    expect(emit.uids).toEqual([0, 1, 2]);
    expect(emit.values[0]! / sum).toBeLessThanOrEqual(32768 / 65535 + 1e-4);
  });
});

describe('version key', () => {
  it('is major·10⁶ + minor·10³ + patch', () => {
    expect(versionKey('0.1.0')).toBe(1000);
    expect(versionKey('2.3.4-rc.1')).toBe(2_003_004);
  });
});
