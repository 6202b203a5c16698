/**
 * The demo's accounts and subnet: wallets in a temporary directory, funded from the devnet's //Alice,
 * a subnet created by its owner with demo-friendly hyperparameters, validators registered and staked,
 * miners registered. Everything goes through the same chain client the real programs use.
 */
import { Keyring } from '@polkadot/keyring';
import type { ChainClient, Signer } from '../../shared/chain/index.js';
import { taoToRao } from '../../shared/chain/index.js';
import type { Logger } from '../../shared/log.js';
import { createHotkey, createWallet, loadColdkey, loadHotkey } from '../../shared/wallet/index.js';

export type MinerRole = 'honest' | 'cheater' | 'shared-backend';

export interface DemoNeuron {
  /** Wallet (coldkey) name inside the demo's wallet directory. */
  wallet: string;
  hotkeyName: string;
  hotkey: string;
  coldkey: string;
  uid: number;
}

export interface DemoMiner extends DemoNeuron {
  role: MinerRole;
}

export interface DemoSubnet {
  netuid: number;
  tempo: number;
  walletPath: string;
  owner: DemoNeuron;
  validators: DemoNeuron[];
  miners: DemoMiner[];
}

export interface SetupOptions {
  client: ChainClient;
  walletPath: string;
  miners: number;
  validators: number;
  tempo: number;
  log: Logger;
  signal: AbortSignal;
}

/** Roles for `count` miners: one cheater, two hotkeys sharing one backend (when there are ≥ 4), the rest honest. */
export function minerRoles(count: number): MinerRole[] {
  const roles: MinerRole[] = ['honest', 'cheater'];
  if (count >= 4) roles.push('shared-backend', 'shared-backend');
  while (roles.length < count) roles.splice(1, 0, 'honest');
  return roles.slice(0, count);
}

const VALIDATOR_STAKE_TAO = [400, 250, 150, 100];

async function newWallet(walletPath: string, name: string, hotkeys: readonly string[]) {
  const created = await createWallet({ name, path: walletPath, hotkey: hotkeys[0]!, password: null });
  const hot = [created.hotkey!];
  for (const hk of hotkeys.slice(1)) hot.push((await createHotkey({ name, path: walletPath, hotkey: hk })).hotkey);
  const coldkey = await loadColdkey({ name, path: walletPath });
  return { coldkey, hotkeys: hot };
}

export async function setupSubnet(options: SetupOptions): Promise<DemoSubnet> {
  const { client, walletPath, log, signal } = options;
  const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');
  const step = (msg: string) => {
    signal.throwIfAborted();
    log.info(msg);
  };

  step('creating wallets');
  const owner = await newWallet(walletPath, 'owner', ['default']);
  const validatorWallets = [];
  for (let i = 0; i < options.validators; i++) validatorWallets.push(await newWallet(walletPath, `validator${i}`, ['default']));
  const roles = minerRoles(options.miners);
  const minerWallets: { name: string; hotkeyName: string; role: MinerRole }[] = [];
  const sharedOperator = 'shared-operator';
  let sharedCreated = false;
  for (const [i, role] of roles.entries()) {
    if (role === 'shared-backend') {
      // One operator, one machine, two hotkeys: the Sybil case the protocol must not reward twice.
      const hotkeyName = `hotkey${minerWallets.filter((m) => m.role === 'shared-backend').length}`;
      if (!sharedCreated) await newWallet(walletPath, sharedOperator, ['hotkey0', 'hotkey1']);
      sharedCreated = true;
      minerWallets.push({ name: sharedOperator, hotkeyName, role });
    } else {
      await newWallet(walletPath, `miner${i}`, ['default']);
      minerWallets.push({ name: `miner${i}`, hotkeyName: 'default', role });
    }
  }

  step('funding wallets from //Alice');
  const fund = async (to: Signer, tao: number) => client.transfer({ from: alice, to: to.address, amount: taoToRao(tao) });
  await fund(owner.coldkey, 1_100);
  for (const [i, w] of validatorWallets.entries()) await fund(w.coldkey, (VALIDATOR_STAKE_TAO[i] ?? 100) + 50);
  const minerColdkeys = new Map<string, Signer>();
  for (const m of minerWallets) {
    if (!minerColdkeys.has(m.name)) {
      const cold = await loadColdkey({ name: m.name, path: walletPath });
      minerColdkeys.set(m.name, cold);
      await fund(cold, 100);
    }
  }

  step('creating the subnet');
  await client.setHyperparameter({ signer: alice, netuid: 0, name: 'admin_freeze_window', value: 0 });
  const ownerHotkey = owner.hotkeys[0]!;
  const { netuid } = await client.registerNetwork({ coldkey: owner.coldkey, hotkey: ownerHotkey });
  await client.startCall({ coldkey: owner.coldkey, netuid });
  await client.setHyperparameter({ signer: owner.coldkey, netuid, name: 'commit_reveal_weights_enabled', value: false });
  await client.setHyperparameter({ signer: alice, netuid, name: 'tempo', value: options.tempo, sudo: true });
  await client.setHyperparameter({ signer: alice, netuid, name: 'weights_rate_limit', value: Math.max(1, Math.floor(options.tempo / 2)), sudo: true });
  log.info('subnet ready', { netuid, tempo: options.tempo });

  step('registering validators and miners');
  const validators: DemoNeuron[] = [];
  for (const [i, w] of validatorWallets.entries()) {
    const hotkey = w.hotkeys[0]!;
    const { uid } = await client.burnedRegister({ coldkey: w.coldkey, hotkey, netuid });
    await client.addStake({ coldkey: w.coldkey, hotkey, netuid, amount: taoToRao(VALIDATOR_STAKE_TAO[i] ?? 100) });
    validators.push({ wallet: `validator${i}`, hotkeyName: 'default', hotkey, coldkey: w.coldkey.address, uid });
  }
  const miners: DemoMiner[] = [];
  for (const m of minerWallets) {
    const cold = minerColdkeys.get(m.name)!;
    const hotkey = loadHotkey({ name: m.name, hotkey: m.hotkeyName, path: walletPath }).address;
    const { uid } = await client.burnedRegister({ coldkey: cold, hotkey, netuid });
    miners.push({ wallet: m.name, hotkeyName: m.hotkeyName, hotkey, coldkey: cold.address, uid, role: m.role });
  }
  return {
    netuid,
    tempo: options.tempo,
    walletPath,
    owner: { wallet: 'owner', hotkeyName: 'default', hotkey: ownerHotkey, coldkey: owner.coldkey.address, uid: 0 },
    validators,
    miners,
  };
}
