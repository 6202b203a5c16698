/**
 * Storage and runtime-API access by the names metadata uses, tolerant of runtimes that lack an item.
 */
import type { QueryableStorageEntry } from '@polkadot/api/types';
import { stringCamelCase, u8aToHex } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';
import { CallUnsupportedError } from './errors.js';
import type { ChainContext } from './context.js';

export type StorageEntry = QueryableStorageEntry<'promise'>;

/** The storage entry `Pallet.Item`, or undefined when the runtime has none. */
export function storageEntry(ctx: ChainContext, pallet: string, item: string): StorageEntry | undefined {
  return ctx.api.query[stringCamelCase(pallet)]?.[stringCamelCase(item)];
}

/** The storage entry `Pallet.Item`; `CallUnsupportedError` naming it when the runtime has none. */
export function requireStorage(ctx: ChainContext, pallet: string, item: string): StorageEntry {
  const entry = storageEntry(ctx, pallet, item);
  if (!entry) throw new CallUnsupportedError(`storage item ${pallet}.${item}`, ctx.api.runtimeVersion.specVersion.toNumber());
  return entry;
}

/** Whether the runtime declares `trait` (by its blake2_64 id) in its version's API list. */
export function hasRuntimeApi(ctx: ChainContext, trait: string): boolean {
  const id = blake2AsHex(trait, 64);
  return ctx.api.runtimeVersion.apis.some(([apiId]) => apiId.toHex() === id);
}

/** Raw `state_call` of `Trait_method` with SCALE-encoded params; returns the raw result bytes. */
export async function runtimeCall(ctx: ChainContext, method: string, params: Uint8Array, at?: string): Promise<Uint8Array> {
  const result = at ? await ctx.api.rpc.state.call(method, u8aToHex(params), at) : await ctx.api.rpc.state.call(method, u8aToHex(params));
  return result.toU8a(true);
}

/** The best block's hash and number, for reads that must agree on one block. */
export async function head(ctx: ChainContext): Promise<{ hash: string; number: number }> {
  const header = await ctx.api.rpc.chain.getHeader();
  return { hash: header.hash.toHex(), number: header.number.toNumber() };
}
