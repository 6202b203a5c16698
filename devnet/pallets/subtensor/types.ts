/**
 * SubtensorModule's SCALE types (paths as subtensor's metadata names them) and the JS shapes its
 * storage decodes to. Every other module of the pallet refers to types through {@link SubtensorTypes}.
 */
import type { CommonTypes, Pallet } from '../../runtime/pallet.js';

export const TAO = 1_000_000_000n;
export const ZERO_ACCOUNT = new Uint8Array(32);
export const U16_MAX = 65535;

export interface AxonInfo {
  block: bigint;
  version: number;
  ip: bigint;
  port: number;
  ip_type: number;
  protocol: number;
  placeholder1: number;
  placeholder2: number;
}

/** A CR v2 hash commit: `WeightCommits` queue entry. */
export type WeightCommit = [hash: Uint8Array, commitEpoch: bigint, commitBlock: bigint, unused: bigint];

/** A timelocked (CR v3/v4) commit: `TimelockedWeightCommits` queue entry, as subtensor stores it. */
export type TimelockedWeightCommit = [who: Uint8Array, commitBlock: bigint, ciphertext: Uint8Array, revealRound: bigint];

/** substrate_fixed U64F64 as stored: the raw bits. */
export interface FixedU128 {
  bits: bigint;
}

export type WeightRow = [uid: number, weight: number][];

/** The common types plus SubtensorModule's own. */
export interface SubtensorTypes extends CommonTypes {
  vecBool: number;
  vecU64: number;
  weightRow: number;
  u64f64: number;
  axonInfo: number;
  commitQueue: number;
  timelockedCommitQueue: number;
  alphaValues: number;
}

export function defineTypes(p: Pallet, axonFieldOrder: 'ip-port' | 'port-ip'): SubtensorTypes {
  const { t, c } = p;
  const { u16, u64, u8, u32, bool, accountId, h256 } = c;
  return {
    ...c,
    vecBool: t.vec(bool),
    vecU64: t.vec(u64),
    weightRow: t.vec(t.tuple(u16, u16)),
    u64f64: t.composite(['substrate_fixed', 'FixedU128'], [{ name: 'bits', type: c.u128, typeName: 'u128' }], [{ name: 'Frac', type: null }]),
    axonInfo: t.composite(['pallet_subtensor', 'pallet', 'AxonInfo'], [
      { name: 'block', type: u64, typeName: 'u64' },
      { name: 'version', type: u32, typeName: 'u32' },
      ...(axonFieldOrder === 'ip-port'
        ? [{ name: 'ip', type: c.u128, typeName: 'u128' }, { name: 'port', type: u16, typeName: 'u16' }]
        : [{ name: 'port', type: u16, typeName: 'u16' }, { name: 'ip', type: c.u128, typeName: 'u128' }]),
      { name: 'ip_type', type: u8, typeName: 'u8' },
      { name: 'protocol', type: u8, typeName: 'u8' },
      { name: 'placeholder1', type: u8, typeName: 'u8' },
      { name: 'placeholder2', type: u8, typeName: 'u8' },
    ]),
    commitQueue: t.vec(t.tuple(h256, u64, u64, u64)),
    timelockedCommitQueue: t.vec(t.tuple(accountId, u64, c.bytes, u64)),
    alphaValues: t.tuple(u16, u16),
  };
}
