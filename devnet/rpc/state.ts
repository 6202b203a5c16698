/** state_*: storage reads and subscriptions, metadata, runtime version and runtime API calls. */
import { z } from 'zod';
import { u8aToHex, hexToU8a } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { FlopnetError } from '../../shared/errors.js';
import type { Block, Chain } from '../chain.js';
import type { StateReader } from '../runtime/storage.js';
import { DecodeError } from '../runtime/types.js';
import { unknownBlock } from './chain.js';
import { parseParams, RpcError, zAt, zHex, type Handlers, type RpcContext } from './shared.js';

function stateAt(chain: Chain, at: string | null | undefined): StateReader {
  try {
    return chain.stateAt(at);
  } catch (error) {
    if (error instanceof FlopnetError && error.code === 'E_UNKNOWN_BLOCK') throw unknownBlock(at!);
    if (error instanceof FlopnetError) throw new RpcError(4003, `Client error: ${error.message}`);
    throw error;
  }
}

const valueHex = (v: Uint8Array | undefined): string | null => (v === undefined ? null : u8aToHex(v));

function versionJson(chain: Chain) {
  return chain.runtime.version;
}

const zKeys = z.array(zHex.transform((s) => s.toLowerCase()));

export const stateHandlers: Handlers = {
  state_getStorage: (ctx, params) => {
    const [key, at] = parseParams(z.tuple([zHex, zAt.optional()]), params);
    return valueHex(stateAt(ctx.chain, at).get(key.toLowerCase()));
  },
  state_getStorageAt: (ctx, params) => stateHandlers['state_getStorage']!(ctx, params),
  state_getStorageHash: (ctx, params) => {
    const [key, at] = parseParams(z.tuple([zHex, zAt.optional()]), params);
    const v = stateAt(ctx.chain, at).get(key.toLowerCase());
    return v === undefined ? null : u8aToHex(blake2AsU8a(v, 256));
  },
  state_getStorageSize: (ctx, params) => {
    const [key, at] = parseParams(z.tuple([zHex, zAt.optional()]), params);
    return stateAt(ctx.chain, at).get(key.toLowerCase())?.length ?? null;
  },
  state_queryStorageAt: (ctx, params) => {
    const [keys, at] = parseParams(z.tuple([zKeys, zAt.optional()]), params);
    const block = at ? ctx.chain.blockByHash(at) : ctx.chain.bestBlock;
    if (!block) throw unknownBlock(at!);
    const st = stateAt(ctx.chain, at);
    return [{ block: block.hash, changes: keys.map((k) => [k, valueHex(st.get(k))]) }];
  },
  state_getKeysPaged: (ctx, params) => {
    const [prefix, count, startKey, at] = parseParams(
      z.tuple([zHex.nullish(), z.number().int().min(0).max(1000), zHex.nullish(), zAt.optional()]),
      params,
    );
    if (at && !ctx.chain.blockByHash(at)) throw unknownBlock(at);
    const keys = ctx.chain.keysAt(at, (prefix ?? '0x').toLowerCase());
    const start = startKey?.toLowerCase();
    return (start ? keys.filter((k) => k > start) : keys).slice(0, count);
  },
  state_getKeys: (ctx, params) => {
    const [prefix, at] = parseParams(z.tuple([zHex, zAt.optional()]), params);
    return ctx.chain.keysAt(at, prefix.toLowerCase());
  },
  state_getMetadata: (ctx, params) => {
    parseParams(z.tuple([zAt.optional()]).or(z.tuple([])), params);
    return u8aToHex(ctx.chain.runtime.metadata.v14);
  },
  state_getRuntimeVersion: (ctx) => versionJson(ctx.chain),
  chain_getRuntimeVersion: (ctx) => versionJson(ctx.chain),
  state_subscribeRuntimeVersion: (ctx) => {
    const sub = ctx.subscribe('state_runtimeVersion', () => {});
    setImmediate(() => sub.notify(versionJson(ctx.chain)));
    return sub.id;
  },
  chain_subscribeRuntimeVersion: (ctx, params) => stateHandlers['state_subscribeRuntimeVersion']!(ctx, params),
  state_unsubscribeRuntimeVersion: (ctx, params) => ctx.unsubscribe(parseParams(z.tuple([z.string()]), params)[0]),
  chain_unsubscribeRuntimeVersion: (ctx, params) => ctx.unsubscribe(parseParams(z.tuple([z.string()]), params)[0]),
  state_subscribeStorage: (ctx, params) => subscribeStorage(ctx, params),
  state_unsubscribeStorage: (ctx, params) => ctx.unsubscribe(parseParams(z.tuple([z.string()]), params)[0]),
  state_call: (ctx, params) => {
    const [method, data, at] = parseParams(z.tuple([z.string(), zHex, zAt.optional()]), params);
    const handler = ctx.chain.runtime.apiHandlers.get(method);
    if (!handler) throw new RpcError(4003, `Client error: Execution failed: Other: Exported method ${method} is not found`);
    try {
      return u8aToHex(handler(stateAt(ctx.chain, at), hexToU8a(data)));
    } catch (error) {
      if (error instanceof DecodeError) throw new RpcError(4003, `Client error: Execution failed: Execution aborted due to trap: ${error.message}`);
      throw error;
    }
  },
};

/**
 * Sends the keys' current values at once, then the keys whose values changed in each new block.
 * Without keys, every change of every block (as a node streams them).
 */
function subscribeStorage(ctx: RpcContext, params: unknown[]): string {
  const [keys] = parseParams(z.tuple([zKeys.nullish()]).or(z.tuple([])), params) as [string[] | null | undefined];
  if (!keys) {
    const onAny = (block: Block) => sub.notify({ block: block.hash, changes: [...(block.undo?.keys() ?? [])].map((k) => [k, valueHex(ctx.chain.head.get(k))]) });
    const sub = ctx.subscribe('state_storage', () => ctx.chain.off('block', onAny));
    ctx.chain.on('block', onAny);
    return sub.id;
  }
  const watched = keys;
  const last = new Map<string, string | null>();
  const snapshot = (block: Block, all: boolean) => {
    const changes: [string, string | null][] = [];
    for (const k of watched) {
      const v = valueHex(ctx.chain.head.get(k));
      if (all || last.get(k) !== v) changes.push([k, v]);
      last.set(k, v);
    }
    return { block: block.hash, changes };
  };
  const onBlock = (block: Block) => {
    const update = snapshot(block, false);
    if (update.changes.length) sub.notify(update);
  };
  const sub = ctx.subscribe('state_storage', () => ctx.chain.off('block', onBlock));
  const first = snapshot(ctx.chain.bestBlock, true);
  setImmediate(() => sub.notify(first));
  ctx.chain.on('block', onBlock);
  return sub.id;
}
