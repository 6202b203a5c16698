/**
 * Metadata v14 and v15 from the runtime description (type table + pallets + runtime APIs), written
 * directly as SCALE (RuntimeMetadataPrefixed: "meta" magic, then the version's enum variant).
 * polkadot-js keys on type paths, so the shapes it swaps in (AccountId32, MultiAddress,
 * MultiSignature, Era, Weight, UncheckedExtrinsic, EventRecord) carry their Substrate paths here
 * (../../shared/research/devnet-notes.md §1). test/devnet/metadata.test.ts checks that
 * @polkadot/types decodes and re-encodes both versions to the same bytes.
 */
import type { Pallet } from './pallet.js';
import type { Hasher } from './storage.js';
import { Writer, type Field, type TypeDef, type TypeTable, type Variant } from './types.js';

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
  /** CheckMetadataHash is declared: a mode byte follows the tip, an Option<H256> ends the signed payload. */
  metadataHashMode: boolean;
}

export interface OuterEnums {
  call: number;
  event: number;
  error: number;
  runtime: number;
}

const PRIMITIVE_INDEX: Record<string, number> = {
  bool: 0,
  str: 2,
  u8: 3,
  u16: 4,
  u32: 5,
  u64: 6,
  u128: 7,
  i8: 9,
  i16: 10,
  i32: 11,
  i64: 12,
  i128: 13,
};
const HASHER_INDEX: Record<Hasher, number> = {
  Blake2_128: 0,
  Blake2_256: 1,
  Blake2_128Concat: 2,
  Twox128: 3,
  Twox256: 4,
  Twox64Concat: 5,
  Identity: 6,
};

const text = (w: Writer, s: string): void => {
  const b = Buffer.from(s, 'utf8');
  w.compact(b.length);
  w.bytes(b);
};
const texts = (w: Writer, list: readonly string[]): void => {
  w.compact(list.length);
  for (const s of list) text(w, s);
};
const option = <T>(w: Writer, v: T | null | undefined, f: (v: T) => void): void => {
  if (v === null || v === undefined) return w.byte(0);
  w.byte(1);
  f(v);
};
const vec = <T>(w: Writer, list: readonly T[], f: (v: T) => void): void => {
  w.compact(list.length);
  for (const v of list) f(v);
};

function fields(w: Writer, fs: readonly Field[]): void {
  vec(w, fs, (f) => {
    option(w, f.name, (n) => text(w, n));
    w.compact(f.type);
    option(w, f.typeName, (n) => text(w, n));
    texts(w, []);
  });
}

function typeDef(w: Writer, def: TypeDef): void {
  switch (def.kind) {
    case 'composite':
      w.byte(0);
      return fields(w, def.fields);
    case 'variant':
      w.byte(1);
      return vec(w, def.variants, (v) => {
        text(w, v.name);
        fields(w, v.fields);
        w.byte(v.index);
        texts(w, v.docs ?? []);
      });
    case 'sequence':
      w.byte(2);
      return w.compact(def.type);
    case 'array':
      w.byte(3);
      w.uint(def.len, 4);
      return w.compact(def.type);
    case 'tuple':
      w.byte(4);
      return vec(w, def.types, (t) => w.compact(t));
    case 'primitive':
      w.byte(5);
      return w.byte(PRIMITIVE_INDEX[def.name]!);
    case 'compact':
      w.byte(6);
      return w.compact(def.type);
  }
}

function lookup(w: Writer, table: TypeTable): void {
  vec(w, table.entries.map((_, id) => id), (id) => {
    const e = table.get(id);
    w.compact(id);
    texts(w, e.path);
    vec(w, e.params, (p) => {
      text(w, p.name);
      option(w, p.type, (t) => w.compact(t));
    });
    typeDef(w, e.def);
    texts(w, []);
  });
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

function pallets(w: Writer, list: Pallet[], ids: ReturnType<typeof addPalletTypes>['pallets'], keyTypes: Map<string, number>, v15: boolean): void {
  vec(w, list, (p) => {
    const id = ids.get(p)!;
    text(w, p.name);
    option(w, p.storage.length ? p.storage : null, (items) => {
      text(w, p.name);
      vec(w, items, (item) => {
        const d = item.def;
        text(w, d.name);
        w.byte(d.modifier === 'Optional' ? 0 : 1);
        if (d.keys.length === 0) {
          w.byte(0);
          w.compact(d.value);
        } else {
          w.byte(1);
          vec(w, d.keys, (k) => w.byte(HASHER_INDEX[k.hasher]));
          w.compact(d.keys.length === 1 ? d.keys[0]!.type : keyTypes.get(`${p.name}.${d.name}`)!);
          w.compact(d.value);
        }
        w.compact(d.fallback.length);
        w.bytes(d.fallback);
        texts(w, d.docs ?? []);
      });
    });
    for (const t of [id.call, id.event]) option(w, t, (x) => w.compact(x));
    vec(w, p.constants, (c) => {
      text(w, c.name);
      w.compact(c.type);
      w.compact(c.value.length);
      w.bytes(c.value);
      texts(w, c.docs);
    });
    option(w, id.error, (x) => w.compact(x));
    w.byte(p.index);
    if (v15) texts(w, []);
  });
}

export interface BuiltMetadata {
  /** RuntimeMetadataPrefixed bytes (magic + version + metadata). */
  v14: Uint8Array;
  v15: Uint8Array;
}

export function buildMetadata(table: TypeTable, palletList: Pallet[], ids: ReturnType<typeof addPalletTypes>, extrinsic: ExtrinsicTypes, runtime: number, apis: RuntimeApiDef[]): BuiltMetadata {
  // Multi-part map keys are described by a tuple type, which must be in the lookup before it is written.
  const keyTypes = new Map<string, number>();
  for (const p of palletList) {
    for (const item of p.storage) {
      if (item.def.keys.length > 1) keyTypes.set(`${p.name}.${item.def.name}`, table.tuple(...item.def.keys.map((k) => k.type)));
    }
  }
  const signedExtensions = (w: Writer) =>
    vec(w, extrinsic.signedExtensions, (e) => {
      text(w, e.identifier);
      w.compact(e.type);
      w.compact(e.additionalSigned);
    });
  const prefix = (w: Writer, version: number) => {
    w.uint(MAGIC_NUMBER, 4);
    w.byte(version);
    lookup(w, table);
  };

  const w14 = new Writer();
  prefix(w14, 14);
  pallets(w14, palletList, ids.pallets, keyTypes, false);
  w14.compact(extrinsic.unchecked);
  w14.byte(4);
  signedExtensions(w14);
  w14.compact(runtime);

  const w15 = new Writer();
  prefix(w15, 15);
  pallets(w15, palletList, ids.pallets, keyTypes, true);
  w15.byte(4);
  for (const t of [extrinsic.address, extrinsic.call, extrinsic.signature, extrinsic.extra]) w15.compact(t);
  signedExtensions(w15);
  w15.compact(runtime);
  vec(w15, apis, (a) => {
    text(w15, a.name);
    vec(w15, a.methods, (m) => {
      text(w15, m.name);
      vec(w15, m.inputs, (i) => {
        text(w15, i.name);
        w15.compact(i.type);
      });
      w15.compact(m.output);
      texts(w15, m.docs ?? []);
    });
    texts(w15, a.docs ?? []);
  });
  for (const t of [ids.outer.call, ids.outer.event, ids.outer.error]) w15.compact(t);
  w15.compact(0); // custom: empty map
  return { v14: w14.finish(), v15: w15.finish() };
}
