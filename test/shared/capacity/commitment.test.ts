import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCapacityCommitment, MAX_FIELD_BYTES } from '../../../shared/capacity/commitment.js';
import { capacityCommitment } from '../../../validator/capacity.js';
import { PRECISIONS } from '../../../shared/challenge/types.js';

const reason = (fields: string[]) => {
  const d = decodeCapacityCommitment(fields);
  if (d.ok) throw new Error(`decoded ${JSON.stringify(fields)}`);
  return d.reason;
};

describe('decodeCapacityCommitment', () => {
  it("reads back what the validator's encoder publishes", () => {
    const field = capacityCommitment({ round: 412, verifiedMiners: 37, totals: { fp32: 812.4, bf16: 10_400 } });
    expect(decodeCapacityCommitment([field])).toEqual({ ok: true, commitment: { round: 412, verifiedMiners: 37, tflops: { fp32: 812, bf16: 10_400 } } });
    // Nothing verified yet: a summary without figures.
    expect(decodeCapacityCommitment([capacityCommitment({ round: 1, verifiedMiners: 0, totals: {} })])).toEqual({ ok: true, commitment: { round: 1, verifiedMiners: 0, tflops: {} } });
  });

  it('reads back exactly the figures any encoded totals carry (3 significant digits, fewer when 128 bytes are tight)', () => {
    const totals = fc.record(Object.fromEntries(PRECISIONS.map((p) => [p, fc.double({ min: 1e-6, max: 1e7, noNaN: true })])), { requiredKeys: [] });
    fc.assert(
      fc.property(fc.nat(1e9), fc.nat(65535), totals, (round, n, t) => {
        const field = capacityCommitment({ round, verifiedMiners: n, totals: t });
        const d = decodeCapacityCommitment([field]);
        expect(d.ok).toBe(true);
        if (!d.ok) return;
        expect(d.commitment).toEqual({ round, verifiedMiners: n, tflops: JSON.parse(field).tf ?? {} });
        for (const [p, v] of Object.entries(d.commitment.tflops)) expect(Math.abs(v / t[p as keyof typeof t]! - 1)).toBeLessThanOrEqual(0.5);
      }),
      { numRuns: 200 },
    );
  });

  it('joins per-miner fields to the summary, in any order', () => {
    const d = decodeCapacityCommitment(['{"v":1,"m":{"3":{"fp32":0.25},"12":{"bf16":4}}}', '{"v":1,"r":9,"n":2,"tf":{"fp32":0.25,"bf16":4}}']);
    expect(d).toEqual({
      ok: true,
      commitment: { round: 9, verifiedMiners: 2, tflops: { fp32: 0.25, bf16: 4 }, miners: new Map([[3, { fp32: 0.25 }], [12, { bf16: 4 }]]) },
    });
  });

  it('leaves out classes it does not know (a newer validator) instead of refusing them', () => {
    expect(decodeCapacityCommitment(['{"v":1,"r":1,"n":1,"tf":{"fp32":2,"fp4":9}}'])).toEqual({ ok: true, commitment: { round: 1, verifiedMiners: 1, tflops: { fp32: 2 } } });
  });

  it.each([
    [['flopnet:v1'], /not a capacity commitment/],
    [['0x00ff'], /not a capacity commitment/],
    [['{"v":1,"r":1'], /not valid JSON/],
    [['{"v":2,"r":1,"n":1}'], /malformed summary field \(v:/],
    [['{"v":1,"r":-1,"n":1}'], /malformed summary field \(r:/],
    [['{"v":1,"r":1,"n":1,"tf":{"fp32":-3}}'], /tf\.fp32/],
    [['{"v":1,"r":1,"n":1,"tf":{"fp32":1e300}}'], /tf\.fp32/],
    [['{"v":1,"r":1,"n":1,"tf":{"fp32":"9"}}'], /tf\.fp32/],
    [['{"v":1,"r":1,"n":1,"x":1}'], /malformed summary field/],
    [['[1,2]'], /not a capacity commitment/],
    [['{"v":1,"m":{"03":{"fp32":1}}}', '{"v":1,"r":1,"n":1}', '{"v":1,"r":2,"n":1}'], /two summary fields/],
    [['{"v":1,"m":{"3":{"fp32":1}}}'], /no summary field/],
    [[], /0 fields/],
    [['{}', '{}', '{}', '{}'], /4 fields/],
    [[`{"v":1,"r":1,"n":1,"tf":{"fp32":${'1'.repeat(MAX_FIELD_BYTES)}}}`], /bytes \(at most 512\)/],
  ])('refuses %j with the reason', (fields, why) => {
    expect(reason(fields)).toMatch(why);
  });

  it("quotes a peer's keys in a reason without their control characters", () => {
    const why = reason(['{"v":1,"r":1,"n":1,"tf":{"\\u001b[2J\\u0007":-1}}']);
    expect(why).toMatch(/^malformed summary field \(tf\.\?\[2J\?: /);
    expect(why).not.toMatch(/[\x00-\x1f\x7f]/);
  });

  it('never throws, whatever a peer wrote', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), { maxLength: 4 }), (fields) => {
        const d = decodeCapacityCommitment(fields);
        expect(typeof d.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});
