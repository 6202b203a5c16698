/**
 * Publishes up to three small data fields for a registered hotkey on a subnet
 * (`Commitments.set_commitment`, fee-free), each stored as `Raw<n>` bytes (n ≤ 128).
 */
import { stringToU8a } from '@polkadot/util';
import { UsageError } from '../../errors.js';
import { buildCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

export interface SetCommitmentParameters extends SubmitOptions {
  hotkey: Signer;
  netuid: number;
  /** One to three fields; strings are UTF-8 encoded. */
  fields: ReadonlyArray<string | Uint8Array>;
}

export async function setCommitment(ctx: ChainContext, { hotkey, netuid, fields, ...options }: SetCommitmentParameters): Promise<TxResult> {
  if (fields.length < 1 || fields.length > 3) throw new UsageError(`a commitment has 1 to 3 fields, not ${fields.length}`, { code: 'E_COMMITMENT' });
  const data = fields.map((f) => {
    const bytes = typeof f === 'string' ? stringToU8a(f) : f;
    if (bytes.length > 128) throw new UsageError(`a commitment field holds at most 128 bytes, not ${bytes.length}`, { code: 'E_COMMITMENT' });
    return { [`Raw${bytes.length}`]: bytes };
  });
  return submit(ctx, hotkey, buildCall(ctx, 'Commitments', 'set_commitment', { netuid, info: { fields: data } }), options);
}
