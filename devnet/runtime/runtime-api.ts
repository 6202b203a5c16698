/**
 * Runtime APIs answered through `state_call("<Api>_<method>", SCALE args)`: Core, Metadata,
 * AccountNonceApi, TransactionPaymentApi here, and subtensor's own (NeuronInfoRuntimeApi,
 * SubnetInfoRuntimeApi, SubnetRegistrationRuntimeApi) in pallets/subtensor/runtime-api.ts. Listed in
 * metadata v15 so `api.call.*` is decorated.
 */
import type { RuntimeTypes } from './pallet.js';
import type { BuiltMetadata, ExtrinsicTypes, RuntimeApiDef } from './metadata.js';
import type { StateReader } from './storage.js';
import { Reader } from './types.js';
import type { SystemPallet } from '../pallets/system.js';
import type { SubtensorPallet } from '../pallets/subtensor/index.js';
import { defineSubtensorApis } from '../pallets/subtensor/runtime-api.js';
import type { RuntimeVersion } from './runtime.js';

export type RuntimeApiHandler = (state: StateReader, args: Uint8Array) => Uint8Array;

/** One runtime-API method: SCALE inputs decoded by `inputs`' types, the result encoded as `output`. */
export interface RuntimeApiMethod {
  name: string;
  inputs: [name: string, type: number][];
  output: number;
  run: (st: StateReader, args: any[]) => unknown;
}
/** Declares a runtime API (listed in metadata v15 and the runtime version) and answers its methods. */
export type DefineApi = (name: string, version: number, methods: RuntimeApiMethod[]) => void;
export type RuntimeApiHandlers = Map<string, RuntimeApiHandler>;

/** Weight reported for every call by payment_queryInfo; the devnet charges no fees. */
export const CALL_WEIGHT = { ref_time: 100_000_000n, proof_size: 4_096n };

export function defineRuntimeApis(
  rt: RuntimeTypes,
  deps: { system: SystemPallet; subtensor: SubtensorPallet; extrinsic: ExtrinsicTypes; metadata: () => BuiltMetadata; version: () => RuntimeVersion },
) {
  const t = rt.table;
  const c = rt.common;
  const codec = rt.codec;
  const opaqueMetadata = t.composite(['sp_core', 'OpaqueMetadata'], [{ type: c.bytes, typeName: 'Vec<u8>' }]);
  const runtimeVersion = t.composite(['sp_version', 'RuntimeVersion'], [
    { name: 'spec_name', type: t.primitive('str'), typeName: 'RuntimeString' },
    { name: 'impl_name', type: t.primitive('str'), typeName: 'RuntimeString' },
    { name: 'authoring_version', type: c.u32, typeName: 'u32' },
    { name: 'spec_version', type: c.u32, typeName: 'u32' },
    { name: 'impl_version', type: c.u32, typeName: 'u32' },
    { name: 'apis', type: t.vec(t.tuple(t.array(8, c.u8), c.u32)), typeName: 'ApisVec' },
    { name: 'transaction_version', type: c.u32, typeName: 'u32' },
    { name: 'system_version', type: c.u8, typeName: 'u8' },
  ]);
  const dispatchClass = t.variant(['frame_support', 'dispatch', 'DispatchClass'], [
    { name: 'Normal', index: 0, fields: [] },
    { name: 'Operational', index: 1, fields: [] },
    { name: 'Mandatory', index: 2, fields: [] },
  ]);
  const runtimeDispatchInfo = t.composite(['pallet_transaction_payment', 'types', 'RuntimeDispatchInfo'], [
    { name: 'weight', type: c.weight, typeName: 'Weight' },
    { name: 'class', type: dispatchClass, typeName: 'DispatchClass' },
    { name: 'partial_fee', type: c.u64, typeName: 'Balance' },
  ]);
  const inclusionFee = t.composite(['pallet_transaction_payment', 'types', 'InclusionFee'], [
    { name: 'base_fee', type: c.u64, typeName: 'Balance' },
    { name: 'len_fee', type: c.u64, typeName: 'Balance' },
    { name: 'adjusted_weight_fee', type: c.u64, typeName: 'Balance' },
  ]);
  const feeDetails = t.composite(['pallet_transaction_payment', 'types', 'FeeDetails'], [
    { name: 'inclusion_fee', type: t.option(inclusionFee), typeName: 'Option<InclusionFee<Balance>>' },
    { name: 'tip', type: c.u64, typeName: 'Balance' },
  ]);
  const apis: RuntimeApiDef[] = [];
  const handlers: RuntimeApiHandlers = new Map();
  const api: DefineApi = (name, version, methods) => {
    apis.push({ name, version, methods: methods.map((m) => ({ name: m.name, inputs: m.inputs.map(([n, type]) => ({ name: n, type })), output: m.output })) });
    for (const m of methods) {
      handlers.set(`${name}_${m.name}`, (st, bytes) => {
        const r = new Reader(bytes);
        const args = m.inputs.map(([, type]) => codec.codec(type).decode(r));
        return codec.encode(m.output, m.run(st, args));
      });
    }
  };
  api('Core', 4, [
    {
      name: 'version',
      inputs: [],
      output: runtimeVersion,
      run: () => {
        const v = deps.version();
        return {
          spec_name: v.specName,
          impl_name: v.implName,
          authoring_version: v.authoringVersion,
          spec_version: v.specVersion,
          impl_version: v.implVersion,
          apis: v.apis.map(([id, ver]) => [Uint8Array.from(Buffer.from(id.slice(2), 'hex')), ver]),
          transaction_version: v.transactionVersion,
          system_version: v.stateVersion,
        };
      },
    },
  ]);
  api('Metadata', 2, [
    { name: 'metadata', inputs: [], output: opaqueMetadata, run: () => deps.metadata().v14 },
    {
      name: 'metadata_at_version',
      inputs: [['version', c.u32]],
      output: t.option(opaqueMetadata),
      run: (_, [v]) => (v === 14 ? deps.metadata().v14 : v === 15 ? deps.metadata().v15 : null),
    },
    { name: 'metadata_versions', inputs: [], output: t.vec(c.u32), run: () => [14, 15] },
  ]);
  api('AccountNonceApi', 1, [
    { name: 'account_nonce', inputs: [['account', c.accountId]], output: c.u32, run: (st, [who]) => deps.system.Account.get(st, who).nonce },
  ]);
  const info = () => ({ weight: CALL_WEIGHT, class: { name: 'Normal' }, partial_fee: 0n });
  api('TransactionPaymentApi', 4, [
    { name: 'query_info', inputs: [['uxt', deps.extrinsic.unchecked], ['len', c.u32]], output: runtimeDispatchInfo, run: info },
    {
      name: 'query_fee_details',
      inputs: [['uxt', deps.extrinsic.unchecked], ['len', c.u32]],
      output: feeDetails,
      run: () => ({ inclusion_fee: { base_fee: 0n, len_fee: 0n, adjusted_weight_fee: 0n }, tip: 0n }),
    },
  ]);
  defineSubtensorApis(rt, deps.subtensor, deps.system, api);

  return { apis, handlers };
}

