/**
 * The uid of a hotkey on a subnet, or undefined when it is not registered there.
 * RPC: `state_getStorage` of `SubtensorModule.Uids(netuid, hotkey)`.
 */
import { requireStorage } from '../storage.js';
import type { ChainContext } from '../context.js';

export interface GetUidParameters {
  netuid: number;
  /** ss58 address of the hotkey. */
  hotkey: string;
}

export async function getUid(ctx: ChainContext, { netuid, hotkey }: GetUidParameters): Promise<number | undefined> {
  const value = (await requireStorage(ctx, 'SubtensorModule', 'Uids')(netuid, hotkey)) as unknown as { isSome: boolean; unwrap(): { toNumber(): number } };
  return value.isSome ? value.unwrap().toNumber() : undefined;
}
