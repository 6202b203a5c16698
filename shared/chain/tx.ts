/**
 * Building, signing and submitting extrinsics.
 *
 * Calls are built by ARGUMENT NAME against the connected runtime's metadata, so one action works on
 * runtimes whose signatures differ (add_stake with or without netuid, register_network with or
 * without hotkey, reveal_weights with or without salt): arguments the runtime does not take are left
 * out, arguments it needs and we do not know fail with the runtime's signature in the message.
 *
 * `submit` waits until a block includes the extrinsic (InBlock, or Finalized when the node skips
 * InBlock), then returns the decoded events or throws the chain's error by name (errors.ts).
 */
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Codec } from '@polkadot/types/types';
import type { DispatchError, EventRecord } from '@polkadot/types/interfaces';
import { stringCamelCase } from '@polkadot/util';
import { CallUnsupportedError, ChainCallError, ChainTimeoutError, explainDispatchError, poolRejection, ChainRejectedError } from './errors.js';
import type { ChainContext, Signer } from './context.js';

export type Extrinsic = SubmittableExtrinsic<'promise'>;

/**
 * The same value under the names different runtimes gave an argument. Keys and names are compared in
 * camelCase, as polkadot-js presents metadata argument names (`ip_type` → `ipType`).
 */
const ARG_ALIASES: Readonly<Record<string, readonly string[]>> = {
  amount: ['amountStaked', 'amountUnstaked'],
  amountStaked: ['amount'],
  amountUnstaked: ['amount'],
  dests: ['uids'],
  weights: ['values'],
  uids: ['dests'],
  values: ['weights'],
};

/** Arguments older runtimes require that have one sensible value (spec 218's register_network mechid: 1 = dynamic). */
const ARG_DEFAULTS: Readonly<Record<string, unknown>> = {
  mechid: 1,
};

function specVersion(ctx: ChainContext): number {
  return ctx.api.runtimeVersion.specVersion.toNumber();
}

function pascal(section: string): string {
  return section.charAt(0).toUpperCase() + section.slice(1);
}

/** `Pallet.call_name` as the metadata spells it, for messages. */
export function callLabel(pallet: string, call: string): string {
  return `${pascal(stringCamelCase(pallet))}.${call}`;
}

/** The argument names (snake_case, as in metadata) of a call, or undefined when the runtime lacks it. */
export function callArgNames(ctx: ChainContext, pallet: string, call: string): string[] | undefined {
  const fn = ctx.api.tx[stringCamelCase(pallet)]?.[stringCamelCase(call)];
  return fn ? fn.meta.args.map((a) => a.name.toString()) : undefined;
}

/** Orders named values (snake_case or camelCase keys) as the runtime's signature wants them; pure, so it is tested without a chain. */
export function orderArgs(
  signature: ReadonlyArray<{ name: string; type: string }>,
  values: Readonly<Record<string, unknown>>,
  label: string,
  spec?: number,
): unknown[] {
  const byName = new Map(Object.entries(values).map(([k, v]) => [stringCamelCase(k), v]));
  return signature.map(({ name }) => {
    const camel = stringCamelCase(name);
    for (const key of [camel, ...(ARG_ALIASES[camel] ?? [])]) {
      if (byName.get(key) !== undefined) return byName.get(key);
    }
    if (camel in ARG_DEFAULTS) return ARG_DEFAULTS[camel];
    const sig = signature.map((a) => `${a.name}: ${a.type}`).join(', ');
    throw new CallUnsupportedError(
      `${label} that flopnet can fill: it takes (${sig}) and flopnet has no value for "${name}"`,
      spec,
      'use a flopnet version that knows this runtime, or connect to a runtime with the signature flopnet expects',
    );
  });
}

/** Builds `pallet.call` from named values; throws `CallUnsupportedError` naming the call if the runtime lacks it. */
export function buildCall(ctx: ChainContext, pallet: string, call: string, values: Readonly<Record<string, unknown>>): Extrinsic {
  const label = callLabel(pallet, call);
  const fn = ctx.api.tx[stringCamelCase(pallet)]?.[stringCamelCase(call)];
  if (!fn) throw new CallUnsupportedError(`call ${label}`, specVersion(ctx));
  const signature = fn.meta.args.map((a) => ({ name: a.name.toString(), type: a.type.toString() }));
  return fn(...orderArgs(signature, values, label, specVersion(ctx)));
}

/** Whether the runtime has a call (to choose between alternatives, e.g. Sudo.sudo vs SubtensorModule.sudo). */
export function hasCall(ctx: ChainContext, pallet: string, call: string): boolean {
  return callArgNames(ctx, pallet, call) !== undefined;
}

export interface ChainEvent {
  /** Pallet name as in metadata: `SubtensorModule`, `System`. */
  section: string;
  method: string;
  /** Positional fields: numbers (bigint above 2^53), ss58 strings, booleans, hex, arrays. */
  data: unknown[];
  /** Field names when the event declares them. */
  names?: string[];
}

export interface TxResult {
  /** `Pallet.call` that was submitted (the inner call for sudo). */
  call: string;
  txHash: string;
  blockHash: string;
  blockNumber: number;
  events: ChainEvent[];
}

