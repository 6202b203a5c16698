/**
 * For the chain command tests: a devnet with a ready subnet, wallets from dev URIs in a temp dir, and
 * `flopnet` run as a child process (asynchronously: the devnet runs in this process).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWallet } from '../../../shared/wallet/index.js';
import { connect, type ChainClient } from '../../../shared/chain/index.js';
import { startDevnet, type TestDevnet } from '../../helpers/devnet.js';
import { createOpenSubnet, devKeys, type DevKeys } from './fixtures.js';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface ChainCliEnv {
  devnet: TestDevnet;
  client: ChainClient;
  keys: DevKeys;
  netuid: number;
  walletPath: string;
  /** Runs `flopnet ARGS` against the devnet and the temp wallets (through FLOPNET_* variables). */
  flopnet(...args: string[]): Promise<CliRun>;
  close(): Promise<void>;
}

/** Wallets named after their dev accounts: alice (//Alice, //Alice_hk), bob, charlie, pauper (no funds). */
const WALLETS = [
  ['alice', '//Alice', '//Alice_hk'],
  ['bob', '//Bob', '//Bob_hk'],
  ['charlie', '//Charlie', '//Charlie_hk'],
  ['pauper', '//Pauper', '//Pauper_hk'],
] as const;

export function runFlopnet(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/flopnet.mjs', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

export async function chainCliEnv(): Promise<ChainCliEnv> {
  const keys = await devKeys();
  const walletPath = mkdtempSync(join(tmpdir(), 'flopnet-chain-cli-'));
  for (const [name, cold, hot] of WALLETS) {
    await createWallet({ name, path: walletPath, hotkey: 'default', coldkeyUri: cold, hotkeyUri: hot, password: null });
  }
  const devnet = await startDevnet({ blockMode: 'instant' });
  const client = await connect({ endpoint: devnet.endpoint });
  const netuid = await createOpenSubnet(client, keys);
  return {
    devnet,
    client,
    keys,
    netuid,
    walletPath,
    flopnet: (...args) => runFlopnet(args, { FLOPNET_SUBTENSOR_CHAIN_ENDPOINT: devnet.endpoint, FLOPNET_WALLET_PATH: walletPath }),
    close: async () => {
      await client.close();
      await devnet.close();
      rmSync(walletPath, { recursive: true, force: true });
    },
  };
}
