import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/protocol.js';
import { RateLimiter, admit, takeToken } from '../../miner/policy.js';
import { metagraph, neuron } from './fixtures.js';

const TAO = 1_000_000_000n;
const graph = metagraph([
  neuron(0, 'permit', { validatorPermit: true, stake: 0n }),
  neuron(1, 'rich', { stake: 500n * TAO }),
  neuron(2, 'poor', { stake: 10n * TAO }),
]);

describe('policy', () => {
  it('admits permit holders; others only at or above the minimum stake, when one is set', () => {
    expect(admit(graph, 'permit', { minStake: undefined }).uid).toBe(0);
    expect(codeOf(() => admit(graph, 'rich', { minStake: undefined }))).toBe('E_NO_PERMIT');
    expect(admit(graph, 'rich', { minStake: 500n * TAO }).uid).toBe(1);
    expect(codeOf(() => admit(graph, 'poor', { minStake: 500n * TAO }))).toBe('E_NO_PERMIT');
    expect(codeOf(() => admit(graph, 'nobody', { minStake: 0n }))).toBe('E_NOT_REGISTERED');
    expect(codeOf(() => admit(undefined, 'permit', { minStake: undefined }))).toBe('E_NOT_REGISTERED');
  });

  it('token bucket: a burst, then the sustained rate, with the wait until the next token', () => {
    const opts = { ratePerMinute: 60, rateBurst: 2 };
    let r = takeToken(undefined, 0, opts);
    expect(r.allowed).toBe(true);
    r = takeToken(r.bucket, 0, opts);
    expect(r.allowed).toBe(true);
    r = takeToken(r.bucket, 0, opts);
    expect(r).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
    // One token per second at 60/min; refills never exceed the burst.
    expect(takeToken(r.bucket, 999, opts).allowed).toBe(false);
    expect(takeToken(r.bucket, 1_000, opts).allowed).toBe(true);
    expect(takeToken(r.bucket, 3_600_000, opts).bucket.tokens).toBe(1);
  });

  it('keeps one bucket per validator', () => {
    const limiter = new RateLimiter({ ratePerMinute: 60, rateBurst: 1 });
    limiter.take('a', 0);
    expect(codeOf(() => limiter.take('a', 10))).toBe('E_RATE_LIMITED');
    expect(codeOf(() => limiter.take('b', 10))).toBe('ok');
  });
});
