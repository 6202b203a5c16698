/** system_*: chain identity, properties and health. */
import { z } from 'zod';
import { decodeAddress } from '@polkadot/util-crypto';
import { parseParams, RpcError, type Handlers } from './shared.js';

export const CHAIN_NAME = 'flopnet devnet';
export const NODE_NAME = 'flopnet-devnet';
export const NODE_VERSION = '0.1.0';
export const PROPERTIES = { ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'TAO' } as const;

export const systemHandlers: Handlers = {
  system_chain: () => CHAIN_NAME,
  system_name: () => NODE_NAME,
  system_version: () => NODE_VERSION,
  system_chainType: () => 'Development',
  system_properties: () => PROPERTIES,
  system_health: () => ({ peers: 0, isSyncing: false, shouldHavePeers: false }),
  system_nodeRoles: () => ['Authority'],
  system_peers: () => [],
  system_localPeerId: () => '12D3KooWflopnetDevnet',
  system_localListenAddresses: () => [],
  /** The next nonce, counting the sender's transactions waiting in the pool (as a node's RPC does). */
  system_accountNextIndex: (ctx, params) => {
    const [address] = parseParams(z.tuple([z.string()]), params);
    let who: Uint8Array;
    try {
      who = decodeAddress(address);
    } catch {
      throw new RpcError(-32602, `Invalid params: invalid ss58 address ${address}`);
    }
    const nonce = ctx.chain.runtime.system.Account.get(ctx.chain.head, who).nonce;
    const queued = ctx.chain.pool.queuedNonces(who).length;
    return nonce + queued;
  },
};
