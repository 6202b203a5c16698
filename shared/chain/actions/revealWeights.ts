/**
 * Reveals committed weights (`SubtensorModule.reveal_weights`) with the same uids, values, salt and
 * version key that were committed. Runtimes before spec 218 took no salt; it is then left out.
 */
import { buildCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

export interface RevealWeightsParameters extends SubmitOptions {
  hotkey: Signer;
  netuid: number;
  uids: readonly number[];
  values: readonly number[];
  salt: readonly number[];
  versionKey?: bigint | number;
}

export async function revealWeights(ctx: ChainContext, { hotkey, netuid, uids, values, salt, versionKey = 0n, ...options }: RevealWeightsParameters): Promise<TxResult> {
  const call = buildCall(ctx, 'SubtensorModule', 'reveal_weights', { netuid, uids: [...uids], values: [...values], salt: [...salt], version_key: BigInt(versionKey) });
  return submit(ctx, hotkey, call, options);
}
