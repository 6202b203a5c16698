/**
 * Storage keys are laid out as Substrate lays them out: twox128(pallet) ++ twox128(item) ++ each key
 * hashed by its hasher. Expected keys are built here from @polkadot/util-crypto's hash functions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { blake2AsU8a, cryptoWaitReady, xxhashAsU8a } from '@polkadot/util-crypto';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { createRuntime, type Runtime } from '../../../devnet/runtime/runtime.js';
import { MapState, Overlay } from '../../../devnet/runtime/storage.js';

let runtime: Runtime;
beforeAll(async () => {
  await cryptoWaitReady();
  runtime = createRuntime({ allowLoopbackAxons: false, defaultTempo: 10 });
});

const prefix = (pallet: string, item: string) => u8aConcat(xxhashAsU8a(pallet, 128), xxhashAsU8a(item, 128));
const account = new Uint8Array(32).map((_, i) => i + 1);
const cold = new Uint8Array(32).fill(9);
const u16 = (n: number) => Uint8Array.of(n & 0xff, n >> 8);
const blake2Concat = (d: Uint8Array) => u8aConcat(blake2AsU8a(d, 128), d);
const twox64Concat = (d: Uint8Array) => u8aConcat(xxhashAsU8a(d, 64), d);

describe('storage keys', () => {
  it('plain value: the two twox128 prefixes', () => {
    expect(runtime.subtensor.storage.TotalStake.key()).toBe(u8aToHex(prefix('SubtensorModule', 'TotalStake')));
  });

  it('Identity, Blake2_128Concat and Twox64Concat keys, alone and combined', () => {
    const s = runtime.subtensor.storage;
    expect(s.Keys.key(1, 7)).toBe(u8aToHex(u8aConcat(prefix('SubtensorModule', 'Keys'), u16(1), u16(7))));
    expect(s.Uids.key(3, account)).toBe(u8aToHex(u8aConcat(prefix('SubtensorModule', 'Uids'), u16(3), blake2Concat(account))));
    expect(s.WeightCommits.key(2, account)).toBe(u8aToHex(u8aConcat(prefix('SubtensorModule', 'WeightCommits'), twox64Concat(u16(2)), twox64Concat(account))));
    expect(s.Alpha.key(account, cold, 5)).toBe(u8aToHex(u8aConcat(prefix('SubtensorModule', 'Alpha'), blake2Concat(account), blake2Concat(cold), u16(5))));
    expect(runtime.system.Account.key(account)).toBe(u8aToHex(u8aConcat(prefix('System', 'Account'), blake2Concat(account))));
  });

  it('typed values: default for absent ValueQuery keys, null for absent OptionQuery keys, SCALE bytes when set', () => {
    const state = new MapState();
    const s = runtime.subtensor.storage;
    expect(s.Tempo.get(state, 1)).toBe(360);
    expect(s.Uids.get(state, 1, account)).toBeNull();
    s.Uids.set(state, 1, account, 258);
    expect(u8aToHex(state.get(s.Uids.key(1, account)))).toBe('0x0201');
    expect(s.Uids.get(state, 1, account)).toBe(258);
  });

  it('an overlay keeps writes apart until committed', () => {
    const base = new MapState();
    const s = runtime.subtensor.storage;
    const layer = new Overlay(base);
    s.Tempo.set(layer, 1, 99);
    expect(s.Tempo.get(layer, 1)).toBe(99);
    expect(s.Tempo.get(base, 1)).toBe(360);
    layer.commit();
    expect(s.Tempo.get(base, 1)).toBe(99);
  });
});
