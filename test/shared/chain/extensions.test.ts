import { TypeRegistry } from '@polkadot/types';
import { PortableRegistry } from '@polkadot/types/metadata';
import { describe, expect, it } from 'vitest';
import { deriveSignedExtensions } from '../../../shared/chain/extensions.js';

// A tiny type table shaped like subtensor's: the fee wrapper is a struct around
// ChargeTransactionPayment(Compact<u64>), the other custom extensions are empty structs.
function lookup() {
  const registry = new TypeRegistry();
  const t = (id: number, def: unknown, path: string[] = []) => ({ id, type: { path, params: [], def, docs: [] } });
  const field = (type: number, name: string | null = null) => ({ name, type, typeName: null, docs: [] });
  return new PortableRegistry(registry, {
    types: [
      t(0, { Primitive: 'U64' }),
      t(1, { Compact: { type: 0 } }),
      t(2, { Composite: { fields: [field(1)] } }, ['pallet_transaction_payment', 'ChargeTransactionPayment']),
      t(3, { Composite: { fields: [field(2, 'charge')] } }, ['subtensor_transaction_fee', 'ChargeTransactionPaymentWrapper']),
      t(4, { Tuple: [] }),
      t(5, { Composite: { fields: [] } }, ['pallet_subtensor', 'SubtensorTransactionExtension']),
      t(6, { Primitive: 'U32' }),
    ],
  } as never);
}

describe('deriveSignedExtensions', () => {
  const exts = [
    { identifier: 'CheckSpecVersion', type: 4, implicit: 6 },
    { identifier: 'CheckNonce', type: 1, implicit: 4 },
    { identifier: 'ChargeTransactionPaymentWrapper', type: 3, implicit: 4 },
    { identifier: 'SudoTransactionExtension', type: 5, implicit: 4 },
    { identifier: 'SubtensorTransactionExtension', type: 5, implicit: 4 },
  ];

  it('describes the fee wrapper as a Compact tip and leaves known extensions to polkadot-js', () => {
    const { defs, unfillable } = deriveSignedExtensions(lookup(), exts);
    expect(Object.keys(defs).sort()).toEqual(['ChargeTransactionPaymentWrapper', 'SubtensorTransactionExtension', 'SudoTransactionExtension']);
    expect(defs['ChargeTransactionPaymentWrapper']).toEqual({ extrinsic: { tip: 'Compact<u64>' }, payload: {} });
    expect(defs['SudoTransactionExtension']).toEqual({ extrinsic: {}, payload: {} });
    expect(unfillable).toEqual([]);
  });

  it('makes polkadot-js sign the tip into the payload once described', () => {
    const registry = new TypeRegistry();
    const { defs } = deriveSignedExtensions(lookup(), exts);
    const ids = exts.map((e) => e.identifier);
    const payload = (extra?: typeof defs) => {
      registry.setSignedExtensions(ids, extra, true);
      return registry
        .createType('ExtrinsicPayload', { method: '0x0000', era: '0x00', nonce: 1, tip: 5, specVersion: 1, transactionVersion: 1, genesisHash: '0x' + '11'.repeat(32), blockHash: '0x' + '11'.repeat(32) }, { version: 4 })
        .toU8a({ method: true });
    };
    const without = payload();
    expect(registry.getSignedExtensionTypes()).not.toHaveProperty('tip');
    const withDefs = payload(defs);
    // The extrinsic carries it too (the signature's extra fields), not only the signed payload.
    expect(registry.getSignedExtensionTypes()).toMatchObject({ tip: 'Compact<u64>' });
    // The described payload carries one more byte: Compact(5) = 0x14 right after the nonce.
    expect(withDefs.length).toBe(without.length + 1);
    expect(Buffer.from(withDefs).toString('hex')).toContain('000414');
  });

  it('reports an unknown extension with implicit data it cannot fill', () => {
    const { unfillable } = deriveSignedExtensions(lookup(), [{ identifier: 'MysteryCheck', type: 4, implicit: 6 }]);
    expect(unfillable).toEqual(['MysteryCheck']);
  });
});
