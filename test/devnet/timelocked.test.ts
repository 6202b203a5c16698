/**
 * Drand pulses and timelocked commit-reveal (v4) as subtensor spec 425 runs them: the devnet's beacon
 * stores pulses signed with its public test key; commit_timelocked_mechanism_weights queues a ciphertext
 * under its commit epoch; the block step of the reveal epoch decrypts it with the stored pulse and applies
 * the weights. With `--drand quicknet` the chain takes real quicknet pulses from dev_drandPulse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { sha256 } from '@noble/hashes/sha2';
import { openSession, rawRpc, send, setupSubnet, type Session, type TestSubnet } from './support.js';
import { encryptWeights, verifyRound, QUICKNET_BEACON } from '../../shared/chain/timelock/index.js';
import { devnetBeacon } from '../../devnet/pallets/drand.js';
import { PULSE_1000 } from '../shared/chain/timelock/vectors.js';

type Num = { toNumber(): number };
type PulseCodec = { toJSON(): { round: number; randomness: string; signature: string } | null };

async function epochHelpers(s: Session, netuid: number) {
  const epochIndex = async () => ((await s.api.query.subtensorModule.subnetEpochIndex(netuid)) as unknown as Num).toNumber();
  return {
    epochIndex,
    nextEpoch: async () => {
      const start = await epochIndex();
      while ((await epochIndex()) === start) await s.devnet.newBlock(1);
    },
  };
}

describe('Drand pallet with the devnet beacon', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openSession({ blockMode: 'manual' });
  });
  afterAll(() => s?.close());

  it('declares the devnet`s public test key, not quicknet`s', async () => {
    const config = (await s.api.query.drand.beaconConfig()) as unknown as { publicKey: { toU8a(b: boolean): Uint8Array }; period: Num; genesisTime: Num };
    expect(u8aToHex(config.publicKey.toU8a(true))).toBe(u8aToHex(devnetBeacon().publicKey));
    expect(u8aToHex(config.publicKey.toU8a(true))).not.toBe(u8aToHex(QUICKNET_BEACON.publicKey));
    expect(config.period.toNumber()).toBe(1);
  });

  it('stores a verifiable pulse per second of chain time (4 blocks of 250 ms)', async () => {
    await s.devnet.newBlock(1);
    const first = ((await s.api.query.drand.lastStoredRound()) as unknown as Num).toNumber();
    expect(first).toBeGreaterThan(0);
    await s.devnet.newBlock(8);
    const last = ((await s.api.query.drand.lastStoredRound()) as unknown as Num).toNumber();
    expect(last - first).toBe(2);
    const pulse = ((await s.api.query.drand.pulses(last)) as unknown as PulseCodec).toJSON()!;
    expect(pulse.round).toBe(last);
    expect(verifyRound(devnetBeacon().publicKey, last, hexToU8a(pulse.signature))).toBe(true);
    expect(pulse.randomness).toBe(u8aToHex(sha256(hexToU8a(pulse.signature))));
  });

  it('refuses a pulse that does not verify under its key', async () => {
    const r = await rawRpc(s.devnet.endpoint, 'dev_drandPulse', [{ round: 10 ** 12, signature: PULSE_1000.signature }]);
    expect(r.error?.message).toMatch(/does not verify/);
  });
});

describe('timelocked commit-reveal (v4) on the devnet', () => {
  let s: Session;
  let net: TestSubnet;
  const tx = () => s.api.tx.subtensorModule;
  const lastStored = async () => ((await s.api.query.drand.lastStoredRound()) as unknown as Num).toNumber();
  // As hex: @polkadot/api reads a Uint8Array given for `Bytes` as already length-prefixed.
  const commit = (round: number, uids: number[], values: number[], hotkey = net.validatorHot.publicKey) =>
    u8aToHex(encryptWeights({ version: 4, hotkey, uids, values, versionKey: 0n, revealRound: round, beacon: devnetBeacon() }));

  beforeAll(async () => {
    s = await openSession();
    net = await setupSubnet(s, { commitReveal: true, rateLimit: 0 });
  });
  afterAll(() => s?.close());

  it('refuses another commit-reveal version and a round the chain already passed (pool code 15)', async () => {
    const round = (await lastStored()) + 40;
    const wrong = await send(s.api, tx().commitTimelockedMechanismWeights(net.netuid, 0, commit(round, [2], [1]), round, 3), net.validatorHot);
    expect(wrong.error).toBe('subtensorModule.IncorrectCommitRevealVersion');
    const past = (await lastStored()) - 1;
    await expect(send(s.api, tx().commitTimelockedMechanismWeights(net.netuid, 0, commit(past, [2], [1]), past, 4), net.validatorHot)).rejects.toThrow(
      '1010: Invalid Transaction: Custom error: 15',
    );
  });

  it('commits, and the reveal epoch`s block step decrypts and applies the weights', async () => {
    const { nextEpoch, epochIndex } = await epochHelpers(s, net.netuid);
    await nextEpoch();
    const round = (await lastStored()) + 2;
    const committed = await send(s.api, tx().commitTimelockedMechanismWeights(net.netuid, 0, commit(round, [2, 3], [65535, 32768]), round, 4), net.validatorHot);
    expect(committed.error).toBeUndefined();
    const event = committed.events.find((e) => e.method === 'TimelockedWeightsCommitted')!;
    expect(event.data.slice(0, 2)).toEqual([net.validatorHot.address, net.netuid]);
    expect(event.data[3]).toBe(round);
    const epoch = await epochIndex();
    const queued = (await s.api.query.subtensorModule.timelockedWeightCommits(net.netuid, epoch)).toJSON() as unknown[][];
    expect(queued).toHaveLength(1);
    expect(queued[0]![3]).toBe(round);
    // Not before the reveal epoch, even once the pulse is stored.
    await s.devnet.newBlock(1);
    expect((await s.api.query.subtensorModule.weights(net.netuid, 1)).toJSON()).toEqual([]);
    await nextEpoch();
    await s.devnet.newBlock(1);
    expect(await lastStored()).toBeGreaterThanOrEqual(round);
    expect((await s.api.query.subtensorModule.weights(net.netuid, 1)).toJSON()).toEqual([[2, 65535], [3, 32768]]);
    expect((await s.api.query.subtensorModule.timelockedWeightCommits(net.netuid, epoch)).toJSON()).toEqual([]);
  });

  it('drops a commit whose payload names another hotkey (a copied ciphertext)', async () => {
    const { nextEpoch, epochIndex } = await epochHelpers(s, net.netuid);
    await nextEpoch();
    const before = (await s.api.query.subtensorModule.weights(net.netuid, 1)).toJSON();
    const round = (await lastStored()) + 2;
    const copied = commit(round, [3], [65535], net.minerHots[0]!.publicKey);
    expect((await send(s.api, tx().commitTimelockedMechanismWeights(net.netuid, 0, copied, round, 4), net.validatorHot)).error).toBeUndefined();
    const epoch = await epochIndex();
    await nextEpoch();
    await s.devnet.newBlock(2);
    // Taken and decrypted (its round is stored), then dropped: the queue is empty and nothing changed.
    expect(await lastStored()).toBeGreaterThanOrEqual(round);
    expect((await s.api.query.subtensorModule.timelockedWeightCommits(net.netuid, epoch)).toJSON()).toEqual([]);
    expect((await s.api.query.subtensorModule.weights(net.netuid, 1)).toJSON()).toEqual(before);
  });

  it('refuses a timelocked commit when commit-reveal is off', async () => {
    await send(s.api, s.api.tx.adminUtils.sudoSetCommitRevealWeightsEnabled(net.netuid, false), net.owner);
    const round = (await lastStored()) + 5;
    const r = await send(s.api, tx().commitTimelockedWeights(net.netuid, commit(round, [2], [1]), round, 4), net.validatorHot);
    expect(r.error).toBe('subtensorModule.CommitRevealDisabled');
    await send(s.api, s.api.tx.adminUtils.sudoSetCommitRevealWeightsEnabled(net.netuid, true), net.owner);
  });
});

describe('a real quicknet pulse (--drand quicknet)', () => {
  let s: Session;
  let net: TestSubnet;
  beforeAll(async () => {
    s = await openSession({ drand: 'quicknet' });
    net = await setupSubnet(s, { commitReveal: true, rateLimit: 0 });
  });
  afterAll(() => s?.close());

  it('reveals weights encrypted to quicknet round 1000 once that round`s public pulse is handed in', async () => {
    const { nextEpoch, epochIndex } = await epochHelpers(s, net.netuid);
    await nextEpoch();
    const ct = u8aToHex(encryptWeights({ version: 4, hotkey: net.validatorHot.publicKey, uids: [2], values: [65535], versionKey: 0n, revealRound: 1000 }));
    expect((await send(s.api, s.api.tx.subtensorModule.commitTimelockedMechanismWeights(net.netuid, 0, ct, 1000, 4), net.validatorHot)).error).toBeUndefined();
    const epoch = await epochIndex();
    await nextEpoch();
    // The reveal epoch has started but quicknet's round is not on chain: the commit waits in its queue.
    expect((await s.api.query.subtensorModule.weights(net.netuid, 1)).toJSON()).toEqual([]);
    expect((await s.api.query.subtensorModule.timelockedWeightCommits(net.netuid, epoch)).toJSON()).toHaveLength(1);
    expect((await rawRpc(s.devnet.endpoint, 'dev_drandPulse', [{ round: PULSE_1000.round, signature: PULSE_1000.signature }])).result).toBe(1000);
    await s.devnet.newBlock(2);
    expect(((await s.api.query.drand.lastStoredRound()) as unknown as Num).toNumber()).toBe(1000);
    const stored = ((await s.api.query.drand.pulses(1000)) as unknown as PulseCodec).toJSON()!;
    expect(stored.randomness).toBe(`0x${PULSE_1000.randomness}`);
    expect((await s.api.query.subtensorModule.weights(net.netuid, 1)).toJSON()).toEqual([[2, 65535]]);
  });
});
