/**
 * Sets a validator hotkey's weights on a subnet (`SubtensorModule.set_mechanism_weights` for mechanism 0
 * where the runtime has it, as the SDKs do; `set_weights` before mechanisms existed; fee-free).
 * `values` are u16s (use convertWeightsForEmit on float scores). Fails with `CommitRevealEnabled`
 * on subnets that use commit-reveal (commitWeights/revealWeights then).
 */
import { buildCall, hasCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
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
  const name = hasCall(ctx, 'SubtensorModule', 'set_mechanism_weights') ? 'set_mechanism_weights' : 'set_weights';
  const call = buildCall(ctx, 'SubtensorModule', name, { netuid, mecid: 0, dests: [...uids], weights: [...values], version_key: BigInt(versionKey) });
  return submit(ctx, hotkey, call, options);
}
