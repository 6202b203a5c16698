/**
 * The axon's connection budgets, alone: strangers share a small budget in which an address that was
 * cut off gives way first, and never reach the capacity kept for validators.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionBudget, addressKey, type AdmissionLimits } from '../../miner/admission.js';

const limits: AdmissionLimits = { maxConnections: 3, maxConnectionsPerAddress: 2, maxUnauthenticated: 4, maxUnauthenticatedPerAddress: 2, strikeMs: 60_000 };

describe('addressKey', () => {
  it('counts IPv4 (also IPv4-mapped) whole and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('2001:0db8:0000:0003::ffff')).toBe('2001:db8:0:3::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('64:ff9b::203.0.113.7')).toBe('64:ff9b:0:0::/64');
    expect(addressKey(undefined)).toBe('unknown');
  });
});

describe('ConnectionBudget', () => {
  it('holds at most maxUnauthenticatedPerAddress from one address', () => {
    const budget = new ConnectionBudget<string>(limits);
    expect(budget.arrive('a1', 'A')).toEqual({ ok: true });
    expect(budget.arrive('a2', 'A')).toEqual({ ok: true });
    expect(budget.arrive('a3', 'A').ok).toBe(false);
    budget.leave('a1');
    expect(budget.arrive('a3', 'A')).toEqual({ ok: true });
  });

  it('when full, evicts the oldest; then an address already cut off gives way, and is refused rather than evict others', () => {
    const budget = new ConnectionBudget<string>(limits);
    for (const [s, k] of [['a1', 'A'], ['b1', 'B'], ['a2', 'A'], ['c1', 'C']]) budget.arrive(s, k);
    // Full of addresses never cut off: the newcomer takes the oldest's place, and A is struck.
    expect(budget.arrive('d1', 'D')).toEqual({ ok: true, evict: 'a1' });
    // A validator dialling now evicts the struck address's socket, not B's or C's.
    expect(budget.arrive('v1', 'V')).toEqual({ ok: true, evict: 'a2' });
    // A, struck, finds the budget full of sockets of addresses never struck: refused.
    expect(budget.arrive('a3', 'A').ok).toBe(false);
    expect(budget.unauthenticatedCount).toBe(4);
  });

  it('an address whose socket expired unauthenticated gives way first', () => {
    const budget = new ConnectionBudget<string>(limits);
    for (const [s, k] of [['v1', 'V'], ['b1', 'B'], ['c1', 'C'], ['c2', 'C']]) budget.arrive(s, k);
    budget.expire('c1');
    budget.arrive('c3', 'C');
    // V is the oldest, but C has been cut off once: its socket goes.
    expect(budget.arrive('d1', 'D')).toEqual({ ok: true, evict: 'c2' });
  });

  it('moves an authenticated socket out of the strangers’ budget into the validators’, within its caps', () => {
    const budget = new ConnectionBudget<string>(limits);
    for (const [s, k] of [['v1', 'V'], ['v2', 'V'], ['w1', 'W']]) budget.arrive(s, k);
    expect(budget.authenticate('v1')).toEqual({ ok: true });
    expect(budget.authenticate('v2')).toEqual({ ok: true });
    expect(budget.unauthenticatedCount).toBe(1);
    // Per address: V already holds 2 validator connections.
    budget.arrive('v3', 'V');
    expect(budget.authenticate('v3').ok).toBe(false);
    expect(budget.authenticate('w1')).toEqual({ ok: true });
    // In all: 3 validator connections.
    budget.arrive('x1', 'X');
    expect(budget.authenticate('x1').ok).toBe(false);
    expect(budget.authenticatedCount).toBe(3);
    budget.leave('w1');
    expect(budget.authenticate('x1')).toEqual({ ok: true });
  });

  it('keeps validators’ capacity whatever strangers do', () => {
    const budget = new ConnectionBudget<string>({ ...limits, maxUnauthenticated: 2 });
    budget.arrive('v1', 'V');
    budget.authenticate('v1');
    for (let i = 0; i < 100; i++) budget.arrive(`s${i}`, `S${i}`);
    expect(budget.unauthenticatedCount).toBe(2);
    expect(budget.authenticatedCount).toBe(1);
  });
});
