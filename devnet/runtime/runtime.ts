/**
 * The devnet runtime: pallets assembled in subtensor's order and indices, the extrinsic format,
 * the runtime APIs, and the metadata they add up to. Built once per devnet (~tens of ms).
 */
import { blake2AsU8a } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { RuntimeTypes, type Pallet } from './pallet.js';
import { addPalletTypes, buildMetadata, type BuiltMetadata, type ExtrinsicTypes, type RuntimeApiDef } from './metadata.js';
import type { Variant } from './types.js';
import { systemPallet } from '../pallets/system.js';
import { balancesPallet } from '../pallets/balances.js';
import { sudoPallet } from '../pallets/sudo.js';
import { subtensorPallet, type SubtensorOptions } from '../pallets/subtensor/index.js';
import { adminUtilsPallet } from '../pallets/admin-utils.js';
import { commitmentsPallet } from '../pallets/commitments.js';
import { timestampPallet } from '../pallets/timestamp.js';
import { drandPallet } from '../pallets/drand.js';
import { defineTimelockedCommits } from '../pallets/subtensor/timelocked.js';
import { defineRuntimeApis, type RuntimeApiHandlers } from './runtime-api.js';

export const SPEC_NAME = 'node-subtensor';
export const TRANSACTION_VERSION = 1;
/** The first runtime with commit_timelocked_weights (and the hotkey payload) on opentensor/subtensor. */
export const FIRST_TIMELOCKED_SPEC = 299;
export const IMPL_VERSION = 1;

export interface RuntimeVersion {
  specName: string;
  implName: string;
  authoringVersion: number;
  specVersion: number;
  implVersion: number;
  apis: [string, number][];
  transactionVersion: number;
  stateVersion: number;
}

/**
 * `frame`: the standard extension names, which an unmodified @polkadot/api encodes. `subtensor`: HEAD's
 * list (subtensor.md §0.2), with `ChargeTransactionPaymentWrapper` and the empty subtensor extensions
 * that @polkadot/api does not know: clients must then describe them (`ApiOptions.signedExtensions`), as
 * they must for a real node, or their tip and metadata-hash mode bytes go missing.
 */
export type ExtensionSet = 'frame' | 'subtensor';

function extrinsicTypes(rt: RuntimeTypes, set: ExtensionSet): ExtrinsicTypes {
  const t = rt.table;
  const c = rt.common;
  const era: Variant[] = [{ name: 'Immortal', index: 0, fields: [] }];
  for (let i = 1; i < 256; i++) era.push({ name: `Mortal${i}`, index: i, fields: [{ type: c.u8 }] });
  const eraType = t.variant(['sp_runtime', 'generic', 'era', 'Era'], era);
  const signature = t.variant(['sp_runtime', 'MultiSignature'], [
    { name: 'Ed25519', index: 0, fields: [{ type: t.array(64, c.u8), typeName: 'ed25519::Signature' }] },
    { name: 'Sr25519', index: 1, fields: [{ type: t.array(64, c.u8), typeName: 'sr25519::Signature' }] },
    { name: 'Ecdsa', index: 2, fields: [{ type: t.array(65, c.u8), typeName: 'ecdsa::Signature' }] },
  ]);
  const unit = t.tuple();
  const ext = (path: string[], fields: { name?: string; type: number }[], additionalSigned: number, identifier: string) => ({
    identifier,
    type: t.composite(path, fields, [{ name: 'T', type: null }]),
    additionalSigned,
  });
  const signedExtensions = [
    ext(['frame_system', 'extensions', 'check_non_zero_sender', 'CheckNonZeroSender'], [], unit, 'CheckNonZeroSender'),
    ext(['frame_system', 'extensions', 'check_spec_version', 'CheckSpecVersion'], [], c.u32, 'CheckSpecVersion'),
    ext(['frame_system', 'extensions', 'check_tx_version', 'CheckTxVersion'], [], c.u32, 'CheckTxVersion'),
    ext(['frame_system', 'extensions', 'check_genesis', 'CheckGenesis'], [], c.h256, 'CheckGenesis'),
    ext(['frame_system', 'extensions', 'check_mortality', 'CheckMortality'], [{ type: eraType }], c.h256, 'CheckMortality'),
    ext(['frame_system', 'extensions', 'check_nonce', 'CheckNonce'], [{ type: t.compact(c.u32) }], unit, 'CheckNonce'),
    ext(['frame_system', 'extensions', 'check_weight', 'CheckWeight'], [], unit, 'CheckWeight'),
  ];
  if (set === 'frame') {
    signedExtensions.push(ext(['pallet_transaction_payment', 'ChargeTransactionPayment'], [{ type: c.compactU64 }], unit, 'ChargeTransactionPayment'));
  } else {
    const mode = t.variant(['frame_metadata_hash_extension', 'Mode'], [
      { name: 'Disabled', index: 0, fields: [] },
      { name: 'Enabled', index: 1, fields: [] },
    ]);
    signedExtensions.push(
      ext(['subtensor_transaction_fee', 'ChargeTransactionPaymentWrapper'], [{ type: c.compactU64 }], unit, 'ChargeTransactionPaymentWrapper'),
      ext(['node_subtensor_runtime', 'sudo_wrapper', 'SudoTransactionExtension'], [], unit, 'SudoTransactionExtension'),
      ext(['pallet_shield', 'extension', 'CheckShieldedTxValidity'], [], unit, 'CheckShieldedTxValidity'),
      ext(['pallet_subtensor', 'extensions', 'subtensor', 'SubtensorTransactionExtension'], [], unit, 'SubtensorTransactionExtension'),
      ext(['pallet_drand', 'drand_priority', 'DrandPriority'], [], unit, 'DrandPriority'),
      ext(['frame_metadata_hash_extension', 'CheckMetadataHash'], [{ name: 'mode', type: mode }], t.option(c.h256), 'CheckMetadataHash'),
    );
  }
  const extra = t.tuple(...signedExtensions.map((e) => e.type));
  const unchecked = t.composite(['sp_runtime', 'generic', 'unchecked_extrinsic', 'UncheckedExtrinsic'], [{ type: c.bytes }], [
    { name: 'Address', type: c.multiAddress },
    { name: 'Call', type: c.runtimeCall },
    { name: 'Signature', type: signature },
    { name: 'Extra', type: extra },
  ]);
  return { unchecked, address: c.multiAddress, call: c.runtimeCall, signature, extra, signedExtensions, metadataHashMode: set === 'subtensor' };
}

