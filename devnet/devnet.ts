/**
 * Starts a devnet: chain + RPC server on one port. Used by `flopnet devnet`, the demo and the tests
 * (test/helpers/devnet.ts). With `stateFile`, the chain resumes from it and is saved there on close.
 */
import { cryptoWaitReady } from '@polkadot/util-crypto';
import type { Logger } from '../shared/log.js';
import { Chain, type ChainOptions, type DevAccount } from './chain.js';
import { startServer } from './server.js';
import { createHandlers } from './rpc/index.js';

export interface DevnetOptions extends Partial<ChainOptions> {
  /** 0 picks a free port. Default 9944. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  stateFile?: string;
}

export interface Devnet {
  chain: Chain;
  endpoint: string;
  httpEndpoint: string;
  port: number;
  accounts: DevAccount[];
  /** Builds `count` blocks now, whatever the block mode. */
  newBlock(count?: number): void;
  /** Stops block production, closes connections, saves the state file if one was given. */
  close(): Promise<void>;
}

export async function startDevnet(options: DevnetOptions = {}, log?: Logger): Promise<Devnet> {
  await cryptoWaitReady();
  const chainOptions: Partial<ChainOptions> = { ...options, ...(log ? { log } : {}) };
  const chain = options.stateFile ? Chain.load(options.stateFile, chainOptions) : new Chain(chainOptions);
  const server = await startServer(chain, createHandlers(), { port: options.port ?? 9944, host: options.host ?? '127.0.0.1', ...(log ? { log } : {}) });
  chain.start();
  let closed = false;
  return {
    chain,
    endpoint: server.endpoint,
    httpEndpoint: server.endpoint.replace(/^ws/, 'http'),
    port: server.port,
    accounts: Chain.devAccounts(),
    newBlock: (count = 1) => {
      for (let i = 0; i < count; i++) chain.newBlock();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      chain.stop();
      await server.close();
      if (options.stateFile) chain.save(options.stateFile);
    },
  };
}
