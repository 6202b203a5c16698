/**
 * Storage as Substrate lays it out: `twox128(pallet) ++ twox128(item) ++ hashed keys`, values in SCALE,
 * so `api.query.*` (which computes keys from the metadata) finds what the pallets wrote.
 *
 * State is a flat map of hex key → SCALE bytes. Dispatch writes go to an `Overlay` that is committed
 * on success and dropped on failure (Substrate's transactional storage layer).
 */
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, xxhashAsU8a } from '@polkadot/util-crypto';
import { Reader, type ScaleCodec } from './types.js';

export type Hasher = 'Blake2_128' | 'Blake2_256' | 'Blake2_128Concat' | 'Twox128' | 'Twox256' | 'Twox64Concat' | 'Identity';

export function hashKey(hasher: Hasher, data: Uint8Array): Uint8Array {
  switch (hasher) {
    case 'Blake2_128':
      return blake2AsU8a(data, 128);
    case 'Blake2_256':
      return blake2AsU8a(data, 256);
    case 'Blake2_128Concat':
      return u8aConcat(blake2AsU8a(data, 128), data);
    case 'Twox128':
      return xxhashAsU8a(data, 128);
    case 'Twox256':
      return xxhashAsU8a(data, 256);
    case 'Twox64Concat':
      return u8aConcat(xxhashAsU8a(data, 64), data);
    case 'Identity':
      return data;
  }
}

export function storagePrefix(pallet: string, item: string): Uint8Array {
  return u8aConcat(xxhashAsU8a(pallet, 128), xxhashAsU8a(item, 128));
}

export interface StateReader {
  /** SCALE bytes under a hex key, or undefined when absent. */
  get(key: string): Uint8Array | undefined;
}

export interface State extends StateReader {
  /** `null` deletes the key. */
  set(key: string, value: Uint8Array | null): void;
  /** The present keys starting with a hex prefix (a pallet's `iter_prefix`). */
  keysWithPrefix(prefix: string): string[];
}

/** Plain map state: the head of the chain. */
export class MapState implements State {
  constructor(readonly map: Map<string, Uint8Array> = new Map()) {}
  get(key: string): Uint8Array | undefined {
    return this.map.get(key);
  }
  set(key: string, value: Uint8Array | null): void {
    if (value === null) this.map.delete(key);
    else this.map.set(key, value);
  }
  keysWithPrefix(prefix: string): string[] {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix));
  }
}

/** Pending writes over a parent state; `commit` pushes them down, dropping the overlay discards them. */
export class Overlay implements State {
  readonly changes = new Map<string, Uint8Array | null>();
  constructor(readonly parent: State) {}
  get(key: string): Uint8Array | undefined {
    const v = this.changes.get(key);
    if (v === undefined) return this.parent.get(key);
    return v === null ? undefined : v;
  }
  set(key: string, value: Uint8Array | null): void {
    this.changes.set(key, value);
  }
  keysWithPrefix(prefix: string): string[] {
    const keys = new Set(this.parent.keysWithPrefix(prefix));
    for (const [k, v] of this.changes) {
      if (!k.startsWith(prefix)) continue;
      if (v === null) keys.delete(k);
      else keys.add(k);
    }
    return [...keys];
  }
  commit(): void {
    for (const [k, v] of this.changes) this.parent.set(k, v);
    this.changes.clear();
  }
}

export interface StorageEntryDef {
  name: string;
  modifier: 'Default' | 'Optional';
  keys: { hasher: Hasher; type: number }[];
  value: number;
  /** SCALE bytes of the default (what an absent ValueQuery key reads as). */
  fallback: Uint8Array;
  docs?: string[];
}

/**
 * A typed handle on one storage item. `K` is the tuple of keys (empty for a plain value); `V` the
 * decoded value (`V | null` for OptionQuery items, whose handles are declared with that type).
 */
export class StorageItem<K extends unknown[], V> {
  readonly prefix: Uint8Array;
  readonly prefixHex: string;
  private readonly fallbackValue: V;
  /** Hashed key parts by (position, value): hashing (wasm blake2/xxhash) dominated storage access. */
  private readonly hashedParts = new Map<string, string>();

