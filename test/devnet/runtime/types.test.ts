/**
 * The devnet's SCALE codec agrees with @polkadot/types on the same type definitions (read from the
 * devnet's metadata), and rejects malformed input instead of guessing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { createRuntime, type Runtime } from '../../../devnet/runtime/runtime.js';
import { DecodeError, TypeTable, ScaleCodec } from '../../../devnet/runtime/types.js';

let runtime: Runtime;
let registry: TypeRegistry;
beforeAll(async () => {
  await cryptoWaitReady();
  runtime = createRuntime({ allowLoopbackAxons: false, defaultTempo: 10 });
  registry = new TypeRegistry();
  registry.setMetadata(new Metadata(registry, runtime.metadata.v15));
});

/** Encodes with both codecs through the metadata's type id. */
function both(typeId: number, ours: unknown, theirs: unknown): [string, string] {
  const name = registry.lookup.getTypeDef(typeId).lookupName ?? registry.lookup.getTypeDef(typeId).type;
  return [u8aToHex(runtime.codec.encode(typeId, ours)), u8aToHex(registry.createType(name, theirs).toU8a())];
}

describe('SCALE codec', () => {
  it('matches @polkadot/types for AxonInfo (u64, u32, u128, u16, u8s)', () => {
    const axon = { block: 12n, version: 9_010_001, ip: (10n << 24n) | 2n, port: 8091, ip_type: 4, protocol: 4, placeholder1: 0, placeholder2: 0 };
    const [ours, theirs] = both(runtime.subtensor.storage.Axons.def.value, axon, { ...axon, ipType: 4, ip: axon.ip.toString() });
    expect(ours).toBe(theirs);
  });

  it('matches @polkadot/types for a RuntimeCall with Vec<u16>, compact and nested calls', () => {
    const inner = { name: 'AdminUtils', value: { name: 'sudo_set_weights_set_rate_limit', value: { netuid: 3, weights_set_rate_limit: 0n } } };
    const ours = u8aToHex(runtime.codec.encode(runtime.types.common.runtimeCall, { name: 'Sudo', value: { name: 'sudo', value: { call: inner } } }));
    const theirs = registry.createType('Call', { callIndex: [12, 0], args: { call: registry.createType('Call', { callIndex: [19, 7], args: { netuid: 3, weights_set_rate_limit: 0 } }) } }).toHex();
    expect(ours).toBe(theirs);
    const weights = { name: 'SubtensorModule', value: { name: 'set_weights', value: { netuid: 1, dests: [0, 300], weights: [65535, 1], version_key: 2n ** 40n } } };
    const theirsWeights = registry.createType('Call', { callIndex: [7, 0], args: { netuid: 1, dests: [0, 300], weights: [65535, 1], version_key: 2n ** 40n } }).toHex();
    expect(u8aToHex(runtime.codec.encode(runtime.types.common.runtimeCall, weights))).toBe(theirsWeights);
    expect(runtime.codec.decode(runtime.types.common.runtimeCall, registry.createType('Call', { callIndex: [7, 0], args: { netuid: 1, dests: [0, 300], weights: [65535, 1], version_key: 5 } }).toU8a())).toEqual({
      name: 'SubtensorModule',
      value: { name: 'set_weights', value: { netuid: 1, dests: [0, 300], weights: [65535, 1], version_key: 5n } },
    });
  });

  it('round-trips signed integers, Option and bytes', () => {
    const t = new TypeTable();
    const codec = new ScaleCodec(t);
    const i16 = t.primitive('i16');
    const opt = t.option(t.vec(t.primitive('u8')));
    expect(codec.decode(i16, codec.encode(i16, -1000))).toBe(-1000);
    expect(u8aToHex(codec.encode(i16, -1))).toBe('0xffff');
    expect(codec.decode(opt, codec.encode(opt, Uint8Array.of(1, 2)))).toEqual(Uint8Array.of(1, 2));
    expect(codec.decode(opt, Uint8Array.of(0))).toBeNull();
  });

  it('rejects truncated input, trailing bytes, bad tags and lengths beyond the input', () => {
    const t = new TypeTable();
    const codec = new ScaleCodec(t);
    const u32 = t.primitive('u32');
    const bool = t.primitive('bool');
    const bytes = t.vec(t.primitive('u8'));
    expect(() => codec.decode(u32, Uint8Array.of(1, 2))).toThrow(DecodeError);
    expect(() => codec.decode(u32, Uint8Array.of(1, 2, 3, 4, 5))).toThrow(DecodeError);
    expect(() => codec.decode(bool, Uint8Array.of(2))).toThrow(DecodeError);
    expect(() => codec.decode(bytes, Uint8Array.of(0xfc, 1))).toThrow(DecodeError);
  });
});
