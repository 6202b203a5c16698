/**
 * The runtime's type table, in the shape of scale-info's portable registry, plus a SCALE codec compiled
 * from it. One table feeds the metadata (what clients see) and the codec (what the pallets read and
 * write), so the two cannot disagree about an encoding.
 *
 * JS values: bool → boolean; u8..u32, i8..i32 → number; wider integers → bigint; `Vec<u8>` and
 * `[u8; N]` → Uint8Array; a composite with named fields → object, with one unnamed field → that field's
 * value, with several → array; a tuple → array; a variant → `{ name, value }` (value as for composites,
 * undefined without fields); `Option<T>` → `T | null`.
 */
import { compactFromU8aLim, compactToU8a } from '@polkadot/util';

export type Primitive = 'bool' | 'str' | 'u8' | 'u16' | 'u32' | 'u64' | 'u128' | 'i8' | 'i16' | 'i32' | 'i64' | 'i128';

export interface Field {
  name?: string;
  type: number;
  typeName?: string;
}
export interface Variant {
  name: string;
  index: number;
  fields: Field[];
  docs?: string[];
}
export type TypeDef =
  | { kind: 'primitive'; name: Primitive }
  | { kind: 'compact'; type: number }
  | { kind: 'sequence'; type: number }
  | { kind: 'array'; len: number; type: number }
  | { kind: 'tuple'; types: number[] }
  | { kind: 'composite'; fields: Field[] }
  | { kind: 'variant'; variants: Variant[] };

export interface TypeEntry {
  path: string[];
  params: { name: string; type: number | null }[];
  def: TypeDef;
}

export interface VariantValue {
  name: string;
  value?: unknown;
}

/**
 * 0x-prefixed, even-length hex. A single character class keeps V8's regex engine linear: a repeated
 * group over a multi-megabyte extrinsic overflows the stack.
 */
export function isHex(s: string): boolean {
  return s.length % 2 === 0 && /^0x[0-9a-fA-F]*$/.test(s);
}

export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Interning builder: the same (path, params, def) always gets the same id. */
export class TypeTable {
  readonly entries: (TypeEntry | undefined)[] = [];
  private readonly ids = new Map<string, number>();

  add(entry: TypeEntry): number {
    const key = JSON.stringify(entry);
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const id = this.entries.push(entry) - 1;
    this.ids.set(key, id);
    return id;
  }

  /** An id for a type that refers to itself (RuntimeCall inside Sudo.sudo); fill it with `set`. */
  reserve(): number {
    return this.entries.push(undefined) - 1;
  }

  set(id: number, entry: TypeEntry): void {
    this.entries[id] = entry;
  }

  get(id: number): TypeEntry {
    const entry = this.entries[id];
    if (!entry) throw new Error(`type ${id} was reserved but never set`);
    return entry;
  }

  primitive(name: Primitive): number {
    return this.add({ path: [], params: [], def: { kind: 'primitive', name } });
  }
  compact(type: number): number {
    return this.add({ path: [], params: [], def: { kind: 'compact', type } });
  }
  vec(type: number): number {
    return this.add({ path: [], params: [], def: { kind: 'sequence', type } });
  }
  array(len: number, type: number): number {
    return this.add({ path: [], params: [], def: { kind: 'array', len, type } });
  }
  tuple(...types: number[]): number {
    return this.add({ path: [], params: [], def: { kind: 'tuple', types } });
  }
  composite(path: string[], fields: Field[], params: TypeEntry['params'] = []): number {
    return this.add({ path, params, def: { kind: 'composite', fields } });
  }
  variant(path: string[], variants: Variant[], params: TypeEntry['params'] = []): number {
    return this.add({ path, params, def: { kind: 'variant', variants } });
  }
  option(type: number): number {
    return this.variant(
      ['Option'],
      [
        { name: 'None', index: 0, fields: [] },
        { name: 'Some', index: 1, fields: [{ type }] },
      ],
      [{ name: 'T', type }],
    );
  }
  result(ok: number, err: number): number {
    return this.variant(
      ['Result'],
      [
        { name: 'Ok', index: 0, fields: [{ type: ok }] },
        { name: 'Err', index: 1, fields: [{ type: err }] },
      ],
      [
        { name: 'T', type: ok },
        { name: 'E', type: err },
      ],
    );
  }
}