export interface RuntimeOptions extends SubtensorOptions {
  /** Signed extensions the metadata declares (default `frame`). */
  extensions?: ExtensionSet;
  /** The slot: Timestamp advances by it each block (default 250 ms). */
  blockTimeMs?: number;
}

export function createRuntime(options: RuntimeOptions) {
  const rt = new RuntimeTypes();
  const system = systemPallet(rt);
  const timestamp = timestampPallet(rt, options.blockTimeMs ?? 250);
  const balances = balancesPallet(rt, system);
  const subtensor = subtensorPallet(rt, balances, options);
  const sudo = sudoPallet(rt);
  const commitments = commitmentsPallet(rt, subtensor);
  const adminUtils = adminUtilsPallet(rt, subtensor);
  const drand = drandPallet(rt, (st) => timestamp.Now.get(st));
  // Drand and the timelocked commits came with spec 299 (commit_timelocked_weights); older variants lack both.
  const hasDrand = subtensor.core.variant.specVersion >= FIRST_TIMELOCKED_SPEC;
  if (hasDrand) defineTimelockedCommits(subtensor.core, drand, subtensor.blockStep);
  // Hooks run in this order: the clock first; pulses after SubtensorModule's block step, since on a node
  // they arrive as extrinsics during the block.
  const pallets: Pallet[] = [system.pallet, timestamp.pallet, balances.pallet, subtensor.pallet, sudo.pallet, commitments.pallet, adminUtils.pallet, ...(hasDrand ? [drand.pallet] : [])];
  const extrinsic = extrinsicTypes(rt, options.extensions ?? 'frame');
  const runtimeType = rt.table.composite(['node_subtensor_runtime', 'Runtime'], []);
  const ids = addPalletTypes(rt.table, pallets, rt.common.runtimeCall, rt.common.runtimeEvent);

  let metadata: BuiltMetadata | undefined;
  const api = defineRuntimeApis(rt, { system, subtensor, extrinsic, metadata: () => metadata!, version: () => version });
  metadata = buildMetadata(rt.table, pallets, ids, extrinsic, runtimeType, api.apis);
  const version: RuntimeVersion = {
    specName: SPEC_NAME,
    implName: SPEC_NAME,
    authoringVersion: 1,
    specVersion: subtensor.core.variant.specVersion,
    implVersion: IMPL_VERSION,
    apis: api.apis.map((a): [string, number] => [u8aToHex(blake2AsU8a(a.name, 64)), a.version]),
    transactionVersion: TRANSACTION_VERSION,
    stateVersion: 1,
  };
  const palletByName = new Map(pallets.map((p) => [p.name, p]));
  return {
    types: rt,
    codec: rt.codec,
    pallets,
    palletByName,
    system,
    balances,
    sudo,
    subtensor,
    commitments,
    adminUtils,
    timestamp,
    /** undefined on variants older than FIRST_TIMELOCKED_SPEC. */
    drand: hasDrand ? drand : undefined,
    extrinsic,
    metadata,
    version,
    apis: api.apis as RuntimeApiDef[],
    apiHandlers: api.handlers as RuntimeApiHandlers,
  };
}

export type Runtime = ReturnType<typeof createRuntime>;
