/** dev_*: chopsticks-style controls for tests (manual block production). */
import { z } from 'zod';
import { parseParams, type Handlers } from './shared.js';

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
};
