import { describe, expect, it } from 'vitest';
import type { Metagraph, Neuron } from '../../../shared/chain/index.js';
import type { CapacityReport } from '../../../validator/capacity.js';
import { buildReport, SHARED_BOUND } from '../../../scripts/demo/report.js';
import { minerRoles, type DemoSubnet } from '../../../scripts/demo/setup.js';

const neuron = (uid: number, hotkey: string, stake: bigint, extra: Partial<Neuron> = {}): Neuron => ({
  uid, hotkey, coldkey: `c${uid}`, active: true, stake,
  axon: { block: 0, version: 0, ip: '0.0.0.0', port: 0, ipType: 4, protocol: 0 },
  validatorPermit: false, rank: 0, trust: 0, consensus: 0, incentive: 0, dividends: 0, validatorTrust: 0,
  emission: 0n, lastUpdate: 0, blockAtRegistration: 0, ...extra,
});

const subnet: DemoSubnet = {
  netuid: 1, tempo: 12, walletPath: '/tmp/w',
  owner: { wallet: 'owner', hotkeyName: 'default', hotkey: 'owner', coldkey: 'oc', uid: 0 },
  validators: [{ wallet: 'v0', hotkeyName: 'default', hotkey: 'v0', coldkey: 'vc', uid: 1 }],
  miners: [
    { wallet: 'm2', hotkeyName: 'default', hotkey: 'honest', coldkey: 'c2', uid: 2, role: 'honest' },
    { wallet: 'm3', hotkeyName: 'default', hotkey: 'cheat', coldkey: 'c3', uid: 3, role: 'cheater' },
    { wallet: 's', hotkeyName: 'hotkey0', hotkey: 'sA', coldkey: 'cs', uid: 4, role: 'shared-backend' },
    { wallet: 's', hotkeyName: 'hotkey1', hotkey: 'sB', coldkey: 'cs', uid: 5, role: 'shared-backend' },
  ],
};

function report(pairEarned: [bigint, bigint], pairWeights: [number, number]) {
  const metagraph: Metagraph = {
    netuid: 1, block: 100,
    neurons: [
      neuron(1, 'v0', 500n, { dividends: 1, validatorTrust: 1 }),
      neuron(2, 'honest', 1_000n, { incentive: 0.5 }),
      neuron(3, 'cheat', 0n),
      neuron(4, 'sA', 100n + pairEarned[0]),
      neuron(5, 'sB', pairEarned[1]),
    ],
  };
  const capacity = {
    netuid: 1, validator: 'v0', round: 7, block: 99, verifiedMiners: 3, totals: { fp32: 2 },
    miners: [
      { uid: 2, hotkey: 'honest', device: { name: 'cpu', backend: 'cpu', memoryBytes: 1 }, classes: ['fp32'], tflops: { fp32: 1 }, score: 1, lastRound: 7, lastVerdict: 'verified', lastReason: 'ok' },
      { uid: 3, hotkey: 'cheat', classes: ['fp32'], tflops: {}, score: 0, lastRound: 7, lastVerdict: 'failed', lastReason: 'out_of_tolerance' },
    ],
  } as unknown as CapacityReport;
  return buildReport({
    subnet, startBlock: 60, epochs: 3,
    startStake: new Map([['sA', 100n]]),
    metagraph,
    weights: [{ uid: 1, hotkey: 'v0', block: 90, weights: [{ uid: 2, value: 65535 }, ...pairWeights.map((value, i) => ({ uid: 4 + i, value }))] }],
    reports: new Map([['v0', capacity]]),
  });
}

describe('demo report', () => {
  it('credits each miner the stake it gained, the weight share validators gave it and its verified TFLOPS', () => {
    const r = report([400n, 400n], [32767, 32768]);
    const honest = r.miners.find((m) => m.role === 'honest')!;
    expect(honest).toMatchObject({ uid: 2, emission: 1_000n, incentive: 0.5, backend: 'cpu', tflops: { fp32: 1 } });
    expect(honest.weight).toBeCloseTo(0.5, 6);
    expect(r.miners.find((m) => m.hotkey === 'sA')!.emission).toBe(400n);
    expect(r.validators).toEqual([{ uid: 1, hotkey: 'v0', stake: 500n, dividends: 1, validatorTrust: 1, rounds: 7 }]);
    // The pair's weights (32767 + 32768) equal the honest miner's 65535.
    expect(r.sharedRatio).toBeCloseTo(1, 4);
    expect(r.checks).toEqual({ honestEarned: true, cheaterEarnedNothing: true, sharedAsOneDevice: true });
    expect(r.passed).toBe(true);
  });

  it('flags a pair paid like two devices, and passes or fails on honest and cheater pay alone', () => {
    const r = report([1_000n, 1_000n], [65535, 65535]);
    expect(r.sharedRatio).toBe(2);
    expect(r.sharedRatio! >= SHARED_BOUND).toBe(true);
    expect(r.checks.sharedAsOneDevice).toBe(false);
    expect(r.passed).toBe(true);
  });

  it('assigns one cheater and, from four miners, a shared pair', () => {
    expect(minerRoles(2)).toEqual(['honest', 'cheater']);
    expect(minerRoles(4)).toEqual(['honest', 'cheater', 'shared-backend', 'shared-backend']);
    expect(minerRoles(6).filter((r) => r === 'honest')).toHaveLength(3);
  });
});
