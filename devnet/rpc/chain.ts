/** chain_*: headers, blocks, hashes and head subscriptions. */
import { z } from 'zod';
import { u8aToHex } from '@polkadot/util';
import type { Block } from '../chain.js';
import { parseParams, RpcError, zAt, type Handlers, type RpcContext } from './shared.js';

export function headerJson(block: Block) {
  const h = block.header;
  return {
    parentHash: u8aToHex(h.parentHash),
    number: `0x${h.number.toString(16)}`,
    stateRoot: u8aToHex(h.stateRoot),
    extrinsicsRoot: u8aToHex(h.extrinsicsRoot),
    digest: { logs: [] },
  };
}

const blockOf = (ctx: RpcContext, hash: string | null | undefined): Block | null =>
  hash ? (ctx.chain.blockByHash(hash) ?? null) : ctx.chain.bestBlock;

const zBlockNumber = z.union([z.number().int().nonnegative(), z.string().regex(/^(0x[0-9a-fA-F]+|\d+)$/).transform((s) => Number(s))]);

function subscribeHeads(method: string) {
  return (ctx: RpcContext): string => {
    const onBlock = (block: Block) => sub.notify(headerJson(block));
    const sub = ctx.subscribe(method, () => ctx.chain.off('block', onBlock));
    ctx.chain.on('block', onBlock);
    // Like a node, the current head is sent right away.
    setImmediate(() => sub.notify(headerJson(ctx.chain.bestBlock)));
    return sub.id;
  };
}

function unsubscribe(ctx: RpcContext, params: unknown[]): boolean {
  const [id] = parseParams(z.tuple([z.string()]), params);
  return ctx.unsubscribe(id);
}

export const chainHandlers: Handlers = {
  chain_getBlockHash: (ctx, params) => {
    const [n] = parseParams(z.tuple([zBlockNumber.nullish()]).or(z.tuple([])), params) as [number | null | undefined];
    if (n === undefined || n === null) return ctx.chain.bestBlock.hash;
    return ctx.chain.hashOfNumber(n) ?? null;
  },
  chain_getHeader: (ctx, params) => {
    const [at] = parseParams(z.tuple([zAt]).or(z.tuple([])), params) as [string | null | undefined];
    const block = blockOf(ctx, at);
    return block ? headerJson(block) : null;
  },
  chain_getBlock: (ctx, params) => {
    const [at] = parseParams(z.tuple([zAt]).or(z.tuple([])), params) as [string | null | undefined];
    const block = blockOf(ctx, at);
    return block ? { block: { header: headerJson(block), extrinsics: block.extrinsics }, justifications: null } : null;
  },
  chain_getFinalizedHead: (ctx) => ctx.chain.bestBlock.hash,
  chain_getFinalisedHead: (ctx) => ctx.chain.bestBlock.hash,
  chain_subscribeNewHeads: subscribeHeads('chain_newHead'),
  chain_subscribeNewHead: subscribeHeads('chain_newHead'),
  chain_subscribeAllHeads: subscribeHeads('chain_allHead'),
  chain_subscribeFinalizedHeads: subscribeHeads('chain_finalizedHead'),
  chain_subscribeFinalisedHeads: subscribeHeads('chain_finalizedHead'),
  chain_unsubscribeNewHeads: unsubscribe,
  chain_unsubscribeNewHead: unsubscribe,
  chain_unsubscribeAllHeads: unsubscribe,
  chain_unsubscribeFinalizedHeads: unsubscribe,
  chain_unsubscribeFinalisedHeads: unsubscribe,
};

export function unknownBlock(hash: string): RpcError {
  return new RpcError(4003, `Client error: UnknownBlock: Header was not found in the database: ${hash}`);
}
