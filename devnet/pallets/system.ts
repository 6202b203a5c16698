/**
 * frame_system (index 0): accounts with nonces and balances, the block number and hashes, and the
 * per-block event list that clients read after inclusion.
 */
import type { Pallet, RuntimeTypes } from '../runtime/pallet.js';
import { Pallet as PalletClass } from '../runtime/pallet.js';
import { blake2AsU8a } from '@polkadot/util-crypto';
import type { VariantValue } from '../runtime/types.js';

export interface AccountData {
  free: bigint;
  reserved: bigint;
  frozen: bigint;
  flags: bigint;
}
export interface AccountInfo {
  nonce: number;
  consumers: number;
  providers: number;
  sufficients: number;
  data: AccountData;
}
export interface EventRecord {
  phase: VariantValue;
  event: VariantValue;
  topics: Uint8Array[];
}

export const EMPTY_ACCOUNT: AccountInfo = {
  nonce: 0,
  consumers: 0,
  providers: 0,
  sufficients: 0,
  data: { free: 0n, reserved: 0n, frozen: 0n, flags: 1n << 127n },
};

/** Substrate's BlockHashCount for subtensor: how far back mortal transactions may be born. */
export const BLOCK_HASH_COUNT = 2400;
export const SS58_PREFIX = 42;

export function systemPallet(rt: RuntimeTypes) {
  const p = new PalletClass(rt, 'System', 0, ['frame_system', 'pallet']);
  const { t, c } = p;
  const accountData = t.composite(['pallet_balances', 'types', 'AccountData'], [
    { name: 'free', type: c.u64, typeName: 'Balance' },
    { name: 'reserved', type: c.u64, typeName: 'Balance' },
    { name: 'frozen', type: c.u64, typeName: 'Balance' },
    { name: 'flags', type: t.composite(['pallet_balances', 'types', 'ExtraFlags'], [{ type: c.u128, typeName: 'u128' }]), typeName: 'ExtraFlags' },
  ], [{ name: 'Balance', type: c.u64 }]);
  const accountInfo = t.composite(['frame_system', 'AccountInfo'], [
    { name: 'nonce', type: c.u32, typeName: 'Nonce' },
    { name: 'consumers', type: c.u32, typeName: 'RefCount' },
    { name: 'providers', type: c.u32, typeName: 'RefCount' },
    { name: 'sufficients', type: c.u32, typeName: 'RefCount' },
    { name: 'data', type: accountData, typeName: 'AccountData' },
  ], [
    { name: 'Nonce', type: c.u32 },
    { name: 'AccountData', type: accountData },
  ]);
  const phase = t.variant(['frame_system', 'Phase'], [
    { name: 'ApplyExtrinsic', index: 0, fields: [{ type: c.u32, typeName: 'u32' }] },
    { name: 'Finalization', index: 1, fields: [] },
    { name: 'Initialization', index: 2, fields: [] },
  ]);
  const eventRecord = t.composite(['frame_system', 'EventRecord'], [
    { name: 'phase', type: phase, typeName: 'Phase' },
    { name: 'event', type: c.runtimeEvent, typeName: 'E' },
    { name: 'topics', type: t.vec(c.h256), typeName: 'Vec<T>' },
  ], [
    { name: 'E', type: c.runtimeEvent },
    { name: 'T', type: c.h256 },
  ]);

  const Account = p.map<[Uint8Array], AccountInfo>('Account', [['Blake2_128Concat', c.accountId]], accountInfo, EMPTY_ACCOUNT);
  const Number_ = p.value<number>('Number', c.u32, 0);
  const ParentHash = p.value<Uint8Array>('ParentHash', c.h256, new Uint8Array(32));
  const BlockHash = p.map<[number], Uint8Array>('BlockHash', [['Twox64Concat', c.u32]], c.h256, new Uint8Array(32));
  const Events = p.value<EventRecord[]>('Events', t.vec(eventRecord), []);
  const EventCount = p.value<number>('EventCount', c.u32, 0);

  p.call('remark', 0, [['remark', c.bytes, 'Vec<u8>']], () => {}, { docs: ['Make some on-chain remark.'] });
  p.call('remark_with_event', 7, [['remark', c.bytes, 'Vec<u8>']], (ctx, args) => {
    if (ctx.origin.kind !== 'signed') throw new Error('unreachable: remark_with_event needs a signer');
    ctx.emit('System', 'Remarked', { sender: ctx.origin.who, hash: blake2AsU8a(args['remark'] as Uint8Array, 256) });
  });

  p.event('ExtrinsicSuccess', 0, [['dispatch_info', c.dispatchInfo, 'DispatchInfo']], ['An extrinsic completed successfully.']);
  p.event('ExtrinsicFailed', 1, [
    ['dispatch_error', c.dispatchError, 'DispatchError'],
    ['dispatch_info', c.dispatchInfo, 'DispatchInfo'],
  ], ['An extrinsic failed.']);
  p.event('CodeUpdated', 2, []);
  p.event('NewAccount', 3, [['account', c.accountId, 'T::AccountId']]);
  p.event('KilledAccount', 4, [['account', c.accountId, 'T::AccountId']]);
  p.event('Remarked', 5, [
    ['sender', c.accountId, 'T::AccountId'],
    ['hash', c.h256, 'T::Hash'],
  ]);

  for (const [i, name] of ['InvalidSpecName', 'SpecVersionNeedsToIncrease', 'FailedToExtractRuntimeVersion', 'NonDefaultComposite', 'NonZeroRefCount', 'CallFiltered'].entries()) {
    p.error(name, i);
  }

  p.constant('BlockHashCount', c.u32, BLOCK_HASH_COUNT);
  p.constant('SS58Prefix', c.u16, SS58_PREFIX);

  return { pallet: p as Pallet, Account, Number: Number_, ParentHash, BlockHash, Events, EventCount, eventRecord };
}

export type SystemPallet = ReturnType<typeof systemPallet>;
