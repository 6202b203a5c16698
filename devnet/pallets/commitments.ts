/**
 * Commitments (index 18): a registered hotkey publishes up to 3 data fields per subnet, limited to
 * MaxSpace bytes per epoch (§1.6). Deposits are 0, as on subtensor.
 */
import { Pallet, DispatchFailure, type RuntimeTypes } from '../runtime/pallet.js';
import type { Variant, VariantValue } from '../runtime/types.js';
import type { SubtensorPallet } from './subtensor/index.js';

export const MAX_FIELDS = 3;
export const MAX_SPACE = 3100n;

export interface CommitmentInfo {
  fields: VariantValue[];
}
export interface Registration {
  deposit: bigint;
  block: number;
  info: CommitmentInfo;
}

export function commitmentsPallet(rt: RuntimeTypes, sub: SubtensorPallet) {
  const p = new Pallet(rt, 'Commitments', 18, ['pallet_commitments', 'pallet']);
  const { t, c } = p;
  const h = t.array(32, c.u8);
  const variants: Variant[] = [{ name: 'None', index: 0, fields: [] }];
  for (let n = 0; n <= 128; n++) variants.push({ name: `Raw${n}`, index: n + 1, fields: [{ type: t.array(n, c.u8), typeName: `[u8; ${n}]` }] });
  variants.push(
    { name: 'BlakeTwo256', index: 130, fields: [{ type: h }] },
    { name: 'Sha256', index: 131, fields: [{ type: h }] },
    { name: 'Keccak256', index: 132, fields: [{ type: h }] },
    { name: 'ShaThree256', index: 133, fields: [{ type: h }] },
    {
      name: 'TimelockEncrypted',
      index: 134,
      fields: [
        { name: 'encrypted', type: c.bytes, typeName: 'BoundedVec<u8, MaxTimelockCommitSize>' },
        { name: 'reveal_round', type: c.u64, typeName: 'u64' },
      ],
    },
    { name: 'ResetBondsFlag', index: 135, fields: [] },
    { name: 'BigRaw', index: 136, fields: [{ type: c.bytes, typeName: 'BoundedVec<u8, MaxBigRawSize>' }] },
  );
  const data = t.variant(['pallet_commitments', 'types', 'Data'], variants);
  const info = t.composite(['pallet_commitments', 'types', 'CommitmentInfo'], [{ name: 'fields', type: t.vec(data), typeName: 'BoundedVec<Data, FieldLimit>' }]);
  const registration = t.composite(['pallet_commitments', 'types', 'Registration'], [
    { name: 'deposit', type: c.u64, typeName: 'Balance' },
    { name: 'block', type: c.u32, typeName: 'BlockNumber' },
    { name: 'info', type: info, typeName: 'CommitmentInfo<FieldLimit>' },
  ]);
  const usage = t.composite(['pallet_commitments', 'types', 'UsageTracker'], [
    { name: 'last_epoch', type: c.u64, typeName: 'u64' },
    { name: 'used_space', type: c.u64, typeName: 'u64' },
  ]);

  const CommitmentOf = p.map<[number, Uint8Array], Registration | null>('CommitmentOf', [['Identity', c.u16], ['Twox64Concat', c.accountId]], registration);
  const LastCommitment = p.map<[number, Uint8Array], number | null>('LastCommitment', [['Identity', c.u16], ['Twox64Concat', c.accountId]], c.u32);
  const UsedSpaceOf = p.map<[number, Uint8Array], { last_epoch: bigint; used_space: bigint } | null>('UsedSpaceOf', [['Identity', c.u16], ['Twox64Concat', c.accountId]], usage);

  const tooManyFields = p.error('TooManyFieldsInCommitmentInfo', 0);
  const accountNotAllowed = p.error('AccountNotAllowedCommit', 1);
  const spaceLimitExceeded = p.error('SpaceLimitExceeded', 2);

  p.event('Commitment', 0, [['netuid', c.u16, 'NetUid'], ['who', c.accountId, 'T::AccountId']]);
  p.event('TimelockCommitment', 1, [['netuid', c.u16, 'NetUid'], ['who', c.accountId, 'T::AccountId'], ['reveal_round', c.u64, 'u64']]);

  const fieldSize = (f: VariantValue): bigint => {
    if (f.name === 'None' || f.name === 'ResetBondsFlag') return 0n;
    if (f.name.startsWith('Raw') || f.name === 'BigRaw') return BigInt((f.value as Uint8Array).length);
    if (f.name === 'TimelockEncrypted') return BigInt(((f.value as { encrypted: Uint8Array }).encrypted).length);
    return 32n;
  };

  p.call('set_commitment', 0, [['netuid', c.u16, 'NetUid'], ['info', info, 'Box<CommitmentInfo<T::MaxFields>>']], (ctx, a) => {
    if (ctx.origin.kind !== 'signed') throw DispatchFailure.badOrigin();
    const who = ctx.origin.who;
    const netuid = a['netuid'] as number;
    const commitment = a['info'] as CommitmentInfo;
    if (commitment.fields.length > MAX_FIELDS) tooManyFields();
    if (sub.storage.Uids.get(ctx.state, netuid, who) === null) accountNotAllowed();
    const epoch = sub.storage.SubnetEpochIndex.get(ctx.state, netuid);
    const cost = commitment.fields.reduce((sum, f) => sum + fieldSize(f), 0n);
    const charged = cost > 100n ? cost : 100n;
    const used = UsedSpaceOf.get(ctx.state, netuid, who);
    const already = used && used.last_epoch === epoch ? used.used_space : 0n;
    if (already + charged > MAX_SPACE) spaceLimitExceeded();
    UsedSpaceOf.set(ctx.state, netuid, who, { last_epoch: epoch, used_space: already + charged });
    CommitmentOf.set(ctx.state, netuid, who, { deposit: 0n, block: ctx.block, info: commitment });
    LastCommitment.set(ctx.state, netuid, who, ctx.block);
    const timelock = commitment.fields.find((f) => f.name === 'TimelockEncrypted');
    if (timelock) ctx.emit('Commitments', 'TimelockCommitment', { netuid, who, reveal_round: (timelock.value as { reveal_round: bigint }).reveal_round });
    else ctx.emit('Commitments', 'Commitment', { netuid, who });
  }, { paysFee: false });

  return { pallet: p, CommitmentOf };
}
