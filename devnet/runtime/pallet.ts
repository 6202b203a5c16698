/**
 * How a pallet describes itself: calls (with their dispatch functions), storage items, events, errors
 * and constants, all typed against the shared type table. The metadata module turns the description
 * into v14/v15 metadata; the block builder dispatches the calls.
 */
import { ScaleCodec, TypeTable, type Field, type VariantValue } from './types.js';
import { StorageItem, type Hasher, type State } from './storage.js';

/** The system-level types every pallet and the metadata share (names as polkadot-js expects their paths). */
export interface CommonTypes {
  bool: number;
  u8: number;
  u16: number;
  u32: number;
  u64: number;
  u128: number;
  i16: number;
  bytes: number;
  h256: number;
  accountId: number;
  multiAddress: number;
  compactU16: number;
  compactU64: number;
  vecU16: number;
  vecAccountId: number;
  weight: number;
  dispatchInfo: number;
  dispatchError: number;
  dispatchResult: number;
  /** Reserved before the pallets are defined: Sudo.sudo takes a boxed RuntimeCall. */
  runtimeCall: number;
  runtimeEvent: number;
}

export type Origin = { kind: 'signed'; who: Uint8Array } | { kind: 'root' } | { kind: 'none' };

/** A failed dispatch, carrying the `sp_runtime::DispatchError` value written to ExtrinsicFailed / Sudid. */
export class DispatchFailure extends Error {
  override name = 'DispatchFailure';
  constructor(
    readonly error: VariantValue,
    message: string,
  ) {
    super(message);
  }
  static badOrigin(): DispatchFailure {
    return new DispatchFailure({ name: 'BadOrigin' }, 'BadOrigin');
  }
  static module(palletIndex: number, errorIndex: number, name: string): DispatchFailure {
    return new DispatchFailure(
      { name: 'Module', value: { index: palletIndex, error: Uint8Array.of(errorIndex, 0, 0, 0) } },
      name,
    );
  }
  static token(kind: 'FundsUnavailable' | 'BelowMinimum' | 'NotExpendable'): DispatchFailure {
    return new DispatchFailure({ name: 'Token', value: { name: kind } }, `Token.${kind}`);
  }
  static arithmetic(kind: 'Underflow' | 'Overflow' | 'DivisionByZero'): DispatchFailure {
    return new DispatchFailure({ name: 'Arithmetic', value: { name: kind } }, `Arithmetic.${kind}`);
  }
}

export interface DispatchContext {
  /** Writes of this dispatch; discarded if it throws. */
  state: State;
  origin: Origin;
  /** Number of the block being built. */
  block: number;
  emit(pallet: string, event: string, value?: unknown): void;
  /** Dispatches a nested call in its own storage layer (Sudo.sudo); throws its DispatchFailure. */
  dispatch(call: VariantValue, origin: Origin): void;
}

/**
 * What a block's author brings from outside the state, as Substrate inherents and offchain workers do:
 * the wall clock (Timestamp's first block) and drand pulses handed to the devnet (dev_drandPulse).
 */
export interface BlockInherents {
  /** Unix milliseconds when the block is built. */
  now: number;
  /** Pulses to store this block, already verified against the chain's beacon. */
  pulses: { round: bigint; signature: Uint8Array }[];
}

export interface BlockContext {
  state: State;
  block: number;
  emit(pallet: string, event: string, value?: unknown): void;
  inherents: BlockInherents;
}

export interface CallDef {
  name: string;
  index: number;
  args: Field[];
  /** Fee-free calls (subtensor's Pays::No); informs DispatchInfo.pays_fee. */
  paysFee: boolean;
  docs: string[];
  dispatch(ctx: DispatchContext, args: Record<string, any>): void;
}

export interface EventDef {
  name: string;
  index: number;
  fields: Field[];
  docs: string[];
}

export interface ErrorDef {
  name: string;
  index: number;
  docs: string[];
}

export interface ConstantDef {
  name: string;
  type: number;
  value: Uint8Array;
  docs: string[];
}

export interface PalletHooks {
  /** Runs at the start of every block, before extrinsics (subtensor's block_step lives here). */
  onInitialize?(ctx: BlockContext): void;
}

type ArgSpec = [name: string, type: number, typeName?: string];

