/**
 * After an epoch, the chain's Consensus, Incentive, Dividends, ValidatorTrust and Emission match Yuma
 * computed by hand for a small subnet: validator A (300 TAO) weighs miners 1 and 2 equally; validator
 * B (100 TAO) disagrees and weighs only miner 3.
 *
 * By hand (κ = 32767/65535 ≈ 0.5, first bonds, BondsMovingAverage 0.9):
 *   active stake A = 0.75, B = 0.25; row-normalised W_A = (½, ½, 0), W_B = (0, 0, 1)
 *   consensus: m1 = m2 = ½ (A's 0.75 of stake is above the median), m3 = 0 (A gives it 0)
 *   clipped W̄_B = 0, so incentive = (0.375, 0.375, 0) / 0.75 = (½, ½, 0); trust A = 1, B = 0
 *   bonds B' = 0.1 · W̄ → column-normalised A = 1 on m1 and m2; dividends A = (½ + ½) · 0.75 → 1, B = 0
 *   emission shares = (I + D) / 2: m1 = m2 = ¼, A = ½ of the epoch's alpha
 *   stored u16 = ⌊x · 65535⌋: ½ → 32767, 1 → 65535
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyringPair } from '@polkadot/keyring/types';
import { openSession, send, netuidFrom, type Session } from './support.js';

const TAO = 1_000_000_000n;

describe('Yuma epoch on the devnet', () => {
  let s: Session;
  let netuid: number;
  let hot: Record<'A' | 'B' | 'm1' | 'm2' | 'm3', KeyringPair>;

  beforeAll(async () => {
    s = await openSession();
    const k = s.keyring;
    const owner = k.addFromUri('//Alice');
    const cold = { A: k.addFromUri('//Bob'), B: k.addFromUri('//Charlie'), m1: k.addFromUri('//Dave'), m2: k.addFromUri('//Eve'), m3: k.addFromUri('//Ferdie') };
    hot = { A: k.addFromUri('//Bob//v'), B: k.addFromUri('//Charlie//v'), m1: k.addFromUri('//Dave//m'), m2: k.addFromUri('//Eve//m'), m3: k.addFromUri('//Ferdie//m') };
    const tx = s.api.tx;
    netuid = netuidFrom(await send(s.api, tx.subtensorModule.registerNetwork(k.addFromUri('//Alice//hot').address), owner));
    await send(s.api, tx.subtensorModule.startCall(netuid), owner);
    await send(s.api, tx.adminUtils.sudoSetCommitRevealWeightsEnabled(netuid, false), owner);
    await send(s.api, tx.sudo.sudo(tx.adminUtils.sudoSetWeightsSetRateLimit(netuid, 0)), owner);
    for (const name of ['A', 'B', 'm1', 'm2', 'm3'] as const) {
      const r = await send(s.api, tx.subtensorModule.burnedRegister(netuid, hot[name].address), cold[name]);
      if (r.error) throw new Error(r.error);
    }
    await send(s.api, tx.subtensorModule.addStake(hot.A.address, netuid, 300n * TAO), cold.A);
    await send(s.api, tx.subtensorModule.addStake(hot.B.address, netuid, 100n * TAO), cold.B);
    await nextEpoch(); // permits for A and B
    expect(((await s.api.query.subtensorModule.validatorPermit(netuid)).toJSON() as boolean[]).slice(1)).toEqual([true, true, false, false, false]);
    expect((await send(s.api, tx.subtensorModule.setWeights(netuid, [3, 4], [1, 1], 0), hot.A)).error).toBeUndefined();
    expect((await send(s.api, tx.subtensorModule.setWeights(netuid, [5], [1], 0), hot.B)).error).toBeUndefined();
    await nextEpoch();
  });
  afterAll(() => s?.close());

  async function nextEpoch(): Promise<void> {
    const index = async () => (await s.api.query.subtensorModule.subnetEpochIndex(netuid)).toString();
    const start = await index();
    while ((await index()) === start) await s.devnet.newBlock(1);
  }
  const vec = async (item: 'consensus' | 'incentive' | 'dividends' | 'validatorTrust') => (await s.api.query.subtensorModule[item](netuid)).toJSON() as number[];

  it('consensus, incentive, dividends and validator trust', async () => {
    // uids: 0 owner hotkey, 1 A, 2 B, 3 m1, 4 m2, 5 m3
    expect(await vec('consensus')).toEqual([0, 0, 0, 32767, 32767, 0]);
    expect(await vec('incentive')).toEqual([0, 0, 0, 32767, 32767, 0]);
    expect(await vec('dividends')).toEqual([0, 65535, 0, 0, 0, 0]);
    expect(await vec('validatorTrust')).toEqual([0, 65535, 0, 0, 0, 0]);
  });

  it('emission: miners 1 and 2 a quarter each, validator A half, staked to their hotkeys', async () => {
    const emission = ((await s.api.query.subtensorModule.emission(netuid)).toJSON() as (number | string)[]).map((x) => BigInt(x));
    const [, a, b, m1, m2, m3] = emission as [bigint, bigint, bigint, bigint, bigint, bigint];
    expect(m1).toBeGreaterThan(0n);
    expect(m2).toBe(m1);
    expect(m3).toBe(0n);
    expect(b).toBe(0n);
    expect(a - (m1 + m2) <= 2n && m1 + m2 - a <= 2n).toBe(true);
    const stake = async (p: KeyringPair) => ((await s.api.query.subtensorModule.totalHotkeyAlpha(p.address, netuid)) as unknown as { toBigInt(): bigint }).toBigInt();
    expect(await stake(hot.m1)).toBe(m1);
    expect(await stake(hot.m3)).toBe(0n);
  });
});
