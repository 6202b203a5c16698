/**
 * A subnet on a test devnet, set up as subtensor.md §7 describes for a localnet: Alice (sudo) owns it,
 * start_call done, admin freeze window 0, commit-reveal off, no weights rate limit.
 */
import { afterEach } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { connect, type ChainClient } from '../../../shared/chain/index.js';
import { startDevnet } from '../../helpers/devnet.js';

export async function devKeys() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const key = (uri: string): KeyringPair => keyring.addFromUri(uri);
  return {
    alice: key('//Alice'),
    aliceHk: key('//Alice_hk'),
    bob: key('//Bob'),
    bobHk: key('//Bob_hk'),
    bobHk2: key('//Bob_hk2'),
    charlie: key('//Charlie'),
    charlieHk: key('//Charlie_hk'),
    /** A coldkey with no funds. */
    pauper: key('//Pauper'),
    pauperHk: key('//Pauper_hk'),
  };
}

export type DevKeys = Awaited<ReturnType<typeof devKeys>>;

export async function createOpenSubnet(client: ChainClient, keys: DevKeys): Promise<number> {
  const { netuid } = await client.registerNetwork({ coldkey: keys.alice, hotkey: keys.aliceHk.address });
  await client.startCall({ coldkey: keys.alice, netuid });
  await client.setHyperparameter({ signer: keys.alice, netuid, name: 'admin_freeze_window', value: 0 });
  await client.setHyperparameter({ signer: keys.alice, netuid, name: 'commit_reveal_weights_enabled', value: false });
  await client.setHyperparameter({ signer: keys.alice, netuid, name: 'weights_rate_limit', value: 0 });
  return netuid;
}

/** A fresh devnet of the given runtime with an open subnet, and a client on it; `close` stops both. */
export async function openSubnetOn(options: Parameters<typeof startDevnet>[0] = {}) {
  const keys = await devKeys();
  const devnet = await startDevnet(options);
  const client = await connect({ endpoint: devnet.endpoint, txTimeoutMs: 20_000 });
  const netuid = await createOpenSubnet(client, keys);
  const close = async (): Promise<void> => {
    await client.close();
    await devnet.close();
  };
  return { keys, devnet, client, netuid, close };
}

/**
 * openSubnetOn for a file whose tests each open a subnet of their own: call once at the top of the file;
 * the returned function opens one, and the subnet of each test is closed after it.
 */
export function subnetPerTest(): typeof openSubnetOn {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  return async (options) => {
    const opened = await openSubnetOn(options);
    close = opened.close;
    return opened;
  };
}

/** Bob registers `validator` on the subnet and stakes 100 TAO to it: enough for a validator permit. */
export async function registerValidator(client: ChainClient, keys: DevKeys, netuid: number, validator: string): Promise<void> {
  await client.burnedRegister({ coldkey: keys.bob, hotkey: validator, netuid });
  await client.addStake({ coldkey: keys.bob, hotkey: validator, netuid, amount: 100_000_000_000n });
}

/**
 * A fresh devnet (loopback axons allowed) with an open subnet on which Bob registered `validator` and
 * staked 100 TAO to it: where the miner and validator end-to-end tests start.
 */
export async function subnetWithValidator(validator: string, { defaultTempo }: { defaultTempo: number }) {
  const keys = await devKeys();
  const devnet = await startDevnet({ allowLoopbackAxons: true, defaultTempo });
  const client = await connect({ endpoint: devnet.endpoint, txTimeoutMs: 30_000 });
  const netuid = await createOpenSubnet(client, keys);
  await registerValidator(client, keys, netuid, validator);
  return { keys, devnet, client, netuid };
}
