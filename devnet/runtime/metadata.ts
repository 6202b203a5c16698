/**
 * Metadata v14 and v15 from the runtime description (type table + pallets + runtime APIs), emitted
 * with @polkadot/types' `Metadata` codec. polkadot-js keys on type paths, so the shapes it swaps in
 * (AccountId32, MultiAddress, MultiSignature, Era, Weight, UncheckedExtrinsic, EventRecord) carry
 * their Substrate paths here (../../shared/research/devnet-notes.md §1).
 */
import { Metadata, TypeRegistry } from '@polkadot/types';
import { u8aToHex } from '@polkadot/util';
import type { Pallet } from './pallet.js';
import type { TypeDef, TypeTable, Variant } from './types.js';

export const MAGIC_NUMBER = 0x6174656d; // "meta"

export interface SignedExtensionDef {
  identifier: string;
  type: number;
  additionalSigned: number;
}

export interface RuntimeApiMethod {
  name: string;
  inputs: { name: string; type: number }[];
  output: number;
  docs?: string[];
}
export interface RuntimeApiDef {
  name: string;
  version: number;
  methods: RuntimeApiMethod[];
  docs?: string[];
}

export interface ExtrinsicTypes {
  unchecked: number;
  address: number;
  call: number;
  signature: number;
  extra: number;
  signedExtensions: SignedExtensionDef[];
}

export interface OuterEnums {
  call: number;
  event: number;
  error: number;
  runtime: number;
}

const PRIMITIVE: Record<string, string> = {
  bool: 'Bool',
  str: 'Str',
  u8: 'U8',
  u16: 'U16',
  u32: 'U32',
  u64: 'U64',
  u128: 'U128',
  i8: 'I8',
  i16: 'I16',
  i32: 'I32',
  i64: 'I64',
  i128: 'I128',
};

function defJson(def: TypeDef): unknown {
  const fields = (fs: { name?: string; type: number; typeName?: string }[]) =>
    fs.map((f) => ({ name: f.name ?? null, type: f.type, typeName: f.typeName ?? null, docs: [] }));
  switch (def.kind) {
    case 'primitive':
      return { Primitive: PRIMITIVE[def.name] };
    case 'compact':
      return { Compact: { type: def.type } };
    case 'sequence':
      return { Sequence: { type: def.type } };
    case 'array':
      return { Array: { len: def.len, type: def.type } };
    case 'tuple':
      return { Tuple: def.types };
    case 'composite':
      return { Composite: { fields: fields(def.fields) } };
    case 'variant':
      return { Variant: { variants: def.variants.map((v) => ({ name: v.name, fields: fields(v.fields), index: v.index, docs: v.docs ?? [] })) } };
  }
}

function lookupJson(table: TypeTable): unknown {
  return {
    types: table.entries.map((_, id) => {
      const e = table.get(id);
      return { id, type: { path: e.path, params: e.params.map((p) => ({ name: p.name, type: p.type })), def: defJson(e.def), docs: [] } };
    }),
  };
}

/**
 * Adds the per-pallet Call/Event/Error enums and the outer RuntimeCall/RuntimeEvent/RuntimeError
 * types; returns each pallet's enum ids (null where the pallet has none).
 */
export function addPalletTypes(table: TypeTable, pallets: Pallet[], runtimeCall: number, runtimeEvent: number): { pallets: Map<Pallet, { call: number | null; event: number | null; error: number | null }>; outer: Omit<OuterEnums, 'runtime'> } {
  const ids = new Map<Pallet, { call: number | null; event: number | null; error: number | null }>();
  for (const p of pallets) {
    const params = [{ name: 'T', type: null }];
    const call = p.calls.length
      ? table.add({ path: [...p.typePath, 'Call'], params, def: { kind: 'variant', variants: p.calls.map((c) => ({ name: c.name, index: c.index, fields: c.args, docs: c.docs })) } })
      : null;
    const event = p.events.length
      ? table.add({ path: [...p.typePath, 'Event'], params, def: { kind: 'variant', variants: p.events.map((e) => ({ name: e.name, index: e.index, fields: e.fields, docs: e.docs })) } })
      : null;
    const error = p.errors.length
      ? table.add({ path: [...p.typePath, 'Error'], params, def: { kind: 'variant', variants: p.errors.map((e) => ({ name: e.name, index: e.index, fields: [], docs: e.docs })) } })
      : null;
    ids.set(p, { call, event, error });
  }
  const outer = (path: string, pick: 'call' | 'event' | 'error'): Variant[] =>
    pallets.flatMap((p) => {
      const id = ids.get(p)![pick];
      return id === null ? [] : [{ name: p.name, index: p.index, fields: [{ type: id, typeName: `${path}<${p.name}>` }] }];
    });
  table.set(runtimeCall, { path: ['node_subtensor_runtime', 'RuntimeCall'], params: [], def: { kind: 'variant', variants: outer('CallableCallFor', 'call') } });
  table.set(runtimeEvent, { path: ['node_subtensor_runtime', 'RuntimeEvent'], params: [], def: { kind: 'variant', variants: outer('Event', 'event') } });
  const error = table.variant(['node_subtensor_runtime', 'RuntimeError'], outer('Error', 'error'));
  return { pallets: ids, outer: { call: runtimeCall, event: runtimeEvent, error } };
}

