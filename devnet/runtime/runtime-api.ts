/**
 * Runtime APIs answered through `state_call("<Api>_<method>", SCALE args)`: Core, Metadata,
 * AccountNonceApi, TransactionPaymentApi and subtensor's NeuronInfoRuntimeApi / SubnetInfoRuntimeApi
 * with HEAD's typed return structs (../../shared/research/subtensor.md §3). Listed in metadata v15 so
 * `api.call.*` is decorated.
 */
import type { RuntimeTypes } from './pallet.js';
import type { BuiltMetadata, ExtrinsicTypes, RuntimeApiDef } from './metadata.js';
import type { StateReader, StorageItem } from './storage.js';
import { Reader } from './types.js';
import type { SystemPallet } from '../pallets/system.js';
import type { SubtensorPallet, AxonInfo } from '../pallets/subtensor/index.js';
import { lockCost, subnetExists } from '../pallets/subtensor/subnets.js';
import { nextEpochStartBlock } from '../pallets/subtensor/schedule.js';
import type { RuntimeVersion } from './runtime.js';

export type RuntimeApiHandler = (state: StateReader, args: Uint8Array) => Uint8Array;
export type RuntimeApiHandlers = Map<string, RuntimeApiHandler>;

/** Weight reported for every call by payment_queryInfo; the devnet charges no fees. */
export const CALL_WEIGHT = { ref_time: 100_000_000n, proof_size: 4_096n };

const EMPTY_AXON: AxonInfo = { block: 0n, version: 0, ip: 0n, port: 0, ip_type: 0, protocol: 0, placeholder1: 0, placeholder2: 0 };

