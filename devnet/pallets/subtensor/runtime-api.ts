/**
 * SubtensorModule's runtime APIs with spec 425's typed results (`pallets/subtensor/runtime-api/src/lib.rs`,
 * `src/rpc_info/{neuron_info,subnet_info,metagraph}.rs`): NeuronInfoRuntimeApi (neurons, lite and full),
 * SubnetInfoRuntimeApi (hyperparams v1/v2/v3, get_metagraph, get_selective_metagraph, the next epoch)
 * and SubnetRegistrationRuntimeApi. The SDK's `metagraph()` calls get_selective_metagraph first, then
 * get_metagraph; its `get_subnet_hyperparameters()` calls v3 when the API is at version 2.
 *
 * Values this devnet does not keep are reported as the chain reports a fresh subnet's: no identity, name
 * or symbol, zero volume and emissions injected into the pool, deprecated per-uid vectors (rank, trust,
 * pruning score) empty, no commitments.
 */
import type { RuntimeTypes } from '../../runtime/pallet.js';
import type { DefineApi } from '../../runtime/runtime-api.js';
import type { StateReader } from '../../runtime/storage.js';
import type { SystemPallet } from '../system.js';
import type { SubtensorPallet } from './index.js';
import { ownerOf } from './neurons.js';
import { nextEpochStartBlock } from './schedule.js';
import { stakeWeight } from './staking.js';
import { lockCost, subnetExists } from './subnets.js';
import { alphaPrice } from './swap.js';
import type { AxonInfo } from './types.js';

const EMPTY_AXON: AxonInfo = { block: 0n, version: 0, ip: 0n, port: 0, ip_type: 0, protocol: 0, placeholder1: 0, placeholder2: 0 };
/** The PoW difficulty fields subtensor still reports (registration is burn-only). */
const MIN_DIFFICULTY = 1n;
const MAX_DIFFICULTY = (1n << 64n) / 4n - 1n;
const DIFFICULTY = 10_000_000n;

type Field = [name: string, type: number, value: (v: SubnetView) => unknown];

/** One subnet read once for a call: every per-uid value the results share. */
interface SubnetView {
  st: StateReader;
  netuid: number;
  block: bigint;
  n: number;
  hotkeys: Uint8Array[];
  coldkeys: Uint8Array[];
}

