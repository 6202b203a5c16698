/**
 * The devnet writes its metadata itself; @polkadot/types must read it as v14 and v15, re-encode it
 * to the same bytes, and find the pallets, calls, storage, errors and runtime APIs where subtensor has them.
 */
import { describe, expect, it } from 'vitest';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { u8aEq } from '@polkadot/util';
import { createRuntime } from '../../devnet/runtime/runtime.js';

const runtime = createRuntime({ allowLoopbackAxons: false, defaultTempo: 10 });

describe('devnet metadata', () => {
  for (const version of [14, 15] as const) {
    it(`round-trips v${version} through @polkadot/types byte for byte`, () => {
      const bytes = version === 14 ? runtime.metadata.v14 : runtime.metadata.v15;
      const registry = new TypeRegistry();
      const metadata = new Metadata(registry, bytes);
      expect(metadata.version).toBe(version);
      expect(u8aEq(metadata.toU8a(), bytes)).toBe(true);
    });
  }

  it('places pallets, calls and errors at subtensor HEAD indices', () => {
    const registry = new TypeRegistry();
    registry.setMetadata(new Metadata(registry, runtime.metadata.v15));
    const pallets = Object.fromEntries(registry.metadata.pallets.map((p) => [p.name.toString(), p.index.toNumber()]));
    expect(pallets).toMatchObject({ System: 0, Balances: 5, SubtensorModule: 7, Sudo: 12, Commitments: 18, AdminUtils: 19 });
    const call = registry.findMetaCall(Uint8Array.of(7, 0));
    expect(call.method).toBe('setWeights');
    expect(call.meta.args.map((a) => a.name.toString())).toEqual(['netuid', 'dests', 'weights', 'versionKey']);
    expect(registry.findMetaCall(Uint8Array.of(7, 59)).method).toBe('registerNetwork');
    expect(registry.findMetaCall(Uint8Array.of(19, 49)).method).toBe('sudoSetCommitRevealWeightsEnabled');
    const error = registry.findMetaError({ index: registry.createType('u8', 7), error: registry.createType('u8', 29) } as never);
    expect(error.name).toBe('SettingWeightsTooFast');
    const extensions = registry.signedExtensions;
    expect(extensions).toEqual(['CheckNonZeroSender', 'CheckSpecVersion', 'CheckTxVersion', 'CheckGenesis', 'CheckMortality', 'CheckNonce', 'CheckWeight', 'ChargeTransactionPayment']);
  });
});
