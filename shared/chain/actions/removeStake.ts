/**
 * Unstakes from a hotkey back to the coldkey (`SubtensorModule.remove_stake`). At HEAD the amount is
 * alpha (the subnet's token, in rao units); before dTAO it was TAO and there was no netuid.
 */
import { buildCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

export interface RemoveStakeParameters extends SubmitOptions {
  coldkey: Signer;
  hotkey: string;
  netuid: number;
  /** Alpha (TAO on pre-dTAO runtimes), rao units. */
  amount: bigint;
}

export async function removeStake(ctx: ChainContext, { coldkey, hotkey, netuid, amount, ...options }: RemoveStakeParameters): Promise<TxResult> {
  return submit(ctx, coldkey, buildCall(ctx, 'SubtensorModule', 'remove_stake', { hotkey, netuid, amount_unstaked: amount }), options);
}
