/**
 * Builds one block over the parent's state: System bookkeeping, every pallet's `onInitialize`
 * (subtensor's block step: registration prices, emission, epochs), then each extrinsic in its own
 * storage layer, then System.Events. The header hash is blake2_256 of the SCALE header, which is
 * what clients hash to sign mortal transactions (devnet-notes.md §4).
 */
import { blake2AsU8a } from '@polkadot/util-crypto';
import { Overlay, type State } from './storage.js';
import { DispatchFailure, type BlockInherents, type DispatchContext, type Origin } from './pallet.js';
import { Writer, type VariantValue } from './types.js';
import { BLOCK_HASH_COUNT, type EventRecord } from '../pallets/system.js';
import { CALL_WEIGHT } from './runtime-api.js';
import type { Runtime } from './runtime.js';
import type { DecodedExtrinsic } from './extrinsic.js';
import type { FaultInjector } from './faults.js';

export interface Header {
  parentHash: Uint8Array;
  number: number;
  stateRoot: Uint8Array;
  extrinsicsRoot: Uint8Array;
}

export function encodeHeader(h: Header): Uint8Array {
  const w = new Writer();
  w.bytes(h.parentHash);
  w.compact(h.number);
  w.bytes(h.stateRoot);
  w.bytes(h.extrinsicsRoot);
  w.compact(0); // digest: no logs
  return w.finish();
}

export function headerHash(h: Header): Uint8Array {
  return blake2AsU8a(encodeHeader(h), 256);
}

export type ApplyOutcome = { hash: string; included: true; success: boolean; error?: string } | { hash: string; included: false; reason: string };

export interface BuiltBlock {
  header: Header;
  hash: Uint8Array;
  extrinsics: Uint8Array[];
  /** The block's writes: key → new value (null = deleted). */
  changes: Map<string, Uint8Array | null>;
  outcomes: ApplyOutcome[];
}

/** Dispatches `call` with `origin` in a nested storage layer; events of a failed call are dropped. */
export function dispatch(runtime: Runtime, state: State, block: number, call: VariantValue, origin: Origin, events: { pallet: string; event: string; value: unknown }[]): void {
  const layer = new Overlay(state);
  const own: typeof events = [];
  const ctx: DispatchContext = {
    state: layer,
    origin,
    block,
    emit: (pallet, event, value) => own.push({ pallet, event, value }),
    dispatch: (inner, innerOrigin) => dispatch(runtime, layer, block, inner, innerOrigin, own),
  };
  const palletCall = call.value as VariantValue;
  const pallet = runtime.palletByName.get(call.name);
  const def = pallet?.calls.find((c) => c.name === palletCall.name);
  if (!def) throw new DispatchFailure({ name: 'Other' }, `no call ${call.name}.${palletCall.name}`);
  def.dispatch(ctx, (palletCall.value ?? {}) as Record<string, unknown>);
  layer.commit();
  events.push(...own);
}

export function buildBlock(
  runtime: Runtime,
  parentState: State,
  parent: { number: number; hash: Uint8Array; stateRoot: Uint8Array },
  extrinsics: DecodedExtrinsic[],
  log?: (msg: string, fields: Record<string, unknown>) => void,
  faults?: FaultInjector,
  inherents: BlockInherents = { now: Date.now(), pulses: [] },
): BuiltBlock {
  const number = parent.number + 1;
  const state = new Overlay(parentState);
  const sys = runtime.system;
  const records: EventRecord[] = [];
  const toRecord = (phase: VariantValue, e: { pallet: string; event: string; value: unknown }): EventRecord => ({
    phase,
    event: { name: e.pallet, value: e.value === undefined ? { name: e.event } : { name: e.event, value: e.value } },
    topics: [],
  });

  sys.Number.set(state, number);
  sys.ParentHash.set(state, parent.hash);
  sys.BlockHash.set(state, number - 1, parent.hash);
  if (number - 1 - BLOCK_HASH_COUNT >= 0) sys.BlockHash.remove(state, number - 1 - BLOCK_HASH_COUNT);
  sys.Events.remove(state);
  sys.EventCount.remove(state);

  const initEvents: { pallet: string; event: string; value: unknown }[] = [];
  const blockCtx = { state, block: number, inherents, emit: (pallet: string, event: string, value?: unknown) => initEvents.push({ pallet, event, value }) };
  for (const p of runtime.pallets) p.hooks.onInitialize?.(blockCtx);
  for (const e of initEvents) records.push(toRecord({ name: 'Initialization' }, e));

  const included: Uint8Array[] = [];
  const outcomes: ApplyOutcome[] = [];
  for (const x of extrinsics) {
    const account = sys.Account.get(state, x.signer);
    if (x.nonce !== account.nonce) {
      outcomes.push({ hash: x.hash, included: false, reason: x.nonce < account.nonce ? 'Transaction is outdated' : 'Transaction will be valid in the future' });
      continue;
    }
    account.nonce += 1;
    sys.Account.set(state, x.signer, account);
    const index = included.length;
    included.push(x.bytes);
    const phase: VariantValue = { name: 'ApplyExtrinsic', value: index };
    const events: { pallet: string; event: string; value: unknown }[] = [];
    const palletCall = (x.call.value as VariantValue).name;
    const def = runtime.palletByName.get(x.call.name)?.calls.find((c) => c.name === palletCall);
    const info = { weight: CALL_WEIGHT, class: { name: 'Normal' }, pays_fee: { name: def?.paysFee === false ? 'No' : 'Yes' } };
    try {
      const injected = faults?.take(x.call.name, palletCall);
      if (injected) throw injected;
      dispatch(runtime, state, number, x.call, { kind: 'signed', who: x.signer }, events);
      for (const e of events) records.push(toRecord(phase, e));
      records.push(toRecord(phase, { pallet: 'System', event: 'ExtrinsicSuccess', value: { dispatch_info: info } }));
      outcomes.push({ hash: x.hash, included: true, success: true });
    } catch (error) {
      const failure =
        error instanceof DispatchFailure ? error : new DispatchFailure({ name: 'Other' }, error instanceof Error ? error.message : String(error));
      if (!(error instanceof DispatchFailure)) log?.('dispatch threw an unexpected error', { call: `${x.call.name}.${palletCall}`, error: failure.message });
      records.push(toRecord(phase, { pallet: 'System', event: 'ExtrinsicFailed', value: { dispatch_error: failure.error, dispatch_info: info } }));
      outcomes.push({ hash: x.hash, included: true, success: false, error: failure.message });
    }
  }

  sys.Events.set(state, records);
  sys.EventCount.set(state, records.length);

  const w = new Writer();
  w.bytes(parent.stateRoot);
  for (const [k, v] of [...state.changes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    w.bytes(Buffer.from(k.slice(2), 'hex'));
    if (v) w.bytes(v);
  }
  const header: Header = {
    parentHash: parent.hash,
    number,
    stateRoot: blake2AsU8a(w.finish(), 256),
    extrinsicsRoot: blake2AsU8a(Buffer.concat(included), 256),
  };
  return { header, hash: headerHash(header), extrinsics: included, changes: state.changes, outcomes };
}
