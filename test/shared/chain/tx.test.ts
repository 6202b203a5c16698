import { describe, expect, it } from 'vitest';
import { orderArgs } from '../../../shared/chain/tx.js';
import { CallUnsupportedError } from '../../../shared/chain/errors.js';

// Signatures as subtensor runtimes declare them (research/subtensor.md §8.1).
const addStake218 = [
  { name: 'hotkey', type: 'AccountId32' },
  { name: 'netuid', type: 'u16' },
  { name: 'amount_staked', type: 'u64' },
];
const addStake148 = [
  { name: 'hotkey', type: 'AccountId32' },
  { name: 'amount_staked', type: 'u64' },
];

describe('orderArgs (calls built by argument name)', () => {
  const values = { hotkey: 'HOT', netuid: 3, amount_staked: 10n };

  it('fills a newer signature in its order', () => {
    expect(orderArgs(addStake218, values, 'SubtensorModule.add_stake')).toEqual(['HOT', 3, 10n]);
  });

  it('leaves out arguments an older runtime does not take (add_stake without netuid)', () => {
    expect(orderArgs(addStake148, values, 'SubtensorModule.add_stake')).toEqual(['HOT', 10n]);
  });

  it('accepts the names older runtimes gave an argument', () => {
    expect(orderArgs([{ name: 'amount', type: 'u64' }], { amount_staked: 5n }, 'x')).toEqual([5n]);
  });

  it('fills register_network of spec 218 (hotkey, mechid) and of spec 148 (no arguments)', () => {
    expect(orderArgs([{ name: 'hotkey', type: 'AccountId32' }, { name: 'mechid', type: 'u16' }], { hotkey: 'HOT' }, 'x')).toEqual(['HOT', 1]);
    expect(orderArgs([], { hotkey: 'HOT' }, 'x')).toEqual([]);
  });

  it('names the call, the runtime signature and the missing argument when it cannot fill one', () => {
    const run = () => orderArgs([{ name: 'netuid', type: 'u16' }, { name: 'mystery', type: 'u8' }], { netuid: 1 }, 'SubtensorModule.new_call', 425);
    expect(run).toThrow(CallUnsupportedError);
    expect(run).toThrow(/spec_version 425.*SubtensorModule\.new_call.*netuid: u16, mystery: u8.*"mystery"/);
  });
});

describe('orderArgs with names as polkadot-js presents them (camelCase)', () => {
  it('matches snake_case values to camelCase metadata names', () => {
    const serveAxon = ['netuid', 'version', 'ip', 'port', 'ipType', 'protocol', 'placeholder1', 'placeholder2'].map((name) => ({ name, type: 'u8' }));
    expect(orderArgs(serveAxon, { netuid: 1, version: 0, ip: 5n, port: 80, ip_type: 4, protocol: 4, placeholder1: 0, placeholder2: 0 }, 'x')).toEqual([1, 0, 5n, 80, 4, 4, 0, 0]);
    expect(orderArgs([{ name: 'amount', type: 'u64' }], { amount_unstaked: 7n }, 'x')).toEqual([7n]);
  });
});
