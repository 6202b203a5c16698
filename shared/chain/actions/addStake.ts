/**
 * Stakes TAO from a coldkey to a hotkey on a subnet (`SubtensorModule.add_stake`); on pre-dTAO
 * runtimes, whose add_stake takes no netuid, the stake is global and `netuid` is ignored.
 */
import { buildCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

export interface AddStakeParameters extends SubmitOptions {
  coldkey: Signer;
  /** ss58 address of the hotkey to stake to. */
  hotkey: string;
  netuid: number;
  /** TAO in rao. */
  amount: bigint;
}

export async function addStake(ctx: ChainContext, { coldkey, hotkey, netuid, amount, ...options }: AddStakeParameters): Promise<TxResult> {
  return submit(ctx, coldkey, buildCall(ctx, 'SubtensorModule', 'add_stake', { hotkey, netuid, amount_staked: amount }), options);
}
