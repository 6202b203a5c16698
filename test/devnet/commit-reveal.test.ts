/**
 * Commit-reveal v2 as subtensor runs it: set_weights is refused while it is on; a commit of
 * blake2_256(SCALE(who, netuid, uids, values, salt, version_key)) is revealed in the next epoch;
 * early and expired reveals are refused at the pool (Custom error 17).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blake2AsHex } from '@polkadot/util-crypto';
import { openSession, send, setupSubnet, type Session, type TestSubnet } from './support.js';

describe('commit-reveal weights', () => {
  let s: Session;
  let net: TestSubnet;
  beforeAll(async () => {
    s = await openSession();
    net = await setupSubnet(s, { commitReveal: true, rateLimit: 0 });
  });
  afterAll(() => s?.close());

  /** Hash computed with @polkadot/types' own SCALE encoder, independent of the devnet's. */
  const commitHash = (uids: number[], values: number[], salt: number[], version: bigint) =>
    blake2AsHex(
      s.api.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [net.validatorHot.address, net.netuid, uids, values, salt, version]).toU8a(),
      256,
    );
  const epochIndex = async () => ((await s.api.query.subtensorModule.subnetEpochIndex(net.netuid)) as unknown as { toNumber(): number }).toNumber();
  const nextEpoch = async () => {
    const start = await epochIndex();
    while ((await epochIndex()) === start) await s.devnet.newBlock(1);
  };
  const tx = () => s.api.tx.subtensorModule;

  it('refuses set_weights while commit-reveal is enabled (the default of a new subnet)', async () => {
    const r = await send(s.api, tx().setWeights(net.netuid, [2], [100], 0), net.validatorHot);
    expect(r.error).toBe('subtensorModule.CommitRevealEnabled');
  });

  it('commits, refuses an early reveal, and reveals in the next epoch', async () => {
    const uids = [2, 3];
    const values = [65535, 32768];
    const salt = [1, 2, 3, 4, 5, 6, 7, 8];
    const hash = commitHash(uids, values, salt, 0n);
    // Right after an epoch boundary, so the early reveal below still falls in the commit's epoch.
    await nextEpoch();
    const committed = await send(s.api, tx().commitWeights(net.netuid, hash), net.validatorHot);
    expect(committed.events.find((e) => e.method === 'WeightsCommitted')!.data).toEqual([net.validatorHot.address, net.netuid, hash]);
    const queue = (await s.api.query.subtensorModule.weightCommits(net.netuid, net.validatorHot.address)).toJSON() as unknown[][];
    expect(queue).toHaveLength(1);
    expect(queue[0]![0]).toBe(hash);
    await expect(send(s.api, tx().revealWeights(net.netuid, uids, values, salt, 0), net.validatorHot)).rejects.toThrow(
      '1010: Invalid Transaction: Custom error: 17',
    );
    await nextEpoch();
    await expect(send(s.api, tx().revealWeights(net.netuid, uids, [1, 1], salt, 0), net.validatorHot)).rejects.toThrow(
      '1010: Invalid Transaction: Custom error: 16',
    );
    const revealed = await send(s.api, tx().revealWeights(net.netuid, uids, values, salt, 0), net.validatorHot);
    expect(revealed.error).toBeUndefined();
    expect(revealed.events.map((e) => e.method)).toEqual(expect.arrayContaining(['WeightsSet', 'WeightsRevealed']));
    expect((await s.api.query.subtensorModule.weights(net.netuid, 1)).toJSON()).toEqual([[2, 65535], [3, 32768]]);
    expect((await s.api.query.subtensorModule.weightCommits(net.netuid, net.validatorHot.address)).toJSON()).toBeNull();
  });

  it('refuses a reveal after its reveal epoch has passed', async () => {
    const salt = [9];
    await send(s.api, tx().commitWeights(net.netuid, commitHash([2], [1], salt, 0n)), net.validatorHot);
    await nextEpoch();
    await nextEpoch();
    await expect(send(s.api, tx().revealWeights(net.netuid, [2], [1], salt, 0), net.validatorHot)).rejects.toThrow(
      '1010: Invalid Transaction: Custom error: 17',
    );
  });
});