/** A codec as a plain value: big integers as bigint, accounts as ss58, the rest as its JSON. */
export function primitive(codec: Codec): unknown {
  const c = codec as Codec & { toBigInt?: () => bigint; isTrue?: boolean; toRawType(): string };
  if (typeof c.toBigInt === 'function') {
    const v = c.toBigInt();
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (Array.isArray(codec)) return (codec as Codec[]).map(primitive);
  if (c.toRawType() === 'AccountId' || c.toRawType() === 'AccountId32') return codec.toString();
  return codec.toJSON();
}

function decodeEvents(records: readonly EventRecord[]): ChainEvent[] {
  return records.map(({ event }) => {
    const names = (event.data as unknown as { names?: string[] | null }).names;
    return {
      section: pascal(event.section),
      method: event.method,
      data: [...event.data].map(primitive),
      ...(names ? { names } : {}),
    };
  });
}

/** The first event `section.method` among a transaction's events. */
export function findEvent(result: TxResult, section: string, method: string): ChainEvent | undefined {
  return result.events.find((e) => e.section === section && e.method === method);
}

/** `Pallet.ErrorName` (module errors) or the DispatchError kind (`BadOrigin`, `Token.FundsUnavailable`). */
export function dispatchErrorName(ctx: ChainContext, error: DispatchError): { name: string; docs: string[] } {
  if (error.isModule) {
    try {
      const meta = ctx.api.registry.findMetaError(error.asModule);
      return { name: `${pascal(meta.section)}.${meta.name}`, docs: meta.docs };
    } catch {
      return { name: `Module(${error.asModule.index.toNumber()}, ${error.asModule.error.toHex()})`, docs: [] };
    }
  }
  if (error.isToken) return { name: `Token.${error.asToken.type}`, docs: [] };
  if (error.isArithmetic) return { name: `Arithmetic.${error.asArithmetic.type}`, docs: [] };
  return { name: error.type, docs: [] };
}

function callError(ctx: ChainContext, label: string, error: DispatchError, blockHash: string): ChainCallError {
  const { name, docs } = dispatchErrorName(ctx, error);
  const { code, hint } = explainDispatchError(name);
  const doc = docs.join(' ').trim();
  return new ChainCallError(label, name, { code, hint, blockHash, ...(doc ? { details: [doc] } : {}) });
}

export interface SubmitOptions {
  /** Overrides the context's inclusion timeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Label for messages; defaults to the extrinsic's `Pallet.call`. */
  label?: string;
}

/**
 * Signs with the signer's next nonce, submits, and resolves once a block includes the extrinsic.
 * Rejects with `ChainRejectedError` (refused by the pool), `ChainCallError` (included, failed — also
 * for a failed call inside Sudo.sudo), or `ChainTimeoutError`.
 */
export async function submit(ctx: ChainContext, signer: Signer, tx: Extrinsic, options: SubmitOptions = {}): Promise<TxResult> {
  const label = options.label ?? callLabel(tx.method.section, stringSnake(tx.method.method));
  ctx.refreshExtensions();
  let included!: Promise<TxResult>;
  await ctx.nonces.withNonce(signer.address, async (nonce) => {
    await tx.signAsync(signer, { nonce });
    ctx.log.debug('submitting', { call: label, signer: signer.address, nonce });
    const watched = watch(ctx, tx, label, options);
    included = watched.included;
    await watched.accepted;
  });
  return included;
}

function stringSnake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

function watch(ctx: ChainContext, tx: Extrinsic, label: string, options: SubmitOptions): { accepted: Promise<void>; included: Promise<TxResult> } {
  const timeoutMs = options.timeoutMs ?? ctx.txTimeoutMs;
  let accept!: () => void;
  let refuse!: (e: unknown) => void;
  const accepted = new Promise<void>((resolve, reject) => {
    accept = resolve;
    refuse = reject;
  });
  const included = new Promise<TxResult>((resolve, reject) => {
    let unsub: (() => void) | undefined;
    let done = false;
    const finish = (error: unknown, value?: TxResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      unsub?.();
      if (error) {
        refuse(error);
        reject(error);
      } else {
        accept();
        resolve(value!);
      }
    };
    const timer = setTimeout(() => finish(new ChainTimeoutError(label, Math.round(timeoutMs / 1000))), timeoutMs);
    const onAbort = (): void => finish(options.signal?.reason ?? new Error('aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    tx.send((result) => {
      const { status } = result;
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        finish(new ChainRejectedError(label, `the pool reported the transaction ${status.type}`, { code: status.isUsurped ? 'E_NONCE' : 'E_CHAIN_REJECTED', hint: 'retry; if it repeats, check the node' }));
        return;
      }
      accept();
      if (!status.isInBlock && !status.isFinalized) return;
      const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex();
      if (result.dispatchError) {
        finish(callError(ctx, label, result.dispatchError, blockHash));
        return;
      }
      // Sudo.sudo succeeds as an extrinsic even when the call inside fails: look inside.
      const sudid = result.events.find(({ event }) => event.section === 'sudo' && event.method === 'Sudid');
      const inner = sudid?.event.data[0] as unknown as { isErr?: boolean; asErr?: DispatchError } | undefined;
      if (inner?.isErr && inner.asErr) {
        finish(callError(ctx, label, inner.asErr, blockHash));
        return;
      }
      const events = decodeEvents(result.events);
      const known = (result as { blockNumber?: { toNumber(): number } }).blockNumber?.toNumber();
      (known === undefined ? ctx.api.rpc.chain.getHeader(blockHash).then((h) => h.number.toNumber()) : Promise.resolve(known)).then(
        (blockNumber) => finish(undefined, { call: label, txHash: result.txHash.toHex(), blockHash, blockNumber, events }),
        (error: unknown) => finish(error),
      );
    })
      .then((u) => {
        unsub = u;
        if (done) u();
      })
      .catch((error: unknown) => finish(poolRejection(label, error)));
  });
  // A caller that only awaits `accepted` must not see an unhandled rejection from `included`, and vice versa.
  included.catch(() => undefined);
  accepted.catch(() => undefined);
  return { accepted, included };
}