function palletsJson(pallets: Pallet[], ids: ReturnType<typeof addPalletTypes>['pallets'], table: TypeTable, v15: boolean): unknown[] {
  return pallets.map((p) => {
    const id = ids.get(p)!;
    const storage = p.storage.length
      ? {
          prefix: p.name,
          items: p.storage.map((item) => {
            const d = item.def;
            const type =
              d.keys.length === 0
                ? { Plain: d.value }
                : {
                    Map: {
                      hashers: d.keys.map((k) => k.hasher),
                      key: d.keys.length === 1 ? d.keys[0]!.type : table.tuple(...d.keys.map((k) => k.type)),
                      value: d.value,
                    },
                  };
            return { name: d.name, modifier: d.modifier, type, fallback: u8aToHex(d.fallback), docs: d.docs ?? [] };
          }),
        }
      : null;
    return {
      name: p.name,
      storage,
      calls: id.call === null ? null : { type: id.call },
      events: id.event === null ? null : { type: id.event },
      constants: p.constants.map((c) => ({ name: c.name, type: c.type, value: u8aToHex(c.value), docs: c.docs })),
      errors: id.error === null ? null : { type: id.error },
      index: p.index,
      ...(v15 ? { docs: [] } : {}),
    };
  });
}

export interface BuiltMetadata {
  v14: Uint8Array;
  v15: Uint8Array;
  /** A registry holding the v15 metadata: decodes extrinsics and builds signing payloads. */
  registry: TypeRegistry;
}

/**
 * Emits both versions. Storage map keys with several parts need a tuple type, so every type must be
 * in the table before the lookup is serialised: pallet JSON is built first.
 */
export function buildMetadata(table: TypeTable, pallets: Pallet[], ids: ReturnType<typeof addPalletTypes>, extrinsic: ExtrinsicTypes, runtime: number, apis: RuntimeApiDef[]): BuiltMetadata {
  const p14 = palletsJson(pallets, ids.pallets, table, false);
  const p15 = palletsJson(pallets, ids.pallets, table, true);
  const lookup = lookupJson(table);
  const signedExtensions = extrinsic.signedExtensions.map((e) => ({ identifier: e.identifier, type: e.type, additionalSigned: e.additionalSigned }));
  const v14json = {
    lookup,
    pallets: p14,
    extrinsic: { type: extrinsic.unchecked, version: 4, signedExtensions },
    type: runtime,
  };
  const v15json = {
    lookup,
    pallets: p15,
    extrinsic: {
      version: 4,
      addressType: extrinsic.address,
      callType: extrinsic.call,
      signatureType: extrinsic.signature,
      extraType: extrinsic.extra,
      signedExtensions,
    },
    type: runtime,
    apis: apis.map((a) => ({ name: a.name, methods: a.methods.map((m) => ({ name: m.name, inputs: m.inputs, output: m.output, docs: m.docs ?? [] })), docs: a.docs ?? [] })),
    outerEnums: { callType: ids.outer.call, eventType: ids.outer.event, errorType: ids.outer.error },
    custom: { map: {} },
  };
  const scratch = new TypeRegistry();
  const v14 = new Metadata(scratch, { magicNumber: MAGIC_NUMBER, metadata: { V14: v14json } } as never).toU8a();
  const v15 = new Metadata(scratch, { magicNumber: MAGIC_NUMBER, metadata: { V15: v15json } } as never).toU8a();
  const registry = new TypeRegistry();
  registry.setMetadata(new Metadata(registry, v15));
  return { v14, v15, registry };
}
