/**
 * Refused weight and serving calls fail with subtensor's errors, decodable by name from the
 * metadata (`api.registry.findMetaError`). With subtensor's pool-level checks on (the default), the
 * rate-limit, stake and IP errors are refused at submission as `1010 Custom error: N` instead,
 * as subtensor's SubtensorTransactionExtension does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, send, setupSubnet, sudoResult, type Session, type TestSubnet } from './support.js';

const LOOPBACK = 0x7f000001n;
const PUBLIC = 0x0a000002n; // 10.0.0.2

describe('module errors by name (pool checks off)', () => {
  let s: Session;
  let net: TestSubnet;
  beforeAll(async () => {
    s = await openSession({ poolChecks: false });
    net = await setupSubnet(s);
  });
  afterAll(() => s?.close());

  const setWeights = (uids: number[], values: number[], version = 0) =>
    send(s.api, s.api.tx.subtensorModule.setWeights(net.netuid, uids, values, version), net.validatorHot);

  it('SettingWeightsTooFast: a fresh registration waits WeightsSetRateLimit (100) blocks', async () => {
    expect((await setWeights([2], [100])).error).toBe('subtensorModule.SettingWeightsTooFast');
    const r = await send(s.api, s.api.tx.sudo.sudo(s.api.tx.adminUtils.sudoSetWeightsSetRateLimit(net.netuid, 0)), net.owner);
    expect(sudoResult(s.api, r)).toBe('ok');
    expect((await setWeights([2], [100])).error).toBeUndefined();
  });

  it('IncorrectWeightVersionKey below the subnet owner\'s WeightsVersionKey', async () => {
    expect((await send(s.api, s.api.tx.adminUtils.sudoSetWeightsVersionKey(net.netuid, 5), net.owner)).error).toBeUndefined();
    expect((await setWeights([2], [100], 4)).error).toBe('subtensorModule.IncorrectWeightVersionKey');
    expect((await setWeights([2], [100], 5)).error).toBeUndefined();
  });

  it('WeightVecLengthIsLow below MinAllowedWeights, DuplicateUids, UidVecContainInvalidOne', async () => {
    expect((await send(s.api, s.api.tx.adminUtils.sudoSetMinAllowedWeights(net.netuid, 2), net.owner)).error).toBeUndefined();
    expect((await setWeights([2], [100], 5)).error).toBe('subtensorModule.WeightVecLengthIsLow');
    expect((await setWeights([2, 2], [100, 100], 5)).error).toBe('subtensorModule.DuplicateUids');
    expect((await setWeights([2, 9], [100, 100], 5)).error).toBe('subtensorModule.UidVecContainInvalidOne');
    expect((await setWeights([2, 3], [100, 50], 5)).error).toBeUndefined();
    expect((await s.api.query.subtensorModule.weights(net.netuid, 1)).toJSON()).toEqual([[2, 65535], [3, 32768]]);
  });

  it('NotEnoughStakeToSetWeights below the root-set StakeThreshold', async () => {
    const r = await send(s.api, s.api.tx.sudo.sudo(s.api.tx.adminUtils.sudoSetStakeThreshold(1_000_000_000_000n)), net.owner);
    expect(sudoResult(s.api, r)).toBe('ok');
    expect((await setWeights([2, 3], [1, 1], 5)).error).toBe('subtensorModule.NotEnoughStakeToSetWeights');
  });

  it('InvalidIpAddress for 127.0.0.1, InvalidPort for 0, InvalidIpType for 5', async () => {
    const serve = (ip: bigint, port: number, ipType: number) =>
      send(s.api, s.api.tx.subtensorModule.serveAxon(net.netuid, 1, ip, port, ipType, 4, 0, 0), net.minerHots[0]!);
    expect((await serve(LOOPBACK, 8091, 4)).error).toBe('subtensorModule.InvalidIpAddress');
    expect((await serve(PUBLIC, 0, 4)).error).toBe('subtensorModule.InvalidPort');
    expect((await serve(PUBLIC, 8091, 5)).error).toBe('subtensorModule.InvalidIpType');
    expect((await serve(PUBLIC, 8091, 4)).error).toBeUndefined();
    expect((await serve(PUBLIC, 8092, 4)).error).toBe('subtensorModule.ServingRateLimitExceeded');
  });
});

describe('pool-level errors (subtensor default)', () => {
  let s: Session;
  let net: TestSubnet;
  beforeAll(async () => {
    s = await openSession();
    net = await setupSubnet(s);
  });
  afterAll(() => s?.close());

  it('refuses too-fast weights as Custom error 6 and loopback axons as Custom error 11', async () => {
    await expect(send(s.api, s.api.tx.subtensorModule.setWeights(net.netuid, [2], [100], 0), net.validatorHot)).rejects.toThrow(
      '1010: Invalid Transaction: Custom error: 6',
    );
    await expect(send(s.api, s.api.tx.subtensorModule.serveAxon(net.netuid, 1, LOOPBACK, 8091, 4, 4, 0, 0), net.minerHots[0]!)).rejects.toThrow(
      '1010: Invalid Transaction: Custom error: 11',
    );
  });

  it('refuses weights below StakeThreshold as Custom error 1, but not the owner hotkey', async () => {
    await send(s.api, s.api.tx.sudo.sudo(s.api.tx.adminUtils.sudoSetWeightsSetRateLimit(net.netuid, 0)), net.owner);
    await send(s.api, s.api.tx.sudo.sudo(s.api.tx.adminUtils.sudoSetStakeThreshold(1_000_000_000_000n)), net.owner);
    await expect(send(s.api, s.api.tx.subtensorModule.setWeights(net.netuid, [2], [100], 0), net.validatorHot)).rejects.toThrow(
      '1010: Invalid Transaction: Custom error: 1',
    );
    expect((await send(s.api, s.api.tx.subtensorModule.setWeights(net.netuid, [2], [100], 0), net.ownerHot)).error).toBeUndefined();
  });
});

describe('--allow-loopback-axons', () => {
  it('accepts 127.0.0.1 when the devnet was started to allow it', async () => {
    const s = await openSession({ allowLoopbackAxons: true });
    try {
      const net = await setupSubnet(s);
      const r = await send(s.api, s.api.tx.subtensorModule.serveAxon(net.netuid, 1, LOOPBACK, 8091, 4, 4, 0, 0), net.minerHots[0]!);
      expect(r.error).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});