  constructor(
    private readonly codec: ScaleCodec,
    readonly pallet: string,
    readonly def: StorageEntryDef,
  ) {
    this.prefix = storagePrefix(pallet, def.name);
    this.prefixHex = u8aToHex(this.prefix);
    this.fallbackValue = (def.modifier === 'Optional' ? null : codec.decode(def.value, def.fallback)) as V;
  }

  key(...keys: K): string {
    if (keys.length !== this.def.keys.length) throw new Error(`${this.pallet}.${this.def.name} takes ${this.def.keys.length} keys`);
    if (keys.length === 0) return this.prefixHex;
    let hex = this.prefixHex;
    for (let i = 0; i < keys.length; i++) {
      const k = this.def.keys[i]!;
      const value = keys[i];
      if (k.hasher === 'Identity') {
        hex += u8aToHex(this.codec.encode(k.type, value)).slice(2);
        continue;
      }
      const simple = value instanceof Uint8Array || typeof value === 'number' || typeof value === 'bigint';
      if (!simple) {
        hex += u8aToHex(hashKey(k.hasher, this.codec.encode(k.type, value))).slice(2);
        continue;
      }
      const id = `${i}:${value instanceof Uint8Array ? u8aToHex(value) : String(value)}`;
      let part = this.hashedParts.get(id);
      if (part === undefined) {
        if (this.hashedParts.size >= 50_000) this.hashedParts.clear();
        part = u8aToHex(hashKey(k.hasher, this.codec.encode(k.type, value))).slice(2);
        this.hashedParts.set(id, part);
      }
      hex += part;
    }
    return hex;
  }

  get(state: StateReader, ...keys: K): V {
    const raw = state.get(this.key(...keys));
    if (raw === undefined) return this.fallbackClone();
    return this.codec.decode(this.def.value, raw) as V;
  }

  exists(state: StateReader, ...keys: K): boolean {
    return state.get(this.key(...keys)) !== undefined;
  }

  /** Writes a value; `null` removes the key (FRAME writes a ValueQuery default as bytes, and so do we). */
  set(state: State, ...args: [...K, V]): void {
    const keys = args.slice(0, -1) as K;
    const value = args[args.length - 1];
    const key = this.key(...keys);
    if (value === null || value === undefined) return state.set(key, null);
    state.set(key, this.codec.encode(this.def.value, value));
  }

  remove(state: State, ...keys: K): void {
    state.set(this.key(...keys), null);
  }

  /**
   * Every present entry as its decoded keys and value (`iter`). Needs hashers that keep the key
   * (Identity, *Concat), as every iterated subtensor item has.
   */
  entries(state: State): [K, V][] {
    const prefixLength = this.prefixHex.length;
    return state.keysWithPrefix(this.prefixHex).map((hex) => {
      const r = new Reader(hexToU8a(`0x${hex.slice(prefixLength)}`));
      const keys = this.def.keys.map(({ hasher, type }) => {
        if (hasher === 'Blake2_128Concat') r.take(16);
        else if (hasher === 'Twox64Concat') r.take(8);
        else if (hasher !== 'Identity') throw new Error(`${this.pallet}.${this.def.name}: ${hasher} keys cannot be iterated`);
        return this.codec.codec(type).decode(r);
      }) as K;
      return [keys, this.codec.decode(this.def.value, state.get(hex)!) as V];
    });
  }

  /** Read-modify-write. */
  mutate(state: State, ...args: [...K, (v: V) => V]): V {
    const keys = args.slice(0, -1) as K;
    const f = args[args.length - 1] as (v: V) => V;
    const next = f(this.get(state, ...keys));
    this.set(state, ...([...keys, next] as unknown as [...K, V]));
    return next;
  }

  private fallbackClone(): V {
    const v = this.fallbackValue;
    // Arrays and objects are decoded fresh so a caller mutating the result cannot change the default.
    if (v !== null && typeof v === 'object') return this.codec.decode(this.def.value, this.def.fallback) as V;
    return v;
  }
}
