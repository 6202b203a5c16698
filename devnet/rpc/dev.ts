/** dev_*: chopsticks-style controls for tests (manual block production, injected failures). */
import { z } from 'zod';
import { FlopnetError } from '../../shared/errors.js';
import { parseParams, RpcError, type Handlers } from './shared.js';

const failNextParams = z.tuple([
  z
    .object({
      call: z.string().regex(/^\w+\.\w+$/, 'Pallet.call_name'),
      error: z.string().regex(/^\w+\.\w+$/, 'Pallet.ErrorName'),
      count: z.number().int().min(1).max(1_000_000).optional(),
    })
    .strict(),
]);

const newBlockParams = z.tuple([z.object({ count: z.number().int().min(1).max(10_000).optional() }).strict().nullish()]).or(z.tuple([]));

const pulseParams = z.tuple([
  z
    .object({
      round: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
      /** 48-byte compressed G1 signature, hex (as drand's HTTP API serves it, with or without 0x). */
      signature: z.string().regex(/^(0x)?[0-9a-fA-F]{96}$/, '48 bytes of hex'),
    })
    .strict(),
]);

export const devHandlers: Handlers = {
  /**
   * Hands the chain a drand pulse (e.g. a real quicknet round from drand's public API); the next block
   * stores it as pallet-drand's offchain worker would. Verified against Drand.BeaconConfig first.
   */
  dev_drandPulse: (ctx, params) => {
    const [{ round, signature }] = parseParams(pulseParams, params);
    try {
      ctx.chain.queuePulse(BigInt(round), Uint8Array.from(Buffer.from(signature.replace(/^0x/, ''), 'hex')));
    } catch (error) {
      if (error instanceof FlopnetError) throw new RpcError(-32602, error.message);
      throw error;
    }
    return round;
  },
  /** Builds `count` blocks (default 1) from the pool; returns the last block's hash. */
  dev_newBlock: (ctx, params) => {
    const [opts] = parseParams(newBlockParams, params) as [{ count?: number } | null | undefined];
    const count = opts?.count ?? 1;
    let hash = ctx.chain.bestBlock.hash;
    for (let i = 0; i < count; i++) hash = ctx.chain.newBlock().hash;
    return hash;
  },
  /**
   * `{ call: 'SubtensorModule.reveal_weights', error: 'SubtensorModule.InputLengthsUnequal', count }`:
   * the next `count` (default 1) extrinsics of that call are included and fail with that module error.
   * Returns the count armed; -32602 for a call or error this runtime does not have.
   */
  dev_failNext: (ctx, params) => {
    const [spec] = parseParams(failNextParams, params);
    try {
      return ctx.chain.faults.add({ call: spec.call, error: spec.error, count: spec.count ?? 1 });
    } catch (error) {
      throw new RpcError(-32602, `Invalid params: ${(error as Error).message}`);
    }
  },
  /** Disarms every injected failure. */
  dev_clearFailures: (ctx) => {
    ctx.chain.faults.clear();
    return null;
  },
};
