/**
 * Hotkeys and uid slots: who owns a hotkey, appending a neuron to a subnet, choosing the uid a full
 * subnet gives up and replacing it (subtensor's `subnets/uids.rs`, `registration.rs` prune rule, §1.3).
 */
import { u8aEq } from '@polkadot/util';
import type { State, StateReader, StorageItem } from '../../runtime/storage.js';
import type { SubtensorCore } from './core.js';
import type { SubtensorStorage } from './storage.js';
import { ZERO_ACCOUNT } from './types.js';

/** The coldkey that owns `hot`, or null for a hotkey never claimed. */
export function ownerOf(s: SubtensorStorage, st: StateReader, hot: Uint8Array): Uint8Array | null {
  const o = s.Owner.get(st, hot);
  return u8aEq(o, ZERO_ACCOUNT) ? null : o;
}

/** Owner[hot] = cold if the hotkey is new; the coldkey must own it otherwise (NonAssociatedColdKey). */
export function claimHotkey(core: SubtensorCore, st: State, cold: Uint8Array, hot: Uint8Array): void {
  const s = core.storage;
  const owner = ownerOf(s, st, hot);
  if (owner === null) {
    s.Owner.set(st, hot, cold);
    s.OwnedHotkeys.mutate(st, cold, (v) => [...v, hot]);
  } else if (!u8aEq(owner, cold)) {
    core.errors.NonAssociatedColdKey();
  }
}

export function isSubnetOwnerHotkey(s: SubtensorStorage, st: StateReader, netuid: number, hot: Uint8Array): boolean {
  return u8aEq(s.SubnetOwnerHotkey.get(st, netuid), hot);
}

/** Sets one element of a per-uid vector, padding with `fill` (LastUpdate is zero-padded on read too). */
export function setAt<T>(st: State, item: StorageItem<[number], T[]>, netuid: number, uid: number, value: T, fill: T): void {
  const v = item.get(st, netuid);
  while (v.length <= uid) v.push(fill);
  v[uid] = value;
  item.set(st, netuid, v);
}

/** A fresh slot's per-uid values: active, zero scores, no permit, LastUpdate = registration block. */
function resetUidVectors(s: SubtensorStorage, st: State, netuid: number, uid: number, block: bigint): void {
  setAt(st, s.Active, netuid, uid, true, false);
  for (const item of [s.Consensus, s.Incentive, s.Dividends, s.ValidatorTrust, s.StakeWeight]) setAt(st, item, netuid, uid, 0, 0);
  setAt(st, s.Emission, netuid, uid, 0n, 0n);
  setAt(st, s.ValidatorPermit, netuid, uid, false, false);
  setAt(st, s.LastUpdate, netuid, uid, block, 0n);
}

export function appendNeuron(s: SubtensorStorage, st: State, netuid: number, hot: Uint8Array, block: bigint): number {
  const uid = s.SubnetworkN.get(st, netuid);
  s.Keys.set(st, netuid, uid, hot);
  s.Uids.set(st, netuid, hot, uid);
  s.BlockAtRegistration.set(st, netuid, uid, block);
  s.SubnetworkN.set(st, netuid, uid + 1);
  resetUidVectors(s, st, netuid, uid, block);
  return uid;
}

/** The uid a full subnet gives up (§1.3): owner hotkeys immune; prefer non-immune; lowest emission, oldest, lowest uid. */
export function pruneCandidate(s: SubtensorStorage, st: StateReader, netuid: number, block: bigint): number | null {
  const n = s.SubnetworkN.get(st, netuid);
  const emission = s.Emission.get(st, netuid);
  const immunity = BigInt(s.ImmunityPeriod.get(st, netuid));
  const ownerHot = s.SubnetOwnerHotkey.get(st, netuid);
  const candidates: { uid: number; immune: boolean; emission: bigint; reg: bigint }[] = [];
  for (let uid = 0; uid < n; uid++) {
    const hot = s.Keys.get(st, netuid, uid);
    if (u8aEq(hot, ownerHot)) continue;
    const reg = s.BlockAtRegistration.get(st, netuid, uid);
    candidates.push({ uid, immune: block - reg < immunity, emission: emission[uid] ?? 0n, reg });
  }
  const nonImmune = candidates.filter((x) => !x.immune);
  const pool = nonImmune.length > 0 ? nonImmune : candidates;
  pool.sort((a, b) => (a.emission !== b.emission ? (a.emission < b.emission ? -1 : 1) : a.reg !== b.reg ? (a.reg < b.reg ? -1 : 1) : a.uid - b.uid));
  return pool[0]?.uid ?? null;
}

/** Gives `uid` to `hot`: the old hotkey's uid, axon, weights and bonds go, and weights onto the uid are zeroed. */
export function replaceNeuron(s: SubtensorStorage, st: State, netuid: number, uid: number, hot: Uint8Array, block: bigint): void {
  const old = s.Keys.get(st, netuid, uid);
  s.Uids.remove(st, netuid, old);
  s.Axons.remove(st, netuid, old);
  s.Keys.set(st, netuid, uid, hot);
  s.Uids.set(st, netuid, hot, uid);
  s.BlockAtRegistration.set(st, netuid, uid, block);
  s.Weights.remove(st, netuid, uid);
  s.Bonds.remove(st, netuid, uid);
  const n = s.SubnetworkN.get(st, netuid);
  for (let i = 0; i < n; i++) {
    const row = s.Weights.get(st, netuid, i);
    if (row.some(([d, w]) => d === uid && w !== 0)) s.Weights.set(st, netuid, i, row.map(([d, w]) => [d, d === uid ? 0 : w] as [number, number]));
  }
  resetUidVectors(s, st, netuid, uid, block);
}
