import { describe, expect, it } from 'vitest';
import { capacityCommitment, capacityReport, renderCapacity } from '../../validator/capacity.js';
import { ValidatorStore, type RecordedResult } from '../../validator/store/db.js';

const identity = { netuid: 1, hotkey: '5Validator' };
const device = (name: string) => ({ backend: 'cpu' as const, name, memoryBytes: 1 << 30, precisions: ['fp32' as const, 'bf16' as const] });
function result(round: number, hotkey: string, uid: number, precision: 'fp32' | 'bf16', tflops: number, verdict: RecordedResult['verdict'] = 'verified'): RecordedResult {
  return {
    round, uid, hotkey, challenge: { precision, m: 8, n: 64, k: 64 }, gemms: 3, windowSeconds: 10,
    tflops: verdict === 'verified' ? tflops : 0, reward: 0, verdict, reason: verdict === 'verified' ? 'ok' : 'out_of_tolerance',
  };
}

describe('capacity report', () => {
  it('sums last verified TFLOPS per class over miners whose latest result verified', () => {
    const store = ValidatorStore.open(':memory:', identity);
    const scores = (round: number) => new Map(['a', 'b', 'c'].map((h, i) => [h, { hotkey: h, uid: i + 1, score: 1, ema: { fp32: i + 0.5 }, round }]));
    const devices = new Map([['a', device('gpu a')], ['b', device('gpu b')], ['c', device('gpu c')]]);
    store.recordRound({ round: 1, block: 10, startedAt: 0, finishedAt: 1 }, [result(1, 'a', 1, 'fp32', 2), result(1, 'b', 2, 'fp32', 3), result(1, 'c', 3, 'fp32', 5)], scores(1), devices);
    store.recordRound({ round: 2, block: 20, startedAt: 0, finishedAt: 1 }, [result(2, 'a', 1, 'bf16', 8), result(2, 'b', 2, 'fp32', 4), result(2, 'c', 3, 'fp32', 0, 'failed')], scores(2));
    const r = capacityReport(store, identity);
    // a: fp32 2 (round 1) + bf16 8 (round 2); b: fp32 4; c failed its last proof and counts for nothing.
    expect(r.totals).toEqual({ fp32: 6, bf16: 8 });
    expect(r.verifiedMiners).toBe(2);
    expect(r).toMatchObject({ netuid: 1, validator: '5Validator', round: 2, block: 20 });
    expect(r.miners.map((m) => [m.uid, m.lastVerdict, m.device?.name])).toEqual([[1, 'verified', 'gpu a'], [2, 'verified', 'gpu b'], [3, 'failed', 'gpu c']]);
    expect(r.miners[2]!.lastReason).toBe('out_of_tolerance');
    expect(r.miners[0]!.lastWindow).toEqual({ precision: 'bf16', gemms: 3, offered: 8, seconds: 10 });
    expect(r.miners.map((m) => m.ema)).toEqual([{ fp32: 0.5 }, { fp32: 1.5 }, { fp32: 2.5 }]);
    const text = renderCapacity(r);
    expect(text).toMatch(/fp32 last +fp32 EMA +bf16 last +bf16 EMA +score/);
    expect(text).toContain('score = Σ reward[class] × EMA[class]');
    expect(text).toContain('verified capacity (2 miners): fp32 6.000, bf16 8.000 TFLOPS');
    expect(text).toContain('bf16 3/8 GEMMs in 10 s');
    store.close();
  });

  it('skips excused refusals when it looks for a miner\'s latest result', () => {
    const store = ValidatorStore.open(':memory:', identity);
    const scores = new Map([['a', { hotkey: 'a', uid: 1, score: 2, ema: { fp32: 2 }, round: 2 }]]);
    store.recordRound({ round: 1, block: 10, startedAt: 0, finishedAt: 1 }, [result(1, 'a', 1, 'fp32', 2)], scores);
    const busy: RecordedResult = { round: 2, uid: 1, hotkey: 'a', precision: 'fp32', tflops: 0, reward: 0, verdict: 'excused', reason: 'E_BUSY' };
    store.recordRound({ round: 2, block: 20, startedAt: 0, finishedAt: 1 }, [busy], scores);
    const r = capacityReport(store, identity);
    expect(r.totals).toEqual({ fp32: 2 });
    expect(r.miners[0]).toMatchObject({ lastVerdict: 'verified', lastRound: 1 });
    expect(store.results({ round: 2 })[0]).toMatchObject({ verdict: 'excused', precision: 'fp32' });
    store.close();
  });

  it('fits the on-chain summary in one 128-byte commitment field', () => {
    const text = capacityCommitment({ round: 123456, verifiedMiners: 256, totals: { fp64: 1234.5678, fp32: 2345.678, tf32: 34567.8, bf16: 456789.1, fp16: 567891.2, fp8: 1234567.8 } });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(128);
    const parsed = JSON.parse(text);
    expect(parsed).toMatchObject({ v: 1, r: 123456, n: 256 });
    expect(parsed.tf.fp8).toBeCloseTo(1234567.8, -5);
    expect(JSON.parse(capacityCommitment({ round: 1, verifiedMiners: 1, totals: { fp32: 0.000123456 } })).tf).toEqual({ fp32: 0.000123 });
  });
});
