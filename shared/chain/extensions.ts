/**
 * Signed (transaction) extensions that @polkadot/api does not know, described from the chain's metadata.
 *
 * polkadot-js encodes each extension by identifier from a built-in table and treats unknown ones as
 * empty. Current subtensor names its fee extension `ChargeTransactionPaymentWrapper` (a Compact tip,
 * research/subtensor.md §0.2) and adds several empty ones; without a description the tip would be left
 * out of both the extrinsic and the signed payload, and every mortal signature would fail. So at connect
 * (and after a runtime upgrade) we read each unknown extension's explicit and implicit types from the
 * metadata, unwrap newtype wrappers down to what they encode as, and hand polkadot-js the result as
 * `ApiOptions.signedExtensions`.
 */
import type { Metadata } from '@polkadot/types';
import { findUnknownExtensions } from '@polkadot/types/extrinsic/signedExtensions';
import { stringCamelCase } from '@polkadot/util';

export type ExtensionDefs = Record<string, { extrinsic: Record<string, string>; payload: Record<string, string> }>;

interface LookupLike {
  getSiType(id: number): { def: any };
  getTypeDef(id: number): { type: string; lookupName?: string };
}

export interface ExtensionMeta {
  identifier: string;
  /** Type id of the explicit data (in the extrinsic). */
  type: number;
  /** Type id of the implicit data (signed, not sent). */
  implicit: number;
}

/** True when a type encodes to zero bytes (unit, empty struct or tuple, or only such fields). */
function isEmpty(lookup: LookupLike, id: number, depth = 0): boolean {
  if (depth > 16) return false;
  const def = lookup.getSiType(id).def;
  if (def.isTuple) return (def.asTuple as Array<{ toNumber(): number }>).every((t) => isEmpty(lookup, t.toNumber(), depth + 1));
  if (def.isComposite) return (def.asComposite.fields as Array<{ type: { toNumber(): number } }>).every((f) => isEmpty(lookup, f.type.toNumber(), depth + 1));
  return false;
}

/** The id a single-field wrapper (struct or tuple of one) encodes as. */
function unwrap(lookup: LookupLike, id: number): number {
  for (let depth = 0; depth < 16; depth++) {
    const def = lookup.getSiType(id).def;
    const inner: Array<{ toNumber(): number }> | undefined = def.isTuple
      ? def.asTuple
      : def.isComposite
        ? (def.asComposite.fields as Array<{ type: { toNumber(): number } }>).map((f) => f.type)
        : undefined;
    if (!inner || inner.length !== 1) return id;
    id = inner[0]!.toNumber();
  }
  return id;
}

function typeName(lookup: LookupLike, id: number): string {
  const def = lookup.getTypeDef(id);
  return def.lookupName ?? def.type;
}

/**
 * Descriptions for the extensions in `metadata` that polkadot-js lacks. `unfillable` lists extensions
 * with implicit data flopnet cannot supply (none in any subtensor runtime so far): signing for them
 * would use a default and likely fail, so the caller should warn.
 */
export function deriveSignedExtensions(lookup: LookupLike, extensions: readonly ExtensionMeta[]): { defs: ExtensionDefs; unfillable: string[] } {
  const unknown = new Set(findUnknownExtensions(extensions.map((e) => e.identifier)));
  const defs: ExtensionDefs = {};
  const unfillable: string[] = [];
  for (const ext of extensions) {
    if (!unknown.has(ext.identifier)) continue;
    const extrinsic: Record<string, string> = {};
    const payload: Record<string, string> = {};
    if (!isEmpty(lookup, ext.type)) {
      // A fee wrapper's single value is the tip: naming it `tip` lets the signer's tip option fill it.
      const field = /ChargeTransactionPayment|ChargeAssetTxPayment/.test(ext.identifier) ? 'tip' : stringCamelCase(ext.identifier);
      extrinsic[field] = typeName(lookup, unwrap(lookup, ext.type));
    }
    if (!isEmpty(lookup, ext.implicit)) {
      payload[`${stringCamelCase(ext.identifier)}Implicit`] = typeName(lookup, unwrap(lookup, ext.implicit));
      unfillable.push(ext.identifier);
    }
    defs[ext.identifier] = { extrinsic, payload };
  }
  return { defs, unfillable };
}

/** The extension list of the registry's current metadata. */
export function metadataExtensions(metadata: Metadata): ExtensionMeta[] {
  if (metadata.version >= 16) {
    return metadata.asLatest.extrinsic.transactionExtensions.map((e) => ({
      identifier: e.identifier.toString(),
      type: e.type.toNumber(),
      implicit: e.implicit.toNumber(),
    }));
  }
  // Read v14/v15 as served: @polkadot/types 16.5 converts them to v16 with a misspelt field
  // ('implict'), so registry.metadata reports every extension's implicit type as id 0.
  return metadata.asV15.extrinsic.signedExtensions.map((e) => ({
    identifier: e.identifier.toString(),
    type: e.type.toNumber(),
    implicit: e.additionalSigned.toNumber(),
  }));
}
