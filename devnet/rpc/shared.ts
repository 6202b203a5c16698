/**
 * The contract between the transport (server.ts) and the method handlers: a handler gets the chain
 * and a per-connection subscription helper, and its parameters as sent; it validates them with zod.
 */
import { z } from 'zod';
import type { Chain } from '../chain.js';
import { isHex } from '../runtime/types.js';

/** A JSON-RPC error with its code; anything else thrown by a handler becomes -32603. */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export interface Subscription {
  id: string;
  notify(result: unknown): void;
}

export interface RpcContext {
  chain: Chain;
  /**
   * Opens a subscription whose notifications use `method`; `cancel` runs on unsubscribe or when the
   * connection closes. Throws RpcError over HTTP.
   */
  subscribe(method: string, cancel: () => void): Subscription;
  unsubscribe(id: string): boolean;
}

export type Handler = (ctx: RpcContext, params: unknown[]) => unknown;
export type Handlers = Record<string, Handler>;

/** Parses positional params with a zod tuple; a mismatch is -32602 Invalid params. */
export function parseParams<T extends z.ZodTypeAny>(schema: T, params: unknown[]): z.infer<T> {
  const result = schema.safeParse(params);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new RpcError(-32602, `Invalid params: ${issue ? `${issue.path.join('.') || 'params'}: ${issue.message}` : 'invalid'}`);
  }
  return result.data;
}

export const zHex = z.string().refine(isHex, 'a 0x-prefixed hex string');
export const zHash = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte 0x-prefixed hash');
/** Optional trailing block hash (`at`), null allowed. */
export const zAt = zHash.nullish();
