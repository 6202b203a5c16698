/**
 * Commits a hash of weights to reveal in the next epoch (`SubtensorModule.commit_weights`, CR v2).
 * The hash is computed here exactly as the chain recomputes it at reveal (commit.ts); keep `salt`
 * and the other inputs to pass to revealWeights.
 */
import { commitHash } from '../commit.js';
import { buildCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

export interface CommitWeightsParameters extends SubmitOptions {
  hotkey: Signer;
  netuid: number;
  uids: readonly number[];
  values: readonly number[];
  salt: readonly number[];
  versionKey?: bigint | number;
}

export async function commitWeights(ctx: ChainContext, { hotkey, netuid, uids, values, salt, versionKey = 0n, ...options }: CommitWeightsParameters): Promise<{ hash: string; result: TxResult }> {
  const hash = commitHash({ hotkey: hotkey.publicKey, netuid, uids, values, salt, versionKey });
  const result = await submit(ctx, hotkey, buildCall(ctx, 'SubtensorModule', 'commit_weights', { netuid, commit_hash: hash }), options);
  return { hash, result };
}
