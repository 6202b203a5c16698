/**
 * A subnet's hyperparameters, read from storage by the names btcli shows. Items this runtime lacks are
 * left out, so the result lists what the chain actually has. Throws SubnetNotFoundError for a netuid
 * that does not exist. RPC: one `state_queryStorageAt` per item, in parallel.
 */
import { SubnetNotFoundError } from '../errors.js';
import { HYPERPARAMETERS } from '../hyperparameters.js';
import { storageEntry } from '../storage.js';
import { primitive } from '../tx.js';
import type { ChainContext } from '../context.js';
import { subnetExists } from './getMetagraph.js';

export interface GetHyperparametersParameters {
  netuid: number;
}

export type Hyperparameters = Record<string, number | bigint | boolean | string>;

export async function getHyperparameters(ctx: ChainContext, { netuid }: GetHyperparametersParameters): Promise<Hyperparameters> {
  if (!(await subnetExists(ctx, netuid))) throw new SubnetNotFoundError(netuid, ctx.endpoint);
  const entries = await Promise.all(
    Object.entries(HYPERPARAMETERS).map(async ([name, hp]) => {
      const entry = hp.storage ? storageEntry(ctx, 'SubtensorModule', hp.storage) : undefined;
      if (!entry) return undefined;
      const value = hp.global ? await entry() : await entry(netuid);
      const plain = (value as unknown as { isTrue?: boolean }).isTrue !== undefined ? (value as unknown as { isTrue: boolean }).isTrue : primitive(value);
      return [name, plain] as const;
    }),
  );
  return Object.fromEntries(entries.filter((e): e is NonNullable<typeof e> => e !== undefined)) as Hyperparameters;
}
