/**
 * Decoding of subtensor's runtime-API results with flopnet's own type definitions, independent of the
 * connected node's metadata: older runtimes (before spec 233) return the SCALE bytes wrapped in a
 * `Vec<u8>` and have no v15 metadata to describe them, and a runtime upgrade re-reads metadata through
 * `state_getMetadata` (v14), which drops the runtime-API types. The field order of NeuronInfoLite is the
 * same from spec 153 to HEAD (research/subtensor.md §3).
 */
import { TypeRegistry } from '@polkadot/types';
import { encodeAddress } from '@polkadot/util-crypto';
import { u128ToIp } from './ip.js';
import type { AxonInfo, Neuron } from './types.js';

const registry = new TypeRegistry();
registry.register({
  FlopnetAxonInfo: { block: 'u64', version: 'u32', ip: 'u128', port: 'u16', ipType: 'u8', protocol: 'u8', placeholder1: 'u8', placeholder2: 'u8' },
  FlopnetPrometheusInfo: { block: 'u64', version: 'u32', ip: 'u128', port: 'u16', ipType: 'u8' },
  FlopnetNeuronInfoLite: {
    hotkey: 'AccountId32',
    coldkey: 'AccountId32',
    uid: 'Compact<u16>',
    netuid: 'Compact<u16>',
    active: 'bool',
    axonInfo: 'FlopnetAxonInfo',
    prometheusInfo: 'FlopnetPrometheusInfo',
    stake: 'Vec<(AccountId32, Compact<u64>)>',
    rank: 'Compact<u16>',
    emission: 'Compact<u64>',
    incentive: 'Compact<u16>',
    consensus: 'Compact<u16>',
    trust: 'Compact<u16>',
    validatorTrust: 'Compact<u16>',
    dividends: 'Compact<u16>',
    lastUpdate: 'Compact<u64>',
    validatorPermit: 'bool',
    pruningScore: 'Compact<u16>',
  },
});

export const SS58_PREFIX = 42;

/** The type registry flopnet's own decoders use (also builds test fixtures). */
export const codecRegistry = registry;

const U16 = 65535;

interface RawAxon {
  block: { toString(): string };
  version: { toNumber(): number };
  ip: { toString(): string };
  port: { toNumber(): number };
  ipType: { toNumber(): number };
  protocol: { toNumber(): number };
}

/** A stored AxonInfo as flopnet shows it (ip as text; 0.0.0.0 when never served). */
export function axonFromRaw(raw: RawAxon | undefined | null): AxonInfo {
  if (!raw) return { block: 0, version: 0, ip: '0.0.0.0', port: 0, ipType: 4, protocol: 0 };
  const ipType = raw.ipType.toNumber() === 6 ? 6 : 4;
  let ip: string;
  try {
    ip = u128ToIp(BigInt(raw.ip.toString()), ipType);
  } catch {
    // A stored value that does not fit its type: show it rather than fail the whole metagraph.
    ip = raw.ip.toString();
  }
  return { block: Number(raw.block.toString()), version: raw.version.toNumber(), ip, port: raw.port.toNumber(), ipType, protocol: raw.protocol.toNumber() };
}

/** Strips a `Vec<u8>` wrapper: compact length followed by exactly that many bytes; null if not one. */
function unwrapBytes(bytes: Uint8Array): Uint8Array | null {
  try {
    const inner = registry.createType('Bytes', bytes);
    return inner.encodedLength === bytes.length ? inner.toU8a(true) : null;
  } catch {
    return null;
  }
}

/**
 * Decodes `NeuronInfoRuntimeApi_get_neurons_lite` output, typed (spec ≥ 233) or wrapped in Vec<u8>
 * (older): whichever reading consumes the bytes exactly wins.
 */
export function decodeNeuronsLite(bytes: Uint8Array): Neuron[] {
  const candidates = [bytes, unwrapBytes(bytes)].filter((b): b is Uint8Array => b !== null);
  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      const vec = registry.createType('Vec<FlopnetNeuronInfoLite>', candidate);
      if (vec.encodedLength !== candidate.length) continue;
      return (vec as unknown as Array<Record<string, any>>).map(neuronFromLite);
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`cannot decode NeuronInfoLite list (${bytes.length} bytes)${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}

function neuronFromLite(n: Record<string, any>): Neuron {
  const stake = (n['stake'] as Array<[unknown, { toBigInt(): bigint }]>).reduce((sum, [, amount]) => sum + amount.toBigInt(), 0n);
  const prop = (key: string): number => (n[key] as { toNumber(): number }).toNumber() / U16;
  return {
    uid: n['uid'].toNumber(),
    hotkey: encodeAddress(n['hotkey'].toU8a(), SS58_PREFIX),
    coldkey: encodeAddress(n['coldkey'].toU8a(), SS58_PREFIX),
    active: n['active'].isTrue,
    stake,
    axon: axonFromRaw(n['axonInfo']),
    validatorPermit: n['validatorPermit'].isTrue,
    rank: prop('rank'),
    trust: prop('trust'),
    consensus: prop('consensus'),
    incentive: prop('incentive'),
    dividends: prop('dividends'),
    validatorTrust: prop('validatorTrust'),
    emission: n['emission'].toBigInt(),
    lastUpdate: Number(n['lastUpdate'].toBigInt()),
    blockAtRegistration: 0,
  };
}
