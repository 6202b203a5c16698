/**
 * Who set which weights at which block on a subnet: every uid with a non-empty `Weights` row, its
 * hotkey, the block of its last weight update (`LastUpdate`) and the row as stored (u16 values,
 * max-upscaled by the chain). RPC: `state_getKeysPaged` + `state_queryStorageAt` for the rows, plus
 * `Keys` and `LastUpdate`, all at one block.
 */
import { encodeAddress } from '@polkadot/util-crypto';
import type { Codec } from '@polkadot/types/types';
import { SubnetNotFoundError } from '../errors.js';
import { SS58_PREFIX } from '../../wallet/keypair.js';
import { head, requireStorage, storageEntry } from '../storage.js';
import type { ChainContext } from '../context.js';
import { subnetExists } from './getMetagraph.js';

export interface WeightsRow {
  uid: number;
  hotkey: string;
  /** Block of the uid's last set_weights (or commit, under commit-reveal). */
  block: number;
  weights: Array<{ uid: number; value: number }>;
}

export async function getWeights(ctx: ChainContext, { netuid }: { netuid: number }): Promise<{ netuid: number; block: number; rows: WeightsRow[] }> {
  const at = await head(ctx);
  if (!(await subnetExists(ctx, netuid, at.hash))) throw new SubnetNotFoundError(netuid, ctx.endpoint);
  const lastUpdateEntry = storageEntry(ctx, 'SubtensorModule', 'LastUpdate');
  const [rows, keys, lastUpdate] = await Promise.all([
    requireStorage(ctx, 'SubtensorModule', 'Weights').entriesAt(at.hash, netuid),
    requireStorage(ctx, 'SubtensorModule', 'Keys').entriesAt(at.hash, netuid),
    lastUpdateEntry ? lastUpdateEntry.at(at.hash, netuid) : Promise.resolve(undefined),
  ]);
  const hotkeys = new Map<number, string>();
  for (const [key, value] of keys) hotkeys.set(Number((key.args[1] as Codec).toString()), encodeAddress(value.toU8a(), SS58_PREFIX));
  const updates = lastUpdate ? [...(lastUpdate as unknown as Codec[])].map((v) => Number(v.toString())) : [];
  const out: WeightsRow[] = [];
  for (const [key, value] of rows) {
    const uid = Number((key.args[1] as Codec).toString());
    const pairs = [...(value as unknown as Array<[Codec, Codec]>)].map(([dest, w]) => ({ uid: Number(dest.toString()), value: Number(w.toString()) }));
    if (pairs.length === 0) continue;
    out.push({ uid, hotkey: hotkeys.get(uid) ?? '', block: updates[uid] ?? 0, weights: pairs });
  }
  out.sort((a, b) => a.uid - b.uid);
  return { netuid, block: at.number, rows: out };
}
