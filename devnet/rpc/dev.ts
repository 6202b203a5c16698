/** dev_*: chopsticks-style controls for tests (manual block production, injected failures). */
import { z } from 'zod';
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

export const devHandlers: Handlers = {
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