/** Appends bytes; grows geometrically so encoding a block's worth of values stays cheap. */
export class Writer {
  private buf = new Uint8Array(256);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  uint(value: bigint | number, size: number): void {
    this.ensure(size);
    if (size <= 4) {
      let v = Number(value);
      for (let i = 0; i < size; i++) {
        this.buf[this.length++] = v & 0xff;
        v = Math.floor(v / 256);
      }
      return;
    }
    const v = BigInt.asUintN(size * 8, BigInt(value));
    const view = new DataView(this.buf.buffer, this.buf.byteOffset);
    // 64-bit halves through DataView: a byte-by-byte BigInt loop dominated encoding u64 vectors.
    view.setBigUint64(this.length, BigInt.asUintN(64, v), true);
    if (size === 16) view.setBigUint64(this.length + 8, v >> 64n, true);
    this.length += size;
  }
  compact(value: bigint | number): void {
    const v = typeof value === 'number' ? value : value;
    if (typeof v === 'number' && v < 0x40) return this.byte(v << 2);
    if (typeof v === 'number' && v < 0x4000) return this.uint((v << 2) | 1, 2);
    this.bytes(compactToU8a(v));
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new DecodeError(`unexpected end of input at byte ${this.offset}`);
  }
  byte(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }
  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  uint(size: number): number | bigint {
    this.need(size);
    const b = this.bytes;
    const o = this.offset;
    this.offset += size;
    if (size <= 4) {
      let v = 0;
      for (let i = size - 1; i >= 0; i--) v = v * 256 + b[o + i]!;
      return v;
    }
    const view = new DataView(b.buffer, b.byteOffset);
    const low = view.getBigUint64(o, true);
    return size === 16 ? (view.getBigUint64(o + 8, true) << 64n) | low : low;
  }
  compact(): bigint {
    this.need(1);
    const [len, value] = compactFromU8aLim(this.bytes.subarray(this.offset));
    if (len === 0 || this.offset + len > this.bytes.length) throw new DecodeError(`bad compact at byte ${this.offset}`);
    this.offset += len;
    return BigInt(value.toString());
  }
  compactLength(): number {
    const n = this.compact();
    if (n > BigInt(this.bytes.length - this.offset)) throw new DecodeError(`length ${n} exceeds the remaining input`);
    return Number(n);
  }
}

export interface Codec {
  encode(w: Writer, value: unknown): void;
  decode(r: Reader): unknown;
}

const SIZES: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8, u128: 16, i8: 1, i16: 2, i32: 4, i64: 8, i128: 16 };
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

function asBytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string' && isHex(value)) return Uint8Array.from(Buffer.from(value.slice(2), 'hex'));
  throw new TypeError(`expected bytes for ${what}, got ${typeof value}`);
}

/** Compiles codecs lazily per type id (and caches them), following the table's definitions. */
export class ScaleCodec {
  private readonly codecs = new Map<number, Codec>();
  constructor(readonly table: TypeTable) {}

  encode(type: number, value: unknown): Uint8Array {
    const w = new Writer();
    this.codec(type).encode(w, value);
    return w.finish();
  }

  /** Decodes the whole input; trailing bytes are an error, as in a strict SCALE decode. */
  decode(type: number, bytes: Uint8Array): unknown {
    const r = new Reader(bytes);
    const value = this.codec(type).decode(r);
    if (r.offset !== bytes.length) throw new DecodeError(`${bytes.length - r.offset} trailing bytes`);
    return value;
  }

  codec(type: number): Codec {
    let c = this.codecs.get(type);
    if (c) return c;
    // Recursive types (RuntimeCall) see a forwarding codec while their own is built.
    const forward: Codec = { encode: (w, v) => c!.encode(w, v), decode: (r) => c!.decode(r) };
    this.codecs.set(type, forward);
    c = this.build(this.table.get(type));
    this.codecs.set(type, c);
    return c;
  }

  private fields(fields: Field[]): Codec {
    const parts = fields.map((f) => ({ name: f.name, codec: this.codec(f.type) }));
    if (parts.length === 0) return { encode: () => {}, decode: () => undefined };
    if (parts.every((p) => p.name !== undefined)) {
      return {
        encode: (w, v) => {
          const o = v as Record<string, unknown>;
          for (const p of parts) p.codec.encode(w, o[p.name!]);
        },
        decode: (r) => {
          const o: Record<string, unknown> = {};
          for (const p of parts) o[p.name!] = p.codec.decode(r);
          return o;
        },
      };
    }
    if (parts.length === 1) return parts[0]!.codec;
    return this.sequenceOf(parts.map((p) => p.codec));
  }

  private sequenceOf(codecs: Codec[]): Codec {
    return {
      encode: (w, v) => {
        const a = v as unknown[];
        codecs.forEach((c, i) => c.encode(w, a[i]));
      },
      decode: (r) => codecs.map((c) => c.decode(r)),
    };
  }

