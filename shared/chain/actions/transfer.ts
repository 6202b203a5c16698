/**
 * Sends TAO (`Balances.transfer_keep_alive`, or `transfer_allow_death` when keepAlive is false).
 */
import { buildCall, hasCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

export interface TransferParameters extends SubmitOptions {
  from: Signer;
  /** ss58 address of the recipient. */
  to: string;
  /** rao. */
  amount: bigint;
  /** Refuse to take the sender below the existential deposit (default true). */
  keepAlive?: boolean;
}

export async function transfer(ctx: ChainContext, { from, to, amount, keepAlive = true, ...options }: TransferParameters): Promise<TxResult> {
  const call = keepAlive ? 'transfer_keep_alive' : hasCall(ctx, 'Balances', 'transfer_allow_death') ? 'transfer_allow_death' : 'transfer';
  return submit(ctx, from, buildCall(ctx, 'Balances', call, { dest: to, value: amount }), options);
}
