/**
 * Creates a subnet (`SubtensorModule.register_network`), signed and paid (the lock cost) by the
 * coldkey that becomes its owner; the hotkey becomes uid 0 on runtimes that take one.
 * Returns the netuid from `NetworkAdded`.
 */
import { buildCall, findEvent, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

export interface RegisterNetworkParameters extends SubmitOptions {
  coldkey: Signer;
  /** ss58 address of the owner hotkey (ignored by runtimes whose register_network takes none). */
  hotkey: string;
}

export async function registerNetwork(ctx: ChainContext, { coldkey, hotkey, ...options }: RegisterNetworkParameters): Promise<{ netuid: number; result: TxResult }> {
  const result = await submit(ctx, coldkey, buildCall(ctx, 'SubtensorModule', 'register_network', { hotkey }), options);
  const event = findEvent(result, 'SubtensorModule', 'NetworkAdded');
  return { netuid: Number(event?.data[0] ?? -1), result };
}
