import { describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { compactToU8a, u8aConcat } from '@polkadot/util';
import { codecRegistry, decodeNeuronsLite } from '../../../shared/chain/codec.js';

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const hot = keyring.addFromUri('//Bob');
const cold = keyring.addFromUri('//Alice');

function neuron(uid: number, ip: bigint, ipType: number) {
  return {
    hotkey: hot.publicKey,
    coldkey: cold.publicKey,
    uid,
    netuid: 2,
    active: true,
    axonInfo: { block: 12, version: 9010001, ip, port: 8091, ipType, protocol: 4, placeholder1: 0, placeholder2: 0 },
    prometheusInfo: { block: 0, version: 0, ip: 0, port: 0, ipType: 0 },
    stake: [[cold.publicKey, 1_500_000_000n]],
    rank: 0,
    emission: 42,
    incentive: 65535,
    consensus: 32768,
    trust: 0,
    validatorTrust: 0,
    dividends: 0,
    lastUpdate: 99,
    validatorPermit: true,
    pruningScore: 65535,
  };
}

describe('decodeNeuronsLite', () => {
  const typed = codecRegistry.createType('Vec<FlopnetNeuronInfoLite>', [neuron(0, 3405803783n, 4), neuron(1, 1n << 112n, 6)]).toU8a();

  it('reads the typed result of spec ≥ 233 into Neurons', () => {
    const [a, b] = decodeNeuronsLite(typed);
    expect(a).toMatchObject({
      uid: 0,
      hotkey: hot.address,
      coldkey: cold.address,
      active: true,
      stake: 1_500_000_000n,
      validatorPermit: true,
      incentive: 1,
      emission: 42n,
      lastUpdate: 99,
      axon: { ip: '203.0.113.7', port: 8091, ipType: 4, protocol: 4, version: 9010001, block: 12 },
    });
    expect(a!.consensus).toBeCloseTo(32768 / 65535, 12);
    expect(b!.axon).toMatchObject({ ip: '1::', ipType: 6 });
  });

  it('reads the Vec<u8>-wrapped result of older runtimes the same way', () => {
    const wrapped = u8aConcat(compactToU8a(typed.length), typed);
    expect(decodeNeuronsLite(wrapped)).toEqual(decodeNeuronsLite(typed));
  });

  it('reads an empty subnet as no neurons and refuses bytes that are not a neuron list', () => {
    expect(decodeNeuronsLite(new Uint8Array([0]))).toEqual([]);
    expect(() => decodeNeuronsLite(new Uint8Array([4, 1, 2, 3]))).toThrow(/cannot decode NeuronInfoLite/);
  });
});
