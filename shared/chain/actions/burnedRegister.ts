/**
 * Registers a hotkey on a subnet by burning the registration cost (`SubtensorModule.burned_register`),
 * signed and paid by the coldkey. Returns the uid from `NeuronRegistered`.
 */
import { buildCall, findEvent, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

export interface BurnedRegisterParameters extends SubmitOptions {
  coldkey: Signer;
  /** ss58 address of the hotkey to register. */
  hotkey: string;
  netuid: number;
}

export async function burnedRegister(ctx: ChainContext, { coldkey, hotkey, netuid, ...options }: BurnedRegisterParameters): Promise<{ uid: number; result: TxResult }> {
  const result = await submit(ctx, coldkey, buildCall(ctx, 'SubtensorModule', 'burned_register', { netuid, hotkey }), options);
  const event = findEvent(result, 'SubtensorModule', 'NeuronRegistered');
  return { uid: Number(event?.data[1] ?? -1), result };
}
