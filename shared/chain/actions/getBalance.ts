/**
 * An account's TAO balance in rao. RPC: `state_getStorage` of `System.Account(address)`.
 */
import type { ChainContext } from '../context.js';

export interface Balance {
  free: bigint;
  reserved: bigint;
  frozen: bigint;
}

export async function getBalance(ctx: ChainContext, { address }: { address: string }): Promise<Balance> {
  const account = await ctx.api.query.system.account(address);
  const data = (account as unknown as { data: Record<string, { toBigInt(): bigint } | undefined> }).data;
  return {
    free: data['free']!.toBigInt(),
    reserved: data['reserved']?.toBigInt() ?? 0n,
    frozen: (data['frozen'] ?? data['miscFrozen'])?.toBigInt() ?? 0n,
  };
}
