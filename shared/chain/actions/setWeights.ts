/**
 * Sets a validator hotkey's weights on a subnet (`SubtensorModule.set_weights`, fee-free).
 * `values` are u16s (use convertWeightsForEmit on float scores). Fails with `CommitRevealEnabled`
 * on subnets that use commit-reveal (commitWeights/revealWeights then).
 */
import { buildCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

export interface SetWeightsParameters extends SubmitOptions {
  hotkey: Signer;
  netuid: number;
  uids: readonly number[];
  values: readonly number[];
  /** Must be ≥ the subnet's weights_version (default 0). */
  versionKey?: bigint | number;
}

export async function setWeights(ctx: ChainContext, { hotkey, netuid, uids, values, versionKey = 0n, ...options }: SetWeightsParameters): Promise<TxResult> {
  const call = buildCall(ctx, 'SubtensorModule', 'set_weights', { netuid, dests: [...uids], weights: [...values], version_key: BigInt(versionKey) });
  return submit(ctx, hotkey, call, options);
}
