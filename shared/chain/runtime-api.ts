/**
 * Runtime-API calls typed by the runtime's own metadata (v15 `apis`): arguments are encoded and the
 * result decoded with the types the connected runtime declares for that method, so a runtime whose
 * structs differ (AxonInfo's port before ip on spec 181–200, fields added or dropped since) decodes
 * as it is, with no layout of flopnet's own. A method the runtime does not declare, or declares as
 * opaque `Vec<u8>` (runtimes before spec 233 returned SCALE bytes with no type), is `undefined` here,
 * and the caller reads storage instead.
 *
 * RPC: `state_call("<Api>_<method>", args, at)`.
 */
import { stringCamelCase, u8aConcat, u8aToHex } from '@polkadot/util';
import type { Codec } from '@polkadot/types/types';
import type { ChainContext } from './context.js';
import { hasRuntimeApi } from './storage.js';

export interface RuntimeApiMethod {
  api: string;
  method: string;
  inputs: { name: string; type: number }[];
  output: number;
}

/** The method as the runtime's metadata declares it; undefined when absent or untyped. */
export function runtimeApiMethod(ctx: ChainContext, api: string, method: string): RuntimeApiMethod | undefined {
  if (!hasRuntimeApi(ctx, api)) return undefined;
  const declared = ctx.api.runtimeMetadata.asLatest.apis.find((a) => a.name.toString() === api);
  const m = declared?.methods.find((x) => x.name.toString() === method);
  if (!m) return undefined;
  const output = m.output.toNumber();
  if (isOpaqueBytes(ctx, output)) return undefined;
  return { api, method, inputs: m.inputs.map((i) => ({ name: i.name.toString(), type: i.type.toNumber() })), output };
}

/** `Vec<u8>` (or `Option<Vec<u8>>`): SCALE bytes of a type the metadata does not describe. */
function isOpaqueBytes(ctx: ChainContext, id: number): boolean {
  const lookup = ctx.api.registry.lookup;
  let def = lookup.getSiType(id).def;
  const path = lookup.getSiType(id).path.map((p) => p.toString());
  if (path.length === 1 && path[0] === 'Option' && def.isVariant) {
    const some = def.asVariant.variants.find((v) => v.name.toString() === 'Some');
    const inner = some?.fields[0]?.type.toNumber();
    if (inner === undefined) return false;
    def = lookup.getSiType(inner).def;
  }
  if (!def.isSequence) return false;
  const item = lookup.getSiType(def.asSequence.type.toNumber()).def;
  return item.isPrimitive && item.asPrimitive.type === 'U8';
}

/** The names of a struct's fields, in declaration order (an Option's inner struct for Option types). */
export function structFieldNames(ctx: ChainContext, id: number): string[] {
  const lookup = ctx.api.registry.lookup;
  let type = lookup.getSiType(id);
  if (type.path.map((p) => p.toString()).join('::') === 'Option' && type.def.isVariant) {
    const inner = type.def.asVariant.variants.find((v) => v.name.toString() === 'Some')?.fields[0]?.type.toNumber();
    if (inner === undefined) return [];
    type = lookup.getSiType(inner);
  }
  return type.def.isComposite ? type.def.asComposite.fields.map((f) => (f.name.isSome ? f.name.unwrap().toString() : '')) : [];
}

/** Calls the method at block `at` (best when omitted); `args` in the declared order. */
export async function callRuntimeApi(ctx: ChainContext, m: RuntimeApiMethod, args: unknown[], at?: string): Promise<Codec> {
  const registry = ctx.api.registry;
  if (args.length !== m.inputs.length) throw new RangeError(`${m.api}_${m.method} takes ${m.inputs.length} arguments`);
  const encoded = u8aConcat(...m.inputs.map((input, i) => registry.createType(registry.createLookupType(input.type), args[i]).toU8a()));
  const name = `${m.api}_${m.method}`;
  const raw = at ? await ctx.api.rpc.state.call(name, u8aToHex(encoded), at) : await ctx.api.rpc.state.call(name, u8aToHex(encoded));
  const bytes = raw.toU8a(true);
  const result = registry.createType(registry.createLookupType(m.output), bytes);
  if (result.encodedLength !== bytes.length) {
    throw new Error(`${name} returned ${bytes.length} bytes; the type the runtime declares for it takes ${result.encodedLength}`);
  }
  return result;
}

/** A field of a decoded struct by its metadata name (`validator_permit`). */
export function field(struct: Codec, name: string): Codec | undefined {
  return (struct as unknown as { get(key: string): Codec | undefined }).get(stringCamelCase(name));
}