export class Pallet {
  readonly calls: CallDef[] = [];
  readonly events: EventDef[] = [];
  readonly errors: ErrorDef[] = [];
  readonly constants: ConstantDef[] = [];
  readonly storage: StorageItem<any, any>[] = [];
  readonly hooks: PalletHooks = {};
  /** Path prefix for this pallet's Call/Event/Error types, e.g. ['pallet_subtensor', 'pallet']. */
  constructor(
    readonly runtime: RuntimeTypes,
    readonly name: string,
    readonly index: number,
    readonly typePath: string[],
  ) {}

  get t(): TypeTable {
    return this.runtime.table;
  }
  get c(): CommonTypes {
    return this.runtime.common;
  }

  /** A call; `A` names the decoded argument types the dispatch function relies on (the codec decodes per `args`). */
  call<A extends object = Record<string, any>>(
    name: string,
    index: number,
    args: ArgSpec[],
    dispatch: (ctx: DispatchContext, args: A) => void,
    opts: { paysFee?: boolean; docs?: string[] } = {},
  ): void {
    this.calls.push({
      name,
      index,
      args: args.map(([n, type, typeName]) => ({ name: n, type, ...(typeName ? { typeName } : {}) })),
      paysFee: opts.paysFee ?? true,
      docs: opts.docs ?? [],
      dispatch: dispatch as CallDef['dispatch'],
    });
  }

  event(name: string, index: number, fields: [name: string | undefined, type: number, typeName?: string][], docs: string[] = []): void {
    this.events.push({
      name,
      index,
      fields: fields.map(([n, type, typeName]) => ({ ...(n ? { name: n } : {}), type, ...(typeName ? { typeName } : {}) })),
      docs,
    });
  }

  /** Declares an error and returns a thrower for it. */
  error(name: string, index: number, docs: string[] = []): () => never {
    this.errors.push({ name, index, docs });
    const palletIndex = this.index;
    return () => {
      throw DispatchFailure.module(palletIndex, index, `${this.name}.${name}`);
    };
  }

  constant(name: string, type: number, value: unknown, docs: string[] = []): void {
    this.constants.push({ name, type, value: this.runtime.codec.encode(type, value), docs });
  }

  /** A storage item. `fallback` is the default value (ValueQuery); omit it for OptionQuery items. */
  value<V>(name: string, type: number, fallback?: V): StorageItem<[], V> {
    return this.item<[], V>(name, [], type, fallback);
  }

  map<K extends unknown[], V>(name: string, keys: [Hasher, number][], type: number, fallback?: V): StorageItem<K, V> {
    return this.item<K, V>(name, keys, type, fallback);
  }

  private item<K extends unknown[], V>(name: string, keys: [Hasher, number][], type: number, fallback: V | undefined): StorageItem<K, V> {
    const optional = fallback === undefined;
    const item = new StorageItem<K, V>(this.runtime.codec, this.name, {
      name,
      modifier: optional ? 'Optional' : 'Default',
      keys: keys.map(([hasher, t]) => ({ hasher, type: t })),
      value: type,
      fallback: optional ? Uint8Array.of(0) : this.runtime.codec.encode(type, fallback),
    });
    this.storage.push(item);
    return item;
  }
}

/** The type table plus the common types, built before any pallet. */
export class RuntimeTypes {
  readonly table = new TypeTable();
  readonly codec = new ScaleCodec(this.table);
  readonly common: CommonTypes;