  private build(entry: TypeEntry): Codec {
    const def = entry.def;
    switch (def.kind) {
      case 'primitive':
        return primitiveCodec(def.name);
      case 'compact': {
        const inner = this.table.get(def.type).def;
        const wide = inner.kind === 'primitive' && (SIZES[inner.name] ?? 0) > 4;
        return {
          encode: (w, v) => w.compact(v as number | bigint),
          decode: (r) => (wide ? r.compact() : Number(r.compact())),
        };
      }
      case 'sequence': {
        const itemDef = this.table.get(def.type).def;
        if (itemDef.kind === 'primitive' && itemDef.name === 'u8') {
          return {
            encode: (w, v) => {
              const b = asBytes(v, 'Vec<u8>');
              w.compact(b.length);
              w.bytes(b);
            },
            decode: (r) => r.take(r.compactLength()),
          };
        }
        // Built on first use: an empty Vec of a not-yet-defined type (System.Events' default) must encode.
        let c: Codec | undefined;
        const item = (): Codec => (c ??= this.codec(def.type));
        return {
          encode: (w, v) => {
            const a = v as unknown[];
            w.compact(a.length);
            for (const x of a) item().encode(w, x);
          },
          decode: (r) => {
            const n = r.compactLength();
            const out = new Array<unknown>(n);
            for (let i = 0; i < n; i++) out[i] = item().decode(r);
            return out;
          },
        };
      }
      case 'array': {
        const item = this.table.get(def.type).def;
        if (item.kind === 'primitive' && item.name === 'u8') {
          return {
            encode: (w, v) => {
              const b = asBytes(v, `[u8; ${def.len}]`);
              if (b.length !== def.len) throw new TypeError(`expected ${def.len} bytes, got ${b.length}`);
              w.bytes(b);
            },
            decode: (r) => r.take(def.len),
          };
        }
        const c = this.codec(def.type);
        return this.sequenceOf(new Array<Codec>(def.len).fill(c));
      }
      case 'tuple':
        return this.sequenceOf(def.types.map((t) => this.codec(t)));
      case 'composite':
        return this.fields(def.fields);
      case 'variant': {
        if (entry.path[0] === 'Option') {
          const some = this.codec(def.variants[1]!.fields[0]!.type);
          return {
            encode: (w, v) => {
              if (v === null || v === undefined) return w.byte(0);
              w.byte(1);
              some.encode(w, v);
            },
            decode: (r) => {
              const tag = r.byte();
              if (tag === 0) return null;
              if (tag === 1) return some.decode(r);
              throw new DecodeError(`bad Option tag ${tag}`);
            },
          };
        }
        const byName = new Map<string, { index: number; codec: Codec }>();
        const byIndex = new Map<number, { name: string; codec: Codec }>();
        for (const v of def.variants) {
          const codec = this.fields(v.fields);
          byName.set(v.name, { index: v.index, codec });
          byIndex.set(v.index, { name: v.name, codec });
        }
        return {
          encode: (w, v) => {
            const { name, value } = v as VariantValue;
            const found = byName.get(name);
            if (!found) throw new TypeError(`unknown variant ${name} of ${entry.path.join('::')}`);
            w.byte(found.index);
            found.codec.encode(w, value);
          },
          decode: (r) => {
            const index = r.byte();
            const found = byIndex.get(index);
            if (!found) throw new DecodeError(`unknown variant index ${index} of ${entry.path.join('::')}`);
            const value = found.codec.decode(r);
            return value === undefined ? { name: found.name } : { name: found.name, value };
          },
        };
      }
    }
  }
}

function primitiveCodec(name: Primitive): Codec {
  if (name === 'bool') {
    return {
      encode: (w, v) => w.byte(v ? 1 : 0),
      decode: (r) => {
        const b = r.byte();
        if (b > 1) throw new DecodeError(`bad bool byte ${b}`);
        return b === 1;
      },
    };
  }
  if (name === 'str') {
    return {
      encode: (w, v) => {
        const b = textEncoder.encode(String(v));
        w.compact(b.length);
        w.bytes(b);
      },
      decode: (r) => textDecoder.decode(r.take(r.compactLength())),
    };
  }
  const size = SIZES[name]!;
  const signed = name.startsWith('i');
  return {
    encode: (w, v) => w.uint(v as number | bigint, size),
    decode: (r) => {
      const u = r.uint(size);
      if (!signed) return u;
      return size <= 4 ? Number(BigInt.asIntN(size * 8, BigInt(u))) : BigInt.asIntN(size * 8, u as bigint);
    },
  };
}
