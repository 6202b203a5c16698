/** author_*: extrinsic submission with the node's error codes and the ready → inBlock → finalized stream. */
import { z } from 'zod';
import { PoolError } from '../runtime/extrinsic.js';
import { parseParams, RpcError, zHex, type Handlers, type RpcContext } from './shared.js';

function submit(ctx: RpcContext, params: unknown[]) {
  const [hex] = parseParams(z.tuple([zHex]), params);
  try {
    return ctx.chain.submit(hex.toLowerCase());
  } catch (error) {
    if (error instanceof PoolError) throw new RpcError(error.code, error.rpcMessage, error.data);
    throw error;
  }
}

export const authorHandlers: Handlers = {
  author_submitExtrinsic: (ctx, params) => submit(ctx, params).x.hash,
  author_submitAndWatchExtrinsic: (ctx, params) => {
    const entry = submit(ctx, params);
    let done = false;
    let ready = false;
    const watcher = (status: unknown) => {
      if (done) return;
      // Instant mode can build the block before the deferred 'ready' below runs; keep the node's order.
      if (!ready && status !== 'invalid') {
        ready = true;
        sub.notify('ready');
      }
      if (status === 'ready') return;
      sub.notify(status);
      if (status === 'invalid' || status === 'dropped' || (typeof status === 'object' && status !== null && 'finalized' in status)) done = true;
    };
    const sub = ctx.subscribe('author_extrinsicUpdate', () => {
      done = true;
    });
    entry.watchers.push(watcher);
    setImmediate(() => watcher('ready'));
    return sub.id;
  },
  author_unwatchExtrinsic: (ctx, params) => ctx.unsubscribe(parseParams(z.tuple([z.string()]), params)[0]),
  author_pendingExtrinsics: (ctx) => ctx.chain.pool.pending.map((e) => `0x${Buffer.from(e.x.bytes).toString('hex')}`),
};