export function defineRuntimeApis(
  rt: RuntimeTypes,
  deps: { system: SystemPallet; subtensor: SubtensorPallet; extrinsic: ExtrinsicTypes; metadata: () => BuiltMetadata; version: () => RuntimeVersion },
) {
  const t = rt.table;
  const c = rt.common;
  const codec = rt.codec;
  const s = deps.subtensor.storage;
  const i64 = t.primitive('i64');
  const C16 = c.compactU16;
  const C64 = c.compactU64;
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
  const axonInfo = s.Axons.def.value;
  const prometheusInfo = t.composite(['pallet_subtensor', 'pallet', 'PrometheusInfo'], [
    { name: 'block', type: c.u64, typeName: 'u64' },
    { name: 'version', type: c.u32, typeName: 'u32' },
    { name: 'ip', type: c.u128, typeName: 'u128' },
    { name: 'port', type: c.u16, typeName: 'u16' },
    { name: 'ip_type', type: c.u8, typeName: 'u8' },
  ]);
  const liteFields = (withWeights: boolean) => [
    { name: 'hotkey', type: c.accountId, typeName: 'AccountId' },
    { name: 'coldkey', type: c.accountId, typeName: 'AccountId' },
    { name: 'uid', type: C16, typeName: 'Compact<u16>' },
    { name: 'netuid', type: C16, typeName: 'Compact<NetUid>' },
    { name: 'active', type: c.bool, typeName: 'bool' },
    { name: 'axon_info', type: axonInfo, typeName: 'AxonInfo' },
    { name: 'prometheus_info', type: prometheusInfo, typeName: 'PrometheusInfo' },
    { name: 'stake', type: t.vec(t.tuple(c.accountId, C64)), typeName: 'Vec<(AccountId, Compact<AlphaBalance>)>' },
    { name: 'rank', type: C16, typeName: 'Compact<u16>' },
    { name: 'emission', type: C64, typeName: 'Compact<AlphaBalance>' },
    { name: 'incentive', type: C16, typeName: 'Compact<u16>' },
    { name: 'consensus', type: C16, typeName: 'Compact<u16>' },
    { name: 'trust', type: C16, typeName: 'Compact<u16>' },
    { name: 'validator_trust', type: C16, typeName: 'Compact<u16>' },
    { name: 'dividends', type: C16, typeName: 'Compact<u16>' },
    { name: 'last_update', type: C64, typeName: 'Compact<u64>' },
    { name: 'validator_permit', type: c.bool, typeName: 'bool' },
    ...(withWeights
      ? [
          { name: 'weights', type: t.vec(t.tuple(C16, C16)), typeName: 'Vec<(Compact<u16>, Compact<u16>)>' },
          { name: 'bonds', type: t.vec(t.tuple(C16, C16)), typeName: 'Vec<(Compact<u16>, Compact<u16>)>' },
        ]
      : []),
    { name: 'pruning_score', type: C16, typeName: 'Compact<u16>' },
  ];
  const params = [{ name: 'AccountId', type: c.accountId }];
  const neuronInfoLite = t.composite(['pallet_subtensor', 'rpc_info', 'neuron_info', 'NeuronInfoLite'], liteFields(false), params);
  const neuronInfo = t.composite(['pallet_subtensor', 'rpc_info', 'neuron_info', 'NeuronInfo'], liteFields(true), params);
  const hyperFields = [
    ['rho', C16],
    ['kappa', C16],
    ['immunity_period', C16],
    ['min_allowed_weights', C16],
    ['max_weights_limit', C16],
    ['tempo', C16],
    ['min_difficulty', C64],
    ['max_difficulty', C64],
    ['weights_version', C64],
    ['weights_rate_limit', C64],
    ['adjustment_interval', C16],
    ['activity_cutoff', C64],
    ['registration_allowed', c.bool],
    ['target_regs_per_interval', C16],
    ['min_burn', C64],
    ['max_burn', C64],
    ['bonds_moving_avg', C64],
    ['max_regs_per_block', C16],
    ['serving_rate_limit', C64],
    ['max_validators', C16],
    ['adjustment_alpha', C64],
    ['difficulty', C64],
    ['commit_reveal_period', C64],
    ['commit_reveal_weights_enabled', c.bool],
    ['alpha_high', C16],
    ['alpha_low', C16],
    ['liquid_alpha_enabled', c.bool],
  ] as [string, number][];
  const i32f32 = t.composite(['substrate_fixed', 'FixedI64'], [{ name: 'bits', type: i64, typeName: 'i64' }], [{ name: 'Frac', type: null }]);
  const hyperV2Extra = [
    ['alpha_sigmoid_steepness', i32f32],
    ['yuma_version', C16],
    ['subnet_is_active', c.bool],
    ['transfers_enabled', c.bool],
    ['bonds_reset_enabled', c.bool],
    ['user_liquidity_enabled', c.bool],
  ] as [string, number][];
  const asFields = (fs: [string, number][]) => fs.map(([name, type]) => ({ name, type }));
  const hyperparams = t.composite(['pallet_subtensor', 'rpc_info', 'subnet_info', 'SubnetHyperparams'], asFields(hyperFields));
  const hyperparamsV2 = t.composite(['pallet_subtensor', 'rpc_info', 'subnet_info', 'SubnetHyperparamsV2'], asFields([...hyperFields, ...hyperV2Extra]));

  const neuron = (st: StateReader, netuid: number, uid: number, withWeights: boolean) => {
    const hot = s.Keys.get(st, netuid, uid);
    const cold = s.Owner.get(st, hot);
    const at = <T>(item: StorageItem<[number], T[]>, fill: T): T => item.get(st, netuid)[uid] ?? fill;
    const pairs = (rows: [number, number][]) => rows.filter(([, v]) => v > 0);
    return {
      hotkey: hot,
      coldkey: cold,
      uid,
      netuid,
      active: at(s.Active, false),
      axon_info: s.Axons.get(st, netuid, hot) ?? EMPTY_AXON,
      prometheus_info: { block: 0n, version: 0, ip: 0n, port: 0, ip_type: 0 },
      stake: [[cold, s.TotalHotkeyAlpha.get(st, hot, netuid)]],
      rank: 0,
      emission: at(s.Emission, 0n),
      incentive: at(s.Incentive, 0),
      consensus: at(s.Consensus, 0),
      trust: 0,
      validator_trust: at(s.ValidatorTrust, 0),
      dividends: at(s.Dividends, 0),
      last_update: at(s.LastUpdate, 0n),
      validator_permit: at(s.ValidatorPermit, false),
      ...(withWeights ? { weights: pairs(s.Weights.get(st, netuid, uid)), bonds: pairs(s.Bonds.get(st, netuid, uid)) } : {}),
      pruning_score: 65535,
    };
  };

  const hyper = (st: StateReader, netuid: number, v2: boolean) => {
    const tempo = s.Tempo.get(st, netuid);
    const [alphaLow, alphaHigh] = s.AlphaValues.get(st, netuid);
    const base = {
      rho: s.Rho.get(st, netuid),
      kappa: s.Kappa.get(st, netuid),
      immunity_period: s.ImmunityPeriod.get(st, netuid),
      min_allowed_weights: s.MinAllowedWeights.get(st, netuid),
      max_weights_limit: s.MaxWeightsLimit.get(st, netuid),
      tempo,
      min_difficulty: 1n,
      max_difficulty: (1n << 64n) / 4n - 1n,
      weights_version: s.WeightsVersionKey.get(st, netuid),
      weights_rate_limit: s.WeightsSetRateLimit.get(st, netuid),
      adjustment_interval: 100,
      activity_cutoff: (BigInt(s.ActivityCutoffFactorMilli.get(st, netuid)) * BigInt(tempo)) / 1000n,
      registration_allowed: s.NetworkRegistrationAllowed.get(st, netuid),
      target_regs_per_interval: 2,
      min_burn: s.MinBurn.get(st, netuid),
      max_burn: s.MaxBurn.get(st, netuid),
      bonds_moving_avg: s.BondsMovingAverage.get(st, netuid),
      max_regs_per_block: 1,
      serving_rate_limit: s.ServingRateLimit.get(st, netuid),
      max_validators: s.MaxAllowedValidators.get(st, netuid),
      adjustment_alpha: 0n,
      difficulty: 10_000_000n,
      commit_reveal_period: s.RevealPeriodEpochs.get(st, netuid),
      commit_reveal_weights_enabled: s.CommitRevealWeightsEnabled.get(st, netuid),
      alpha_high: alphaHigh,
      alpha_low: alphaLow,
      liquid_alpha_enabled: s.LiquidAlphaOn.get(st, netuid),
    };
    if (!v2) return base;
    return {
      ...base,
      alpha_sigmoid_steepness: { bits: BigInt(s.AlphaSigmoidSteepness.get(st, netuid)) << 32n },
      yuma_version: s.Yuma3On.get(st, netuid) ? 3 : 2,
      subnet_is_active: s.SubtokenEnabled.get(st, netuid),
      transfers_enabled: true,
      bonds_reset_enabled: s.BondsResetOn.get(st, netuid),
      user_liquidity_enabled: false,
    };
  };

  const apis: RuntimeApiDef[] = [];
  const handlers: RuntimeApiHandlers = new Map();
  type Method = { name: string; inputs: [string, number][]; output: number; run: (st: StateReader, args: any[]) => unknown };
  const api = (name: string, version: number, methods: Method[]): void => {
    apis.push({ name, version, methods: methods.map((m) => ({ name: m.name, inputs: m.inputs.map(([n, type]) => ({ name: n, type })), output: m.output })) });
    for (const m of methods) {
      handlers.set(`${name}_${m.name}`, (st, bytes) => {
        const r = new Reader(bytes);
        const args = m.inputs.map(([, type]) => codec.codec(type).decode(r));
        return codec.encode(m.output, m.run(st, args));
      });
    }
  };
  const exists = (st: StateReader, netuid: number) => subnetExists(s, st, netuid) && netuid !== 0;

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
  api('NeuronInfoRuntimeApi', 1, [
    {
      name: 'get_neurons_lite',
      inputs: [['netuid', c.u16]],
      output: t.vec(neuronInfoLite),
      run: (st, [netuid]) => (exists(st, netuid) ? range(s.SubnetworkN.get(st, netuid)).map((uid) => neuron(st, netuid, uid, false)) : []),
    },
    {
      name: 'get_neuron_lite',
      inputs: [['netuid', c.u16], ['uid', c.u16]],
      output: t.option(neuronInfoLite),
      run: (st, [netuid, uid]) => (exists(st, netuid) && uid < s.SubnetworkN.get(st, netuid) ? neuron(st, netuid, uid, false) : null),
    },
    {
      name: 'get_neurons',
      inputs: [['netuid', c.u16]],
      output: t.vec(neuronInfo),
      run: (st, [netuid]) => (exists(st, netuid) ? range(s.SubnetworkN.get(st, netuid)).map((uid) => neuron(st, netuid, uid, true)) : []),
    },
    {
      name: 'get_neuron',
      inputs: [['netuid', c.u16], ['uid', c.u16]],
      output: t.option(neuronInfo),
      run: (st, [netuid, uid]) => (exists(st, netuid) && uid < s.SubnetworkN.get(st, netuid) ? neuron(st, netuid, uid, true) : null),
    },
  ]);
  api('SubnetInfoRuntimeApi', 2, [
    { name: 'get_subnet_hyperparams', inputs: [['netuid', c.u16]], output: t.option(hyperparams), run: (st, [n]) => (exists(st, n) ? hyper(st, n, false) : null) },
    { name: 'get_subnet_hyperparams_v2', inputs: [['netuid', c.u16]], output: t.option(hyperparamsV2), run: (st, [n]) => (exists(st, n) ? hyper(st, n, true) : null) },
    {
      name: 'get_next_epoch_start_block',
      inputs: [['netuid', c.u16]],
      output: t.option(c.u64),
      run: (st, [n]) => (exists(st, n) ? nextEpochStartBlock(s, st, n) : null),
    },
  ]);

  api('SubnetRegistrationRuntimeApi', 1, [
    { name: 'get_network_registration_cost', inputs: [], output: c.u64, run: (st) => lockCost(s, st, BigInt(deps.system.Number.get(st)) + 1n) },
  ]);

  return { apis, handlers };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
