/**
 * Starts a subnet's emission and staking (`SubtensorModule.start_call`), signed by the owner coldkey.
 * Before it, add_stake fails with SubtokenDisabled.
 */
import { buildCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

export interface StartCallParameters extends SubmitOptions {
  coldkey: Signer;
  netuid: number;
}

export async function startCall(ctx: ChainContext, { coldkey, netuid, ...options }: StartCallParameters): Promise<TxResult> {
  return submit(ctx, coldkey, buildCall(ctx, 'SubtensorModule', 'start_call', { netuid }), options);
}