  constructor() {
    const t = this.table;
    const u8 = t.primitive('u8');
    const u16 = t.primitive('u16');
    const u32 = t.primitive('u32');
    const u64 = t.primitive('u64');
    const u128 = t.primitive('u128');
    const bool = t.primitive('bool');
    const i16 = t.primitive('i16');
    const bytes = t.vec(u8);
    const h256 = t.composite(['primitive_types', 'H256'], [{ type: t.array(32, u8), typeName: '[u8; 32]' }]);
    const accountId = t.composite(['sp_core', 'crypto', 'AccountId32'], [{ type: t.array(32, u8), typeName: '[u8; 32]' }]);
    const compactU32 = t.compact(u32);
    const multiAddress = t.variant(
      ['sp_runtime', 'multiaddress', 'MultiAddress'],
      [
        { name: 'Id', index: 0, fields: [{ type: accountId, typeName: 'AccountId' }] },
        { name: 'Index', index: 1, fields: [{ type: compactU32, typeName: 'AccountIndex' }] },
        { name: 'Raw', index: 2, fields: [{ type: bytes, typeName: 'Vec<u8>' }] },
        { name: 'Address32', index: 3, fields: [{ type: t.array(32, u8), typeName: '[u8; 32]' }] },
        { name: 'Address20', index: 4, fields: [{ type: t.array(20, u8), typeName: '[u8; 20]' }] },
      ],
      [
        { name: 'AccountId', type: accountId },
        { name: 'AccountIndex', type: u32 },
      ],
    );
    const compactU64 = t.compact(u64);
    const weight = t.composite(['sp_weights', 'weight_v2', 'Weight'], [
      { name: 'ref_time', type: compactU64, typeName: 'u64' },
      { name: 'proof_size', type: compactU64, typeName: 'u64' },
    ]);
    const dispatchClass = t.variant(['frame_support', 'dispatch', 'DispatchClass'], [
      { name: 'Normal', index: 0, fields: [] },
      { name: 'Operational', index: 1, fields: [] },
      { name: 'Mandatory', index: 2, fields: [] },
    ]);
    const pays = t.variant(['frame_support', 'dispatch', 'Pays'], [
      { name: 'Yes', index: 0, fields: [] },
      { name: 'No', index: 1, fields: [] },
    ]);
    const dispatchInfo = t.composite(['frame_support', 'dispatch', 'DispatchInfo'], [
      { name: 'weight', type: weight, typeName: 'Weight' },
      { name: 'class', type: dispatchClass, typeName: 'DispatchClass' },
      { name: 'pays_fee', type: pays, typeName: 'Pays' },
    ]);
    const moduleError = t.composite(['sp_runtime', 'ModuleError'], [
      { name: 'index', type: u8, typeName: 'u8' },
      { name: 'error', type: t.array(4, u8), typeName: '[u8; MAX_MODULE_ERROR_ENCODED_SIZE]' },
    ]);
    const unit = (names: string[]) => names.map((name, index) => ({ name, index, fields: [] }));
    const tokenError = t.variant(['sp_runtime', 'TokenError'], unit(['FundsUnavailable', 'OnlyProvider', 'BelowMinimum', 'CannotCreate', 'UnknownAsset', 'Frozen', 'Unsupported', 'CannotCreateHold', 'NotExpendable', 'Blocked']));
    const arithmeticError = t.variant(['sp_arithmetic', 'ArithmeticError'], unit(['Underflow', 'Overflow', 'DivisionByZero']));
    const transactionalError = t.variant(['sp_runtime', 'TransactionalError'], unit(['LimitReached', 'NoLayer']));
    const dispatchError = t.variant(['sp_runtime', 'DispatchError'], [
      { name: 'Other', index: 0, fields: [] },
      { name: 'CannotLookup', index: 1, fields: [] },
      { name: 'BadOrigin', index: 2, fields: [] },
      { name: 'Module', index: 3, fields: [{ type: moduleError, typeName: 'ModuleError' }] },
      { name: 'ConsumerRemaining', index: 4, fields: [] },
      { name: 'NoProviders', index: 5, fields: [] },
      { name: 'TooManyConsumers', index: 6, fields: [] },
      { name: 'Token', index: 7, fields: [{ type: tokenError, typeName: 'TokenError' }] },
      { name: 'Arithmetic', index: 8, fields: [{ type: arithmeticError, typeName: 'ArithmeticError' }] },
      { name: 'Transactional', index: 9, fields: [{ type: transactionalError, typeName: 'TransactionalError' }] },
      { name: 'Exhausted', index: 10, fields: [] },
      { name: 'Corruption', index: 11, fields: [] },
      { name: 'Unavailable', index: 12, fields: [] },
      { name: 'RootNotAllowed', index: 13, fields: [] },
    ]);
    const dispatchResult = t.result(t.tuple(), dispatchError);
    this.common = {
      bool,
      u8,
      u16,
      u32,
      u64,
      u128,
      i16,
      bytes,
      h256,
      accountId,
      multiAddress,
      compactU16: t.compact(u16),
      compactU64,
      vecU16: t.vec(u16),
      vecAccountId: t.vec(accountId),
      weight,
      dispatchInfo,
      dispatchError,
      dispatchResult,
      runtimeCall: t.reserve(),
      runtimeEvent: t.reserve(),
    };
  }
}
