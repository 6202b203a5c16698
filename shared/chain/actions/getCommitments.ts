/**
 * Every hotkey's commitment on a subnet: the block it was made and its fields (Raw fields as UTF-8
 * text when printable, else hex). RPC: entries of `Commitments.CommitmentOf(netuid)`.
 */
import { u8aToHex } from '@polkadot/util';
import type { Codec } from '@polkadot/types/types';
import { requireStorage } from '../storage.js';
import type { ChainContext } from '../context.js';

export interface Commitment {
  hotkey: string;
  block: number;
  fields: string[];
}

function fieldText(field: { type: string; value: Codec }): string {
  if (!field.type.startsWith('Raw')) return field.type === 'None' ? '' : `${field.type}:${field.value.toHex()}`;
  const bytes = field.value.toU8a(true);
  const text = Buffer.from(bytes).toString('utf8');
  return /^[\x20-\x7e]*$/.test(text) ? text : u8aToHex(bytes);
}

export async function getCommitments(ctx: ChainContext, { netuid }: { netuid: number }): Promise<Commitment[]> {
  const entries = await requireStorage(ctx, 'Commitments', 'CommitmentOf').entries(netuid);
  return entries.map(([key, value]) => {
    const reg = (value as unknown as { unwrap(): { block: Codec; info: { fields: Array<{ type: string; value: Codec }> } } }).unwrap();
    return {
      hotkey: (key.args[1] as Codec).toString(),
      block: Number(reg.block.toString()),
      fields: [...reg.info.fields].map(fieldText),
    };
  });
}