export function defineSubtensorApis(rt: RuntimeTypes, sub: SubtensorPallet, system: SystemPallet, api: DefineApi): void {
  if (!sub.core.variant.subtensorApis) return;
  const t = rt.table;
  const c = rt.common;
  const s = sub.storage;
  const C16 = c.compactU16;
  const C64 = c.compactU64;
  const C128 = t.compact(c.u128);
  const compactBytes = t.vec(t.compact(c.u8));
  const i64 = t.primitive('i64');
  const axonInfo = s.Axons.def.value;
  const accountParam = [{ name: 'AccountId', type: c.accountId }];
  const i32f32 = t.composite(['substrate_fixed', 'FixedI64'], [{ name: 'bits', type: i64, typeName: 'i64' }], [{ name: 'Frac', type: null }]);
  const i96f32 = t.composite(['substrate_fixed', 'FixedI128'], [{ name: 'bits', type: t.primitive('i128'), typeName: 'i128' }], [{ name: 'Frac', type: null }]);
  const u64f64 = sub.core.types.u64f64;

  const at = <T>(v: SubnetView, item: { get(st: StateReader, netuid: number): T[] }, uid: number, fill: T): T => item.get(v.st, v.netuid)[uid] ?? fill;
  const view = (st: StateReader, netuid: number): SubnetView => {
    const n = s.SubnetworkN.get(st, netuid);
    const hotkeys = Array.from({ length: n }, (_, uid) => s.Keys.get(st, netuid, uid));
    return { st, netuid, block: BigInt(system.Number.get(st)), n, hotkeys, coldkeys: hotkeys.map((h) => ownerOf(s, st, h) ?? h) };
  };
  const exists = (st: StateReader, netuid: number): boolean => netuid !== 0 && subnetExists(s, st, netuid);
  const activityCutoff = (v: SubnetView): bigint => (BigInt(s.ActivityCutoffFactorMilli.get(v.st, v.netuid)) * BigInt(s.Tempo.get(v.st, v.netuid))) / 1000n;

  // ---- NeuronInfoRuntimeApi ----
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
  const neuronInfoLite = t.composite(['pallet_subtensor', 'rpc_info', 'neuron_info', 'NeuronInfoLite'], liteFields(false), accountParam);
  const neuronInfo = t.composite(['pallet_subtensor', 'rpc_info', 'neuron_info', 'NeuronInfo'], liteFields(true), accountParam);
  const neuron = (v: SubnetView, uid: number, withWeights: boolean) => {
    const { st, netuid } = v;
    const hot = v.hotkeys[uid]!;
    const cold = v.coldkeys[uid]!;
    const pairs = (rows: [number, number][]) => rows.filter(([, w]) => w > 0);
    return {
      hotkey: hot,
      coldkey: cold,
      uid,
      netuid,
      active: at(v, s.Active, uid, false),
      axon_info: s.Axons.get(st, netuid, hot) ?? EMPTY_AXON,
      prometheus_info: { block: 0n, version: 0, ip: 0n, port: 0, ip_type: 0 },
      stake: [[cold, s.TotalHotkeyAlpha.get(st, hot, netuid)]],
      rank: 0,
      emission: at(v, s.Emission, uid, 0n),
      incentive: at(v, s.Incentive, uid, 0),
      consensus: at(v, s.Consensus, uid, 0),
      trust: 0,
      validator_trust: at(v, s.ValidatorTrust, uid, 0),
      dividends: at(v, s.Dividends, uid, 0),
      last_update: at(v, s.LastUpdate, uid, 0n),
      validator_permit: at(v, s.ValidatorPermit, uid, false),
      ...(withWeights ? { weights: pairs(s.Weights.get(st, netuid, uid)), bonds: pairs(s.Bonds.get(st, netuid, uid)) } : {}),
      pruning_score: 65535,
    };
  };
  const neurons = (st: StateReader, netuid: number, withWeights: boolean) => {
    if (!exists(st, netuid)) return [];
    const v = view(st, netuid);
    return v.hotkeys.map((_, uid) => neuron(v, uid, withWeights));
  };
  const oneNeuron = (st: StateReader, netuid: number, uid: number, withWeights: boolean) =>
    exists(st, netuid) && uid < s.SubnetworkN.get(st, netuid) ? neuron(view(st, netuid), uid, withWeights) : null;
  api('NeuronInfoRuntimeApi', 1, [
    { name: 'get_neurons_lite', inputs: [['netuid', c.u16]], output: t.vec(neuronInfoLite), run: (st, [netuid]) => neurons(st, netuid, false) },
    { name: 'get_neuron_lite', inputs: [['netuid', c.u16], ['uid', c.u16]], output: t.option(neuronInfoLite), run: (st, [netuid, uid]) => oneNeuron(st, netuid, uid, false) },
    { name: 'get_neurons', inputs: [['netuid', c.u16]], output: t.vec(neuronInfo), run: (st, [netuid]) => neurons(st, netuid, true) },
    { name: 'get_neuron', inputs: [['netuid', c.u16], ['uid', c.u16]], output: t.option(neuronInfo), run: (st, [netuid, uid]) => oneNeuron(st, netuid, uid, true) },
  ]);

  // ---- hyperparameters: v1/v2 structs and v3's named list ----
  const hyperFields: Field[] = [
    ['rho', C16, (v) => s.Rho.get(v.st, v.netuid)],
    ['kappa', C16, (v) => s.Kappa.get(v.st, v.netuid)],
    ['immunity_period', C16, (v) => s.ImmunityPeriod.get(v.st, v.netuid)],
    ['min_allowed_weights', C16, (v) => s.MinAllowedWeights.get(v.st, v.netuid)],
    ['max_weights_limit', C16, (v) => s.MaxWeightsLimit.get(v.st, v.netuid)],
    ['tempo', C16, (v) => s.Tempo.get(v.st, v.netuid)],
    ['min_difficulty', C64, () => MIN_DIFFICULTY],
    ['max_difficulty', C64, () => MAX_DIFFICULTY],
    ['weights_version', C64, (v) => s.WeightsVersionKey.get(v.st, v.netuid)],
    ['weights_rate_limit', C64, (v) => s.WeightsSetRateLimit.get(v.st, v.netuid)],
    ['adjustment_interval', C16, () => 100],
    ['activity_cutoff', C64, activityCutoff],
    ['registration_allowed', c.bool, (v) => s.NetworkRegistrationAllowed.get(v.st, v.netuid)],
    ['target_regs_per_interval', C16, () => 2],
    ['min_burn', C64, (v) => s.MinBurn.get(v.st, v.netuid)],
    ['max_burn', C64, (v) => s.MaxBurn.get(v.st, v.netuid)],
    ['bonds_moving_avg', C64, (v) => s.BondsMovingAverage.get(v.st, v.netuid)],
    ['max_regs_per_block', C16, () => 1],
    ['serving_rate_limit', C64, (v) => s.ServingRateLimit.get(v.st, v.netuid)],
    ['max_validators', C16, (v) => s.MaxAllowedValidators.get(v.st, v.netuid)],
    ['adjustment_alpha', C64, () => 0n],
    ['difficulty', C64, () => DIFFICULTY],
    ['commit_reveal_period', C64, (v) => s.RevealPeriodEpochs.get(v.st, v.netuid)],
    ['commit_reveal_weights_enabled', c.bool, (v) => s.CommitRevealWeightsEnabled.get(v.st, v.netuid)],
    ['alpha_high', C16, (v) => s.AlphaValues.get(v.st, v.netuid)[1]],
    ['alpha_low', C16, (v) => s.AlphaValues.get(v.st, v.netuid)[0]],
    ['liquid_alpha_enabled', c.bool, (v) => s.LiquidAlphaOn.get(v.st, v.netuid)],
  ];
  const hyperV2Extra: Field[] = [
    ['alpha_sigmoid_steepness', i32f32, (v) => ({ bits: BigInt(s.AlphaSigmoidSteepness.get(v.st, v.netuid)) << 32n })],
    ['yuma_version', C16, (v) => (s.Yuma3On.get(v.st, v.netuid) ? 3 : 2)],
    ['subnet_is_active', c.bool, (v) => s.SubtokenEnabled.get(v.st, v.netuid)],
    ['transfers_enabled', c.bool, () => true],
    ['bonds_reset_enabled', c.bool, (v) => s.BondsResetOn.get(v.st, v.netuid)],
    ['user_liquidity_enabled', c.bool, () => false],
  ];
  const struct = (path: string, fields: Field[]) => t.composite(['pallet_subtensor', 'rpc_info', 'subnet_info', path], fields.map(([name, type]) => ({ name, type })));
  const fill = (fields: Field[], v: SubnetView) => Object.fromEntries(fields.map(([name, , value]) => [name, value(v)]));
  const hyperparams = struct('SubnetHyperparams', hyperFields);
  const hyperparamsV2 = struct('SubnetHyperparamsV2', [...hyperFields, ...hyperV2Extra]);

  const hyperparamValue = t.variant(['pallet_subtensor', 'rpc_info', 'subnet_info', 'HyperparamValue'], [
    { name: 'Bool', index: 0, fields: [{ type: c.bool, typeName: 'bool' }] },
    { name: 'U16', index: 1, fields: [{ type: C16, typeName: 'Compact<u16>' }] },
    { name: 'U32', index: 2, fields: [{ type: t.compact(c.u32), typeName: 'Compact<u32>' }] },
    { name: 'U64', index: 3, fields: [{ type: C64, typeName: 'Compact<u64>' }] },
    { name: 'U128', index: 4, fields: [{ type: C128, typeName: 'Compact<u128>' }] },
    { name: 'TaoBalance', index: 5, fields: [{ type: C64, typeName: 'Compact<TaoBalance>' }] },
    { name: 'I32F32', index: 6, fields: [{ type: i32f32, typeName: 'I32F32' }] },
    { name: 'U64F64', index: 7, fields: [{ type: u64f64, typeName: 'U64F64' }] },
  ]);
  const hyperparamEntry = t.composite(['pallet_subtensor', 'rpc_info', 'subnet_info', 'HyperparamEntry'], [
    { name: 'name', type: c.bytes, typeName: 'Vec<u8>' },
    { name: 'value', type: hyperparamValue, typeName: 'HyperparamValue' },
  ]);
  const v2 = (v: SubnetView) => fill([...hyperFields, ...hyperV2Extra], v);
  /** `get_subnet_hyperparams_v3`: names and value variants in spec 425's order. */
  const v3Entries: [name: string, variant: string, value: (v: SubnetView) => unknown][] = [
    ['kappa', 'U16', (v) => s.Kappa.get(v.st, v.netuid)],
    ['immunity_period', 'U16', (v) => s.ImmunityPeriod.get(v.st, v.netuid)],
    ['min_allowed_weights', 'U16', (v) => s.MinAllowedWeights.get(v.st, v.netuid)],
    ['max_weights_limit', 'U16', (v) => s.MaxWeightsLimit.get(v.st, v.netuid)],
    ['tempo', 'U16', (v) => s.Tempo.get(v.st, v.netuid)],
    ['weights_version', 'U64', (v) => s.WeightsVersionKey.get(v.st, v.netuid)],
    ['weights_rate_limit', 'U64', (v) => s.WeightsSetRateLimit.get(v.st, v.netuid)],
    ['activity_cutoff', 'U64', activityCutoff],
    ['activity_cutoff_factor', 'U32', (v) => s.ActivityCutoffFactorMilli.get(v.st, v.netuid)],
    ['registration_allowed', 'Bool', (v) => s.NetworkRegistrationAllowed.get(v.st, v.netuid)],
    ['target_regs_per_interval', 'U16', () => 2],
    ['min_burn', 'TaoBalance', (v) => s.MinBurn.get(v.st, v.netuid)],
    ['max_burn', 'TaoBalance', (v) => s.MaxBurn.get(v.st, v.netuid)],
    ['burn_half_life', 'U16', (v) => s.BurnHalfLife.get(v.st, v.netuid)],
    ['burn_increase_mult', 'U64F64', () => ({ bits: (126n << 64n) / 100n })],
    ['bonds_moving_avg', 'U64', (v) => s.BondsMovingAverage.get(v.st, v.netuid)],
    ['max_regs_per_block', 'U16', () => 1],
    ['serving_rate_limit', 'U64', (v) => s.ServingRateLimit.get(v.st, v.netuid)],
    ['max_validators', 'U16', (v) => s.MaxAllowedValidators.get(v.st, v.netuid)],
    ['commit_reveal_period', 'U64', (v) => s.RevealPeriodEpochs.get(v.st, v.netuid)],
    ['commit_reveal_weights_enabled', 'Bool', (v) => s.CommitRevealWeightsEnabled.get(v.st, v.netuid)],
    ['alpha_high', 'U16', (v) => s.AlphaValues.get(v.st, v.netuid)[1]],
    ['alpha_low', 'U16', (v) => s.AlphaValues.get(v.st, v.netuid)[0]],
    ['liquid_alpha_enabled', 'Bool', (v) => s.LiquidAlphaOn.get(v.st, v.netuid)],
    ['alpha_sigmoid_steepness', 'I32F32', (v) => ({ bits: BigInt(s.AlphaSigmoidSteepness.get(v.st, v.netuid)) << 32n })],
    ['yuma_version', 'U16', (v) => (s.Yuma3On.get(v.st, v.netuid) ? 3 : 2)],
    ['subnet_is_active', 'Bool', (v) => s.SubtokenEnabled.get(v.st, v.netuid)],
    ['transfers_enabled', 'Bool', () => true],
    ['bonds_reset_enabled', 'Bool', (v) => s.BondsResetOn.get(v.st, v.netuid)],
    ['user_liquidity_enabled', 'Bool', () => false],
    ['owner_cut_enabled', 'Bool', (v) => s.OwnerCutEnabled.get(v.st, v.netuid)],
    ['owner_cut_auto_lock_enabled', 'Bool', () => false],
    ['min_childkey_take', 'U16', () => 0],
  ];
  const v3 = (v: SubnetView) => v3Entries.map(([name, variant, value]) => ({ name: new TextEncoder().encode(name), value: { name: variant, value: value(v) } }));

  // ---- metagraph: Metagraph and SelectiveMetagraph (field i of the selective one is index i) ----
  const subnetIdentityV3 = t.composite(['pallet_subtensor', 'pallet', 'SubnetIdentityV3'],
    ['subnet_name', 'github_repo', 'subnet_contact', 'subnet_url', 'discord', 'description', 'logo_url', 'additional'].map((name) => ({ name, type: c.bytes, typeName: 'Vec<u8>' })));
  const chainIdentityV2 = t.composite(['pallet_subtensor', 'pallet', 'ChainIdentityV2'],
    ['name', 'url', 'github_repo', 'image', 'discord', 'description', 'additional'].map((name) => ({ name, type: c.bytes, typeName: 'Vec<u8>' })));
  /** Hyperparameter fields by name, in the order given (the metagraph orders them its own way). */
  const pick = (...names: string[]): Field[] => names.map((n) => hyperFields.find(([name]) => name === n)!);
  const perUid = <T>(f: (v: SubnetView, uid: number) => T) => (v: SubnetView): T[] => v.hotkeys.map((_, uid) => f(v, uid));
  const fixed = (v: SubnetView) => ({ bits: alphaPrice(s, v.st, v.netuid) >> 32n });
  const metagraphFields: Field[] = [
    ['netuid', C16, (v) => v.netuid],
    ['name', compactBytes, () => []],
    ['symbol', compactBytes, () => []],
    ['identity', t.option(subnetIdentityV3), () => null],
    ['network_registered_at', C64, (v) => s.NetworkRegisteredAt.get(v.st, v.netuid)],
    ['owner_hotkey', c.accountId, (v) => s.SubnetOwnerHotkey.get(v.st, v.netuid)],
    ['owner_coldkey', c.accountId, (v) => s.SubnetOwner.get(v.st, v.netuid)],
    ['block', C64, (v) => v.block],
    ['tempo', C16, (v) => s.Tempo.get(v.st, v.netuid)],
    ['last_step', C64, (v) => s.LastMechansimStepBlock.get(v.st, v.netuid)],
    ['blocks_since_last_step', C64, (v) => s.BlocksSinceLastStep.get(v.st, v.netuid)],
    ['subnet_emission', C64, () => 0n],
    ['alpha_in', C64, (v) => s.SubnetAlphaIn.get(v.st, v.netuid)],
    ['alpha_out', C64, (v) => s.SubnetAlphaOut.get(v.st, v.netuid)],
    ['tao_in', C64, (v) => s.SubnetTAO.get(v.st, v.netuid)],
    ['alpha_out_emission', C64, (v) => s.SubnetAlphaOutEmission.get(v.st, v.netuid)],
    ['alpha_in_emission', C64, () => 0n],
    ['tao_in_emission', C64, () => 0n],
    ['pending_alpha_emission', C64, (v) => s.PendingServerEmission.get(v.st, v.netuid) + s.PendingValidatorEmission.get(v.st, v.netuid)],
    ['pending_root_emission', C64, () => 0n],
    ['subnet_volume', C128, () => 0n],
    ['moving_price', i96f32, fixed],
    ...pick('rho', 'kappa'),
    ...pick('min_allowed_weights', 'max_weights_limit', 'weights_version', 'weights_rate_limit', 'activity_cutoff', 'max_validators'),
    ['num_uids', C16, (v) => v.n],
    ['max_uids', C16, (v) => s.MaxAllowedUids.get(v.st, v.netuid)],
    ['burn', C64, (v) => s.Burn.get(v.st, v.netuid)],
    ['difficulty', C64, () => DIFFICULTY],
    ['registration_allowed', c.bool, (v) => s.NetworkRegistrationAllowed.get(v.st, v.netuid)],
    ['pow_registration_allowed', c.bool, () => false],
    ...pick('immunity_period', 'min_difficulty', 'max_difficulty', 'min_burn', 'max_burn', 'adjustment_alpha', 'adjustment_interval', 'target_regs_per_interval', 'max_regs_per_block', 'serving_rate_limit'),
    ...pick('commit_reveal_weights_enabled', 'commit_reveal_period', 'liquid_alpha_enabled', 'alpha_high', 'alpha_low', 'bonds_moving_avg'),
    ['hotkeys', t.vec(c.accountId), (v) => v.hotkeys],
    ['coldkeys', t.vec(c.accountId), (v) => v.coldkeys],
    ['identities', t.vec(t.option(chainIdentityV2)), (v) => v.hotkeys.map(() => null)],
    ['axons', t.vec(axonInfo), perUid((v, uid) => s.Axons.get(v.st, v.netuid, v.hotkeys[uid]!) ?? EMPTY_AXON)],
    ['active', t.vec(c.bool), perUid((v, uid) => at(v, s.Active, uid, false))],
    ['validator_permit', t.vec(c.bool), perUid((v, uid) => at(v, s.ValidatorPermit, uid, false))],
    ['pruning_score', t.vec(C16), () => []],
    ['last_update', t.vec(C64), perUid((v, uid) => at(v, s.LastUpdate, uid, 0n))],
    ['emission', t.vec(C64), perUid((v, uid) => at(v, s.Emission, uid, 0n))],
    ['dividends', t.vec(C16), perUid((v, uid) => at(v, s.Dividends, uid, 0))],
    ['incentives', t.vec(C16), perUid((v, uid) => at(v, s.Incentive, uid, 0))],
    ['consensus', t.vec(C16), perUid((v, uid) => at(v, s.Consensus, uid, 0))],
    ['trust', t.vec(C16), () => []],
    ['rank', t.vec(C16), () => []],
    ['block_at_registration', t.vec(C64), perUid((v, uid) => s.BlockAtRegistration.get(v.st, v.netuid, uid))],
    ['alpha_stake', t.vec(C64), perUid((v, uid) => s.TotalHotkeyAlpha.get(v.st, v.hotkeys[uid]!, v.netuid))],
    ['tao_stake', t.vec(C64), perUid((v, uid) => s.TotalHotkeyAlpha.get(v.st, v.hotkeys[uid]!, 0))],
    ['total_stake', t.vec(C64), perUid((v, uid) => stakeWeight(s, v.st, v.hotkeys[uid]!, v.netuid))],
    ['tao_dividends_per_hotkey', t.vec(t.tuple(c.accountId, C64)), (v) => v.hotkeys.map((h) => [h, 0n])],
    ['alpha_dividends_per_hotkey', t.vec(t.tuple(c.accountId, C64)), (v) => v.hotkeys.map((h) => [h, s.AlphaDividendsPerSubnet.get(v.st, v.netuid, h)])],
  ];
  const selectiveOnly: Field[] = [
    ['validators', t.vec(C16), (v) => v.hotkeys.map((_, uid) => uid).filter((uid) => at(v, s.ValidatorPermit, uid, false))],
    ['commitments', t.vec(t.tuple(c.accountId, compactBytes)), () => []],
  ];
  const metagraphPath = ['pallet_subtensor', 'rpc_info', 'metagraph'];
  const metagraph = t.composite([...metagraphPath, 'Metagraph'], metagraphFields.map(([name, type]) => ({ name, type })), accountParam);
  const selectiveFields = [...metagraphFields, ...selectiveOnly];
  const selective = t.composite([...metagraphPath, 'SelectiveMetagraph'], selectiveFields.map(([name, type], i) => ({ name, type: i === 0 ? type : t.option(type) })), accountParam);
  const selectiveValue = (v: SubnetView, indexes: number[]) => {
    const wanted = new Set(indexes);
    return Object.fromEntries(selectiveFields.map(([name, , value], i) => [name, i === 0 ? value(v) : wanted.has(i) ? value(v) : null]));
  };

  const ifSubnet = <T>(st: StateReader, netuid: number, f: (v: SubnetView) => T): T | null => (exists(st, netuid) ? f(view(st, netuid)) : null);
  api('SubnetInfoRuntimeApi', 2, [
    { name: 'get_subnet_hyperparams', inputs: [['netuid', c.u16]], output: t.option(hyperparams), run: (st, [n]) => ifSubnet(st, n, (v) => fill(hyperFields, v)) },
    { name: 'get_subnet_hyperparams_v2', inputs: [['netuid', c.u16]], output: t.option(hyperparamsV2), run: (st, [n]) => ifSubnet(st, n, v2) },
    { name: 'get_subnet_hyperparams_v3', inputs: [['netuid', c.u16]], output: t.option(t.vec(hyperparamEntry)), run: (st, [n]) => ifSubnet(st, n, v3) },
    { name: 'get_metagraph', inputs: [['netuid', c.u16]], output: t.option(metagraph), run: (st, [n]) => ifSubnet(st, n, (v) => fill(metagraphFields, v)) },
    {
      name: 'get_selective_metagraph',
      inputs: [['netuid', c.u16], ['metagraph_indexes', c.vecU16]],
      output: t.option(selective),
      run: (st, [n, indexes]) => ifSubnet(st, n, (v) => selectiveValue(v, indexes)),
    },
    { name: 'get_next_epoch_start_block', inputs: [['netuid', c.u16]], output: t.option(c.u64), run: (st, [n]) => (exists(st, n) ? nextEpochStartBlock(s, st, n) : null) },
  ]);

  api('SubnetRegistrationRuntimeApi', 1, [
    { name: 'get_network_registration_cost', inputs: [], output: c.u64, run: (st) => lockCost(s, st, BigInt(system.Number.get(st)) + 1n) },
  ]);
}
