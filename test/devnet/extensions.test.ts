/**
 * `extensions: 'subtensor'` declares HEAD's signed extensions. A client that describes them (as a
 * client of a real node must) signs correctly; an unmodified @polkadot/api drops the wrapper's tip and
 * is refused, as it would be by subtensor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevnet, type TestDevnet } from '../helpers/devnet.js';
import { send } from './support.js';

const empty = { extrinsic: {}, payload: {} };
const SUBTENSOR_EXTENSIONS = {
  ChargeTransactionPaymentWrapper: { extrinsic: { tip: 'Compact<u64>' }, payload: {} },
  SudoTransactionExtension: empty,
  CheckShieldedTxValidity: empty,
  SubtensorTransactionExtension: empty,
  DrandPriority: empty,
};

describe('subtensor signed extensions', () => {
  let devnet: TestDevnet;
  beforeAll(async () => {
    await cryptoWaitReady();
    devnet = await startDevnet({ extensions: 'subtensor' });
  });
  afterAll(() => devnet?.close());

  it('lists HEAD\'s extensions in order, and accepts a client that describes them', async () => {
    const api = await ApiPromise.create({ provider: new WsProvider(devnet.endpoint), noInitWarn: true, signedExtensions: SUBTENSOR_EXTENSIONS });
    try {
      expect(api.registry.signedExtensions).toEqual([
        'CheckNonZeroSender', 'CheckSpecVersion', 'CheckTxVersion', 'CheckGenesis', 'CheckMortality', 'CheckNonce', 'CheckWeight',
        'ChargeTransactionPaymentWrapper', 'SudoTransactionExtension', 'CheckShieldedTxValidity', 'SubtensorTransactionExtension', 'DrandPriority', 'CheckMetadataHash',
      ]);
      const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
      const r = await send(api, api.tx.balances.transferKeepAlive(new Keyring().addFromUri('//Bob').address, 1_000_000_000n), alice);
      expect(r.error).toBeUndefined();
      expect(r.events.map((e) => e.method)).toContain('Transfer');
    } finally {
      await api.disconnect();
    }
  });

  it('refuses an unmodified client, which leaves out the wrapper\'s tip', async () => {
    const api = await ApiPromise.create({ provider: new WsProvider(devnet.endpoint), noInitWarn: true });
    try {
      const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
      await expect(send(api, api.tx.system.remark('0x01'), alice)).rejects.toThrow(/^(1001|1010):/);
    } finally {
      await api.disconnect();
    }
  });
});
