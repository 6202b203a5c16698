/**
 * SubtensorModule (index 7): subnets, registration, serving, staking and weights, with subtensor
 * HEAD's (spec 425) call indices, argument names and order, storage names/hashers/types, check order
 * and errors (../../shared/research/subtensor.md §1–§5). Epochs and emission run from `onInitialize`
 * through subtensor-epoch.ts.
 *
 * Simplifications (documented in docs/devnet.md): the subnet pool has price 1 (1 alpha = 1 TAO, no
 * swap fee); no fees are charged; child keys, delegate take, root stake, mechanisms > 1, drand
 * timelocked commits and registration-price decay precision are left out.
 */
import { blake2AsU8a } from '@polkadot/util-crypto';
import { u8aEq } from '@polkadot/util';
import { Pallet, DispatchFailure, type BlockContext, type DispatchContext, type RuntimeTypes } from '../runtime/pallet.js';
import type { State, StateReader } from '../runtime/storage.js';
import { Writer } from '../runtime/types.js';
import type { BalancesPallet } from './balances.js';

export const TAO = 1_000_000_000n;
export const ZERO_ACCOUNT = new Uint8Array(32);
const U16_MAX = 65535;

export interface AxonInfo {
  block: bigint;
  version: number;
  ip: bigint;
  port: number;
  ip_type: number;
  protocol: number;
  placeholder1: number;
  placeholder2: number;
}

export type WeightCommit = [hash: Uint8Array, commitEpoch: bigint, commitBlock: bigint, unused: bigint];

export interface SubtensorOptions {
  /** Accept 127.0.0.1 / ::1 axons (subtensor rejects them with InvalidIpAddress). */
  allowLoopbackAxons: boolean;
  /** Tempo given to new subnets (subtensor: 360, fast-runtime localnet: 10). */
  defaultTempo: number;
}

export function subtensorPallet(rt: RuntimeTypes, balances: BalancesPallet, options: SubtensorOptions) {
  const p = new Pallet(rt, 'SubtensorModule', 7, ['pallet_subtensor', 'pallet']);
  const { t, c } = p;
  const { u16, u64, u8, u32, bool, accountId, h256 } = c;
  const vecBool = t.vec(bool);
  const vecU64 = t.vec(u64);
  const weightRow = t.vec(t.tuple(u16, u16));
  const u64f64 = t.composite(['substrate_fixed', 'FixedU128'], [{ name: 'bits', type: c.u128, typeName: 'u128' }], [{ name: 'Frac', type: null }]);
  const axonInfo = t.composite(['pallet_subtensor', 'pallet', 'AxonInfo'], [
    { name: 'block', type: u64, typeName: 'u64' },
    { name: 'version', type: u32, typeName: 'u32' },
    { name: 'ip', type: c.u128, typeName: 'u128' },
    { name: 'port', type: u16, typeName: 'u16' },
    { name: 'ip_type', type: u8, typeName: 'u8' },
    { name: 'protocol', type: u8, typeName: 'u8' },
    { name: 'placeholder1', type: u8, typeName: 'u8' },
    { name: 'placeholder2', type: u8, typeName: 'u8' },
  ]);
  const commitQueue = t.vec(t.tuple(h256, u64, u64, u64));

  // ---- storage (names, hashers and types as at HEAD; NetUid = u16) ----
  const N = (name: string, type: number, fallback?: unknown) => p.map<[number], any>(name, [['Identity', u16]], type, fallback);
  const G = <V>(name: string, type: number, fallback: V) => p.value<V>(name, type, fallback);

  const s = {
    SubnetworkN: N('SubnetworkN', u16, 0),
    NetworksAdded: N('NetworksAdded', bool, false),
    Keys: p.map<[number, number], Uint8Array>('Keys', [['Identity', u16], ['Identity', u16]], accountId, ZERO_ACCOUNT),
    Uids: p.map<[number, Uint8Array], number | null>('Uids', [['Identity', u16], ['Blake2_128Concat', accountId]], u16),
    Owner: p.map<[Uint8Array], Uint8Array>('Owner', [['Blake2_128Concat', accountId]], accountId, ZERO_ACCOUNT),
    OwnedHotkeys: p.map<[Uint8Array], Uint8Array[]>('OwnedHotkeys', [['Blake2_128Concat', accountId]], c.vecAccountId, []),
    StakingHotkeys: p.map<[Uint8Array], Uint8Array[]>('StakingHotkeys', [['Blake2_128Concat', accountId]], c.vecAccountId, []),
    Axons: p.map<[number, Uint8Array], AxonInfo | null>('Axons', [['Identity', u16], ['Blake2_128Concat', accountId]], axonInfo),
    BlockAtRegistration: p.map<[number, number], bigint>('BlockAtRegistration', [['Identity', u16], ['Identity', u16]], u64, 0n),
    Active: N('Active', vecBool, []),
    Consensus: N('Consensus', c.vecU16, []),
    Incentive: N('Incentive', c.vecU16, []),
    Dividends: N('Dividends', c.vecU16, []),
    Emission: N('Emission', vecU64, []),
    ValidatorTrust: N('ValidatorTrust', c.vecU16, []),
    ValidatorPermit: N('ValidatorPermit', vecBool, []),
    StakeWeight: N('StakeWeight', c.vecU16, []),
    LastUpdate: N('LastUpdate', vecU64, []),
    Weights: p.map<[number, number], [number, number][]>('Weights', [['Identity', u16], ['Identity', u16]], weightRow, []),
    Bonds: p.map<[number, number], [number, number][]>('Bonds', [['Identity', u16], ['Identity', u16]], weightRow, []),
    TotalHotkeyAlpha: p.map<[Uint8Array, number], bigint>('TotalHotkeyAlpha', [['Blake2_128Concat', accountId], ['Identity', u16]], u64, 0n),
    TotalHotkeyShares: p.map<[Uint8Array, number], { bits: bigint }>('TotalHotkeyShares', [['Blake2_128Concat', accountId], ['Identity', u16]], u64f64, { bits: 0n }),
    Alpha: p.map<[Uint8Array, Uint8Array, number], { bits: bigint }>('Alpha', [['Blake2_128Concat', accountId], ['Blake2_128Concat', accountId], ['Identity', u16]], u64f64, { bits: 0n }),
    AlphaDividendsPerSubnet: p.map<[number, Uint8Array], bigint>('AlphaDividendsPerSubnet', [['Identity', u16], ['Blake2_128Concat', accountId]], u64, 0n),
    TotalStake: G<bigint>('TotalStake', u64, 0n),
    TotalIssuance: G<bigint>('TotalIssuance', u64, 0n),
    SubnetTAO: N('SubnetTAO', u64, 0n),
    SubnetAlphaIn: N('SubnetAlphaIn', u64, 0n),
    SubnetAlphaOut: N('SubnetAlphaOut', u64, 0n),
    SubnetLocked: N('SubnetLocked', u64, 0n),
    Tempo: N('Tempo', u16, 360),
    LastEpochBlock: N('LastEpochBlock', u64, 0n),
    PendingEpochAt: N('PendingEpochAt', u64, 0n),
    SubnetEpochIndex: N('SubnetEpochIndex', u64, 0n),
    BlocksSinceLastStep: N('BlocksSinceLastStep', u64, 0n),
    LastMechansimStepBlock: N('LastMechansimStepBlock', u64, 0n),
    WeightsSetRateLimit: N('WeightsSetRateLimit', u64, 100n),
    MinAllowedWeights: N('MinAllowedWeights', u16, 1024),
    MaxWeightsLimit: N('MaxWeightsLimit', u16, U16_MAX),
    WeightsVersionKey: N('WeightsVersionKey', u64, 0n),
    CommitRevealWeightsEnabled: N('CommitRevealWeightsEnabled', bool, true),
    RevealPeriodEpochs: p.map<[number], bigint>('RevealPeriodEpochs', [['Twox64Concat', u16]], u64, 1n),
    WeightCommits: p.map<[number, Uint8Array], WeightCommit[] | null>('WeightCommits', [['Twox64Concat', u16], ['Twox64Concat', accountId]], commitQueue),
    ImmunityPeriod: N('ImmunityPeriod', u16, 4096),
    ActivityCutoff: N('ActivityCutoff', u16, 5000),
    ActivityCutoffFactorMilli: N('ActivityCutoffFactorMilli', u32, 13_889),
    Kappa: N('Kappa', u16, 32_767),
    Rho: N('Rho', u16, 10),
    BondsMovingAverage: N('BondsMovingAverage', u64, 900_000n),
    BondsPenalty: N('BondsPenalty', u16, U16_MAX),
    BondsResetOn: N('BondsResetOn', bool, false),
    LiquidAlphaOn: p.map<[number], boolean>('LiquidAlphaOn', [['Blake2_128Concat', u16]], bool, false),
    Yuma3On: p.map<[number], boolean>('Yuma3On', [['Blake2_128Concat', u16]], bool, false),
    AlphaValues: N('AlphaValues', t.tuple(u16, u16), [45_875, 58_982]),
    AlphaSigmoidSteepness: N('AlphaSigmoidSteepness', c.i16, 1000),
    MaxAllowedUids: N('MaxAllowedUids', u16, 256),
    MinAllowedUids: N('MinAllowedUids', u16, 64),
    MaxAllowedValidators: N('MaxAllowedValidators', u16, 128),
    ServingRateLimit: N('ServingRateLimit', u64, 50n),
    NetworkRegistrationAllowed: N('NetworkRegistrationAllowed', bool, true),
    Burn: N('Burn', u64, TAO / 10n),
    MinBurn: N('MinBurn', u64, 500_000n),
    MaxBurn: N('MaxBurn', u64, 100n * TAO),
    BurnHalfLife: N('BurnHalfLife', u16, 360),
    RegistrationsThisBlock: N('RegistrationsThisBlock', u16, 0),
    SubnetOwner: N('SubnetOwner', accountId, ZERO_ACCOUNT),
    SubnetOwnerHotkey: N('SubnetOwnerHotkey', accountId, ZERO_ACCOUNT),
    SubnetMechanism: N('SubnetMechanism', u16, 0),
    NetworkRegisteredAt: N('NetworkRegisteredAt', u64, 0n),
    FirstEmissionBlockNumber: p.map<[number], bigint | null>('FirstEmissionBlockNumber', [['Identity', u16]], u64),
    SubtokenEnabled: N('SubtokenEnabled', bool, false),
    SubnetEmissionEnabled: N('SubnetEmissionEnabled', bool, true),
    OwnerCutEnabled: N('OwnerCutEnabled', bool, true),
    PendingServerEmission: N('PendingServerEmission', u64, 0n),
    PendingValidatorEmission: N('PendingValidatorEmission', u64, 0n),
    PendingRootAlphaDivs: N('PendingRootAlphaDivs', u64, 0n),
    PendingOwnerCut: N('PendingOwnerCut', u64, 0n),
    SubnetAlphaOutEmission: N('SubnetAlphaOutEmission', u64, 0n),
    AdminFreezeWindow: G<number>('AdminFreezeWindow', u16, 10),
    OwnerHyperparamRateLimit: G<number>('OwnerHyperparamRateLimit', u16, 2),
    SubnetOwnerCut: G<number>('SubnetOwnerCut', u16, 11_796),
    NetworkRateLimit: G<bigint>('NetworkRateLimit', u64, 7200n),
    NetworkMinLockCost: G<bigint>('NetworkMinLockCost', u64, 1000n * TAO),
    NetworkLastLockCost: G<bigint>('NetworkLastLockCost', u64, 0n),
    NetworkLastRegistered: G<bigint>('NetworkLastRegistered', u64, 0n),
    NetworkLockReductionInterval: G<bigint>('NetworkLockReductionInterval', u64, 14n * 7200n),
    StakeThreshold: G<bigint>('StakeThreshold', u64, 0n),
    TaoWeight: G<bigint>('TaoWeight', u64, 971_718_665_099_567_868n),
    MaxEpochsPerBlock: G<number>('MaxEpochsPerBlock', u8, 2),
    StartCallDelay: G<bigint>('StartCallDelay', u64, 0n),
    SubnetLimit: G<number>('SubnetLimit', u16, 128),
    TotalNetworks: G<number>('TotalNetworks', u16, 0),
    /** Devnet-only bookkeeping for the owner hyperparameter rate limit: (netuid, AdminUtils call index) → block. */
    LastOwnerHyperparamUpdate: p.map<[number, number], bigint>('LastOwnerHyperparamUpdate', [['Identity', u16], ['Identity', u8]], u64, 0n),
  };

  // ---- errors (index = position in subtensor HEAD's errors.rs where known, §4.2) ----
  const e = {
    InvalidIpType: p.error('InvalidIpType', 1),
    InvalidIpAddress: p.error('InvalidIpAddress', 2),
    InvalidPort: p.error('InvalidPort', 3),
    HotKeyNotRegisteredInSubNet: p.error('HotKeyNotRegisteredInSubNet', 4),
    HotKeyAccountNotExists: p.error('HotKeyAccountNotExists', 5),
    HotKeyNotRegisteredInNetwork: p.error('HotKeyNotRegisteredInNetwork', 6),
    NonAssociatedColdKey: p.error('NonAssociatedColdKey', 7),
    NotEnoughStakeToWithdraw: p.error('NotEnoughStakeToWithdraw', 9),
    NotEnoughStakeToSetWeights: p.error('NotEnoughStakeToSetWeights', 10),
    NotEnoughBalanceToStake: p.error('NotEnoughBalanceToStake', 12),
    NeuronNoValidatorPermit: p.error('NeuronNoValidatorPermit', 15),
    WeightVecNotEqualSize: p.error('WeightVecNotEqualSize', 16),
    DuplicateUids: p.error('DuplicateUids', 17),
    UidVecContainInvalidOne: p.error('UidVecContainInvalidOne', 18),
    WeightVecLengthIsLow: p.error('WeightVecLengthIsLow', 19),
    TooManyRegistrationsThisBlock: p.error('TooManyRegistrationsThisBlock', 20),
    HotKeyAlreadyRegisteredInSubNet: p.error('HotKeyAlreadyRegisteredInSubNet', 21),
    MaxWeightExceeded: p.error('MaxWeightExceeded', 27),
    SettingWeightsTooFast: p.error('SettingWeightsTooFast', 29),
    IncorrectWeightVersionKey: p.error('IncorrectWeightVersionKey', 30),
    ServingRateLimitExceeded: p.error('ServingRateLimitExceeded', 31),
    UidsLengthExceedUidsInSubNet: p.error('UidsLengthExceedUidsInSubNet', 32),
    NetworkTxRateLimitExceeded: p.error('NetworkTxRateLimitExceeded', 33),
    TxRateLimitExceeded: p.error('TxRateLimitExceeded', 34),
    SubNetRegistrationDisabled: p.error('SubNetRegistrationDisabled', 37),
    RegistrationNotPermittedOnRootSubnet: p.error('RegistrationNotPermittedOnRootSubnet', 42),
    CanNotSetRootNetworkWeights: p.error('CanNotSetRootNetworkWeights', 47),
    NoNeuronIdAvailable: p.error('NoNeuronIdAvailable', 48),
    NoWeightsCommitFound: p.error('NoWeightsCommitFound', 51),
    InvalidRevealCommitHashNotMatch: p.error('InvalidRevealCommitHashNotMatch', 52),
    CommitRevealEnabled: p.error('CommitRevealEnabled', 53),
    CommitRevealDisabled: p.error('CommitRevealDisabled', 54),
    SubnetLimitReached: p.error('SubnetLimitReached', 56),
    MechanismDoesNotExist: p.error('MechanismDoesNotExist', 74),
    SubnetNotExists: p.error('SubnetNotExists', 76),
    TooManyUnrevealedCommits: p.error('TooManyUnrevealedCommits', 77),
    ExpiredWeightCommit: p.error('ExpiredWeightCommit', 78),
    RevealTooEarly: p.error('RevealTooEarly', 79),
    InputLengthsUnequal: p.error('InputLengthsUnequal', 80),
    CommittingWeightsTooFast: p.error('CommittingWeightsTooFast', 81),
    AmountTooLow: p.error('AmountTooLow', 82),
    FirstEmissionBlockNumberAlreadySet: p.error('FirstEmissionBlockNumberAlreadySet', 92),
    NeedWaitingMoreBlocksToStarCall: p.error('NeedWaitingMoreBlocksToStarCall', 93),
    SubtokenDisabled: p.error('SubtokenDisabled', 94),
    AdminActionProhibitedDuringWeightsWindow: p.error('AdminActionProhibitedDuringWeightsWindow', 107),
    ActivityCutoffFactorMilliOutOfBounds: p.error('ActivityCutoffFactorMilliOutOfBounds', 142),
  };

  // ---- events (indices 0, 2, 5 verified from source; the rest are this devnet's) ----
  const accountT: [string | undefined, number, string] = [undefined, accountId, 'T::AccountId'];
  const netuidT: [string | undefined, number, string] = [undefined, u16, 'NetUid'];
  p.event('NetworkAdded', 0, [netuidT, [undefined, u16, 'u16']]);
  p.event('StakeAdded', 2, [accountT, accountT, [undefined, u64, 'TaoBalance'], [undefined, u64, 'AlphaBalance'], netuidT, [undefined, u64, 'u64']]);
  p.event('StakeRemoved', 3, [accountT, accountT, [undefined, u64, 'TaoBalance'], [undefined, u64, 'AlphaBalance'], netuidT, [undefined, u64, 'u64']]);
  p.event('WeightsSet', 5, [[undefined, u16, 'NetUidStorageIndex'], [undefined, u16, 'u16']]);
  p.event('NeuronRegistered', 6, [netuidT, [undefined, u16, 'u16'], accountT]);
  p.event('ActivityCutoffSet', 15, [netuidT, [undefined, u16, 'u16']]);
  p.event('KappaSet', 18, [netuidT, [undefined, u16, 'u16']]);
  p.event('WeightsSetRateLimitSet', 22, [netuidT, [undefined, u64, 'u64']]);
  p.event('AxonServed', 28, [netuidT, accountT]);
  p.event('WeightsVersionKeySet', 32, [netuidT, [undefined, u64, 'u64']]);
  p.event('TempoSet', 40, [netuidT, [undefined, u16, 'u16']]);
  p.event('WeightsCommitted', 60, [accountT, [undefined, u16, 'NetUidStorageIndex'], [undefined, h256, 'H256']]);
  p.event('WeightsRevealed', 61, [accountT, [undefined, u16, 'NetUidStorageIndex'], [undefined, h256, 'H256']]);
  p.event('FirstEmissionBlockNumberSet', 80, [netuidT, [undefined, u64, 'u64']]);
  p.event('IncentiveAlphaEmittedToMiners', 120, [['netuid', u16, 'NetUidStorageIndex'], ['emissions', vecU64, 'Vec<AlphaBalance>']]);
  p.event('EpochSkipped', 121, [['netuid', u16, 'NetUid'], ['block', u64, 'u64']]);

  // ---- helpers ----
  const signed = (ctx: DispatchContext): Uint8Array => {
    if (ctx.origin.kind !== 'signed') throw DispatchFailure.badOrigin();
    return ctx.origin.who;
  };
  const now = (ctx: { block: number }): bigint => BigInt(ctx.block);
  const exists = (st: StateReader, netuid: number): boolean => s.NetworksAdded.get(st, netuid) as boolean;
  const isOwnerHotkeyUid = (st: StateReader, netuid: number, hot: Uint8Array): boolean => u8aEq(s.SubnetOwnerHotkey.get(st, netuid), hot);

  /** Sets one element of a per-uid vector, padding with `fill` (LastUpdate is zero-padded on read too). */
  const setAt = <T>(st: State, item: typeof s.Active, netuid: number, uid: number, value: T, fill: T): void => {
    const v = item.get(st, netuid) as T[];
    while (v.length <= uid) v.push(fill);
    v[uid] = value;
    item.set(st, netuid, v);
  };

  const epochDue = (st: StateReader, netuid: number, block: bigint): boolean => {
    const tempo = BigInt(s.Tempo.get(st, netuid));
    if (tempo === 0n) return false;
    const pending = s.PendingEpochAt.get(st, netuid) as bigint;
    if (pending > 0n && block >= pending) return true;
    if ((s.BlocksSinceLastStep.get(st, netuid) as bigint) > 50_400n) return true;
    return block - (s.LastEpochBlock.get(st, netuid) as bigint) >= tempo;
  };
  const currentEpochWithLookahead = (st: StateReader, netuid: number, block: bigint): bigint =>
    (s.SubnetEpochIndex.get(st, netuid) as bigint) + (epochDue(st, netuid, block) ? 1n : 0n);

  /** Admin actions are frozen during the last AdminFreezeWindow blocks before an epoch. */
  const ensureAdminWindowOpen = (st: StateReader, netuid: number, block: bigint): void => {
    const window = BigInt(s.AdminFreezeWindow.get(st));
    if (window === 0n) return;
    if ((s.PendingEpochAt.get(st, netuid) as bigint) > 0n) e.AdminActionProhibitedDuringWeightsWindow();
    const next = (s.LastEpochBlock.get(st, netuid) as bigint) + BigInt(s.Tempo.get(st, netuid));
    const remaining = next > block ? next - block : 0n;
    if (remaining < window) e.AdminActionProhibitedDuringWeightsWindow();
  };

  const lockCost = (st: StateReader, block: bigint): bigint => {
    const last = s.NetworkLastLockCost.get(st);
    const lastBlock = s.NetworkLastRegistered.get(st);
    const min = s.NetworkMinLockCost.get(st);
    const interval = s.NetworkLockReductionInterval.get(st);
    const mult = lastBlock === 0n ? 1n : 2n;
    const reduction = interval === 0n ? 0n : (last / interval) * (block - lastBlock);
    const cost = last * mult - reduction;
    return cost > min ? cost : min;
  };

  const ownerOf = (st: StateReader, hot: Uint8Array): Uint8Array | null => {
    const o = s.Owner.get(st, hot);
    return u8aEq(o, ZERO_ACCOUNT) ? null : o;
  };
  /** Owner[hot] = cold if the hotkey is new; the coldkey must own it otherwise. */
  const claimHotkey = (st: State, cold: Uint8Array, hot: Uint8Array): void => {
    const owner = ownerOf(st, hot);
    if (owner === null) {
      s.Owner.set(st, hot, cold);
      s.OwnedHotkeys.mutate(st, cold, (v) => [...v, hot]);
    } else if (!u8aEq(owner, cold)) {
      e.NonAssociatedColdKey();
    }
  };

  const appendNeuron = (st: State, netuid: number, hot: Uint8Array, block: bigint): number => {
    const uid = s.SubnetworkN.get(st, netuid) as number;
    s.Keys.set(st, netuid, uid, hot);
    s.Uids.set(st, netuid, hot, uid);
    s.BlockAtRegistration.set(st, netuid, uid, block);
    s.SubnetworkN.set(st, netuid, uid + 1);
    setAt(st, s.Active, netuid, uid, true, false);
    for (const item of [s.Consensus, s.Incentive, s.Dividends, s.ValidatorTrust, s.StakeWeight]) setAt(st, item, netuid, uid, 0, 0);
    setAt(st, s.Emission, netuid, uid, 0n, 0n);
    setAt(st, s.ValidatorPermit, netuid, uid, false, false);
    setAt(st, s.LastUpdate, netuid, uid, block, 0n);
    return uid;
  };

  /** The uid a full subnet gives up (§1.3): owner hotkeys immune; prefer non-immune; lowest emission, oldest, lowest uid. */
  const pruneCandidate = (st: StateReader, netuid: number, block: bigint): number | null => {
    const n = s.SubnetworkN.get(st, netuid) as number;
    const emission = s.Emission.get(st, netuid) as bigint[];
    const immunity = BigInt(s.ImmunityPeriod.get(st, netuid));
    const ownerHot = s.SubnetOwnerHotkey.get(st, netuid) as Uint8Array;
    const candidates: { uid: number; immune: boolean; emission: bigint; reg: bigint }[] = [];
    for (let uid = 0; uid < n; uid++) {
      const hot = s.Keys.get(st, netuid, uid);
      if (u8aEq(hot, ownerHot)) continue;
      const reg = s.BlockAtRegistration.get(st, netuid, uid);
      candidates.push({ uid, immune: block - reg < immunity, emission: emission[uid] ?? 0n, reg });
    }
    const nonImmune = candidates.filter((x) => !x.immune);
    const pool = nonImmune.length > 0 ? nonImmune : candidates;
    pool.sort((a, b) => (a.emission !== b.emission ? (a.emission < b.emission ? -1 : 1) : a.reg !== b.reg ? (a.reg < b.reg ? -1 : 1) : a.uid - b.uid));
    return pool[0]?.uid ?? null;
  };

  const replaceNeuron = (st: State, netuid: number, uid: number, hot: Uint8Array, block: bigint): void => {
    const old = s.Keys.get(st, netuid, uid);
    s.Uids.remove(st, netuid, old);
    s.Axons.remove(st, netuid, old);
    s.Keys.set(st, netuid, uid, hot);
    s.Uids.set(st, netuid, hot, uid);
    s.BlockAtRegistration.set(st, netuid, uid, block);
    s.Weights.remove(st, netuid, uid);
    s.Bonds.remove(st, netuid, uid);
    const n = s.SubnetworkN.get(st, netuid) as number;
    for (let i = 0; i < n; i++) {
      const row = s.Weights.get(st, netuid, i);
      if (row.some(([d, w]) => d === uid && w !== 0)) s.Weights.set(st, netuid, i, row.map(([d, w]) => [d, d === uid ? 0 : w] as [number, number]));
    }
    setAt(st, s.Active, netuid, uid, true, false);
    for (const item of [s.Consensus, s.Incentive, s.Dividends, s.ValidatorTrust, s.StakeWeight]) setAt(st, item, netuid, uid, 0, 0);
    setAt(st, s.Emission, netuid, uid, 0n, 0n);
    setAt(st, s.ValidatorPermit, netuid, uid, false, false);
    setAt(st, s.LastUpdate, netuid, uid, block, 0n);
  };

  // ---- stake: a share pool per (hotkey, netuid); price fixed at 1 TAO per alpha ----
  const alphaOf = (st: StateReader, hot: Uint8Array, cold: Uint8Array, netuid: number): bigint => {
    const shares = s.Alpha.get(st, hot, cold, netuid).bits;
    if (shares === 0n) return 0n;
    const total = s.TotalHotkeyShares.get(st, hot, netuid).bits;
    return total === 0n ? 0n : (s.TotalHotkeyAlpha.get(st, hot, netuid) * shares) / total;
  };
  const increaseStake = (st: State, hot: Uint8Array, cold: Uint8Array, netuid: number, alpha: bigint): void => {
    const totalAlpha = s.TotalHotkeyAlpha.get(st, hot, netuid);
    const totalShares = s.TotalHotkeyShares.get(st, hot, netuid).bits;
    const shares = totalShares === 0n || totalAlpha === 0n ? alpha << 64n : (alpha * totalShares) / totalAlpha;
    const held = s.Alpha.get(st, hot, cold, netuid).bits;
    s.Alpha.set(st, hot, cold, netuid, { bits: held + shares });
    s.TotalHotkeyShares.set(st, hot, netuid, { bits: (totalAlpha === 0n ? 0n : totalShares) + shares });
    s.TotalHotkeyAlpha.set(st, hot, netuid, totalAlpha + alpha);
    s.SubnetAlphaOut.mutate(st, netuid, (v: bigint) => v + alpha);
    if (held === 0n) {
      const staking = s.StakingHotkeys.get(st, cold);
      if (!staking.some((h) => u8aEq(h, hot))) s.StakingHotkeys.set(st, cold, [...staking, hot]);
    }
  };
  const decreaseStake = (st: State, hot: Uint8Array, cold: Uint8Array, netuid: number, alpha: bigint): void => {
    const totalAlpha = s.TotalHotkeyAlpha.get(st, hot, netuid);
    const totalShares = s.TotalHotkeyShares.get(st, hot, netuid).bits;
    const mine = s.Alpha.get(st, hot, cold, netuid).bits;
    const have = alphaOf(st, hot, cold, netuid);
    const shares = alpha === have ? mine : (alpha * totalShares + totalAlpha - 1n) / totalAlpha;
    s.Alpha.set(st, hot, cold, netuid, { bits: mine - (shares > mine ? mine : shares) });
    s.TotalHotkeyShares.set(st, hot, netuid, { bits: totalShares - (shares > mine ? mine : shares) });
    s.TotalHotkeyAlpha.set(st, hot, netuid, totalAlpha - alpha);
    s.SubnetAlphaOut.mutate(st, netuid, (v: bigint) => (v > alpha ? v - alpha : 0n));
  };
  /** Emission credited to a hotkey raises every staker's value pro rata (no new shares). */
  const creditHotkey = (st: State, hot: Uint8Array, netuid: number, alpha: bigint): void => {
    if (alpha === 0n) return;
    const total = s.TotalHotkeyAlpha.get(st, hot, netuid);
    const owner = ownerOf(st, hot) ?? hot;
    if (total === 0n || s.TotalHotkeyShares.get(st, hot, netuid).bits === 0n) return increaseStake(st, hot, owner, netuid, alpha);
    s.TotalHotkeyAlpha.set(st, hot, netuid, total + alpha);
    s.SubnetAlphaOut.mutate(st, netuid, (v: bigint) => v + alpha);
  };
  /** Stake credited to (hot, cold) directly (miner incentive goes to the hotkey's own coldkey). */
  const stakeTo = (st: State, hot: Uint8Array, cold: Uint8Array, netuid: number, alpha: bigint): void => {
    if (alpha > 0n) increaseStake(st, hot, cold, netuid, alpha);
  };

  // ---- weights (§5.1) ----
  /** Max-upscale to 65535 in I32F32 with round-half-away-from-zero, as subtensor's vec_u16_max_upscale_to_u16. */
  const maxUpscale = (values: number[]): number[] => {
    const max = values.reduce((m, v) => (v > m ? v : m), 0);
    if (max === 0) return values.map(() => 0);
    const half = 1n << 31n;
    if (max > 32768) {
      const ratio = (65535n << 32n) / BigInt(max);
      return values.map((v) => Number((BigInt(v) * ratio + half) >> 32n));
    }
    return values.map((v) => Number(((BigInt(v) * 65535n << 32n) / BigInt(max) + half) >> 32n));
  };

  const setWeightsChecked = (ctx: DispatchContext, who: Uint8Array, netuid: number, uids: number[], values: number[], versionKey: bigint, crOn: boolean): void => {
    const st = ctx.state;
    const block = now(ctx);
    if (netuid === 0) e.CanNotSetRootNetworkWeights();
    if (uids.length !== values.length) e.WeightVecNotEqualSize();
    if (!exists(st, netuid)) e.MechanismDoesNotExist();
    const n = s.SubnetworkN.get(st, netuid) as number;
    if (uids.length > n) e.UidsLengthExceedUidsInSubNet();
    const uid = s.Uids.get(st, netuid, who);
    if (uid === null) return e.HotKeyNotRegisteredInSubNet();
    const ownerHot = isOwnerHotkeyUid(st, netuid, who);
    if (!ownerHot && stakeWeight(st, who, netuid) < s.StakeThreshold.get(st)) e.NotEnoughStakeToSetWeights();
    const required = s.WeightsVersionKey.get(st, netuid) as bigint;
    if (required !== 0n && versionKey < required) e.IncorrectWeightVersionKey();
    if (!crOn) {
      const last = (s.LastUpdate.get(st, netuid) as bigint[])[uid] ?? 0n;
      const limit = s.WeightsSetRateLimit.get(st, netuid) as bigint;
      if (last !== 0n && block - last < limit) e.SettingWeightsTooFast();
    }
    const selfWeight = uids.length === 1 && uids[0] === uid;
    const permit = (s.ValidatorPermit.get(st, netuid) as boolean[])[uid] ?? false;
    if (!selfWeight && !ownerHot && !permit) e.NeuronNoValidatorPermit();
    if (new Set(uids).size !== uids.length) e.DuplicateUids();
    if (uids.some((u) => u >= n)) e.UidVecContainInvalidOne();
    const minWeights = Math.min(s.MinAllowedWeights.get(st, netuid) as number, n);
    if (!selfWeight && values.length < minWeights) e.WeightVecLengthIsLow();
    const upscaled = maxUpscale(values);
    const limit = s.MaxWeightsLimit.get(st, netuid) as number;
    if (!selfWeight && limit !== U16_MAX) {
      const sum = upscaled.reduce((a, b) => a + b, 0);
      const maxNormalized = sum === 0 ? 0 : Math.max(...upscaled) / sum;
      if (maxNormalized > limit / U16_MAX) e.MaxWeightExceeded();
    }
    s.Weights.set(st, netuid, uid, uids.map((d, i) => [d, upscaled[i]!] as [number, number]));
    if (!crOn) setAt(st, s.LastUpdate, netuid, uid, block, 0n);
    ctx.emit('SubtensorModule', 'WeightsSet', [netuid, uid]);
  };

  const stakeWeight = (st: StateReader, hot: Uint8Array, netuid: number): bigint => {
    const alpha = s.TotalHotkeyAlpha.get(st, hot, netuid);
    const root = s.TotalHotkeyAlpha.get(st, hot, 0);
    const taoWeight = s.TaoWeight.get(st);
    return alpha + (root * taoWeight) / (1n << 64n);
  };

  const commitHash = (who: Uint8Array, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint): Uint8Array => {
    const w = new Writer();
    w.bytes(who);
    w.uint(netuid, 2);
    for (const list of [uids, values, salt]) {
      w.compact(list.length);
      for (const x of list) w.uint(x, 2);
    }
    w.uint(versionKey, 8);
    return blake2AsU8a(w.finish(), 256);
  };

  // ---- calls ----
  const netuidArg: [string, number, string] = ['netuid', u16, 'NetUid'];
  const hotkeyArg: [string, number, string] = ['hotkey', accountId, 'T::AccountId'];

  p.call('set_weights', 0, [netuidArg, ['dests', c.vecU16, 'Vec<u16>'], ['weights', c.vecU16, 'Vec<u16>'], ['version_key', u64, 'u64']], (ctx, a) => {
    if (s.CommitRevealWeightsEnabled.get(ctx.state, a['netuid'])) e.CommitRevealEnabled();
    const who = signed(ctx);
    setWeightsChecked(ctx, who, a['netuid'], a['dests'], a['weights'], a['version_key'], false);
  }, { paysFee: false });

  p.call('add_stake', 2, [hotkeyArg, netuidArg, ['amount_staked', u64, 'TaoBalance']], (ctx, a) => {
    const cold = signed(ctx);
    const { hotkey, netuid } = a as { hotkey: Uint8Array; netuid: number };
    const amount = a['amount_staked'] as bigint;
    const st = ctx.state;
    if (!exists(st, netuid)) e.SubnetNotExists();
    if (netuid !== 0 && !s.SubtokenEnabled.get(st, netuid)) e.SubtokenDisabled();
    if (amount < 2_000_000n) e.AmountTooLow();
    if (balances.free(st, cold) < amount) e.NotEnoughBalanceToStake();
    if (ownerOf(st, hotkey) === null) e.HotKeyAccountNotExists();
    balances.withdraw(ctx, cold, amount, false);
    s.SubnetTAO.mutate(st, netuid, (v: bigint) => v + amount);
    s.TotalStake.mutate(st, (v) => v + amount);
    increaseStake(st, hotkey, cold, netuid, amount);
    ctx.emit('SubtensorModule', 'StakeAdded', [cold, hotkey, amount, amount, netuid, 0n]);
  });

  p.call('remove_stake', 3, [hotkeyArg, netuidArg, ['amount_unstaked', u64, 'AlphaBalance']], (ctx, a) => {
    const cold = signed(ctx);
    const { hotkey, netuid } = a as { hotkey: Uint8Array; netuid: number };
    const amount = a['amount_unstaked'] as bigint;
    const st = ctx.state;
    if (!exists(st, netuid)) e.SubnetNotExists();
    if (netuid !== 0 && !s.SubtokenEnabled.get(st, netuid)) e.SubtokenDisabled();
    if (amount === 0n) e.AmountTooLow();
    if (ownerOf(st, hotkey) === null) e.HotKeyAccountNotExists();
    if (alphaOf(st, hotkey, cold, netuid) < amount) e.NotEnoughStakeToWithdraw();
    decreaseStake(st, hotkey, cold, netuid, amount);
    s.SubnetTAO.mutate(st, netuid, (v: bigint) => (v > amount ? v - amount : 0n));
    s.TotalStake.mutate(st, (v) => (v > amount ? v - amount : 0n));
    balances.deposit(ctx, cold, amount);
    ctx.emit('SubtensorModule', 'StakeRemoved', [cold, hotkey, amount, amount, netuid, 0n]);
  });

  p.call('serve_axon', 4, [
    netuidArg,
    ['version', u32, 'u32'],
    ['ip', c.u128, 'u128'],
    ['port', u16, 'u16'],
    ['ip_type', u8, 'u8'],
    ['protocol', u8, 'u8'],
    ['placeholder1', u8, 'u8'],
    ['placeholder2', u8, 'u8'],
  ], (ctx, a) => {
    const hot = signed(ctx);
    const st = ctx.state;
    const netuid = a['netuid'] as number;
    if (s.Uids.get(st, netuid, hot) === null) e.HotKeyNotRegisteredInNetwork();
    const ipType = a['ip_type'] as number;
    const ip = a['ip'] as bigint;
    if (ipType !== 4 && ipType !== 6) e.InvalidIpType();
    if (!validIp(ipType, ip, options.allowLoopbackAxons)) e.InvalidIpAddress();
    const prev = s.Axons.get(st, netuid, hot);
    const rateLimit = s.ServingRateLimit.get(st, netuid) as bigint;
    const block = now(ctx);
    if (rateLimit !== 0n && prev && prev.block !== 0n && block - prev.block < rateLimit) e.ServingRateLimitExceeded();
    if (a['port'] === 0) e.InvalidPort();
    s.Axons.set(st, netuid, hot, {
      block,
      version: a['version'],
      ip,
      port: a['port'],
      ip_type: ipType,
      protocol: a['protocol'],
      placeholder1: a['placeholder1'],
      placeholder2: a['placeholder2'],
    });
    ctx.emit('SubtensorModule', 'AxonServed', [netuid, hot]);
  }, { paysFee: false });

  const register = (ctx: DispatchContext, netuid: number, hot: Uint8Array): void => {
    const cold = signed(ctx);
    const st = ctx.state;
    const block = now(ctx);
    if (netuid === 0) e.RegistrationNotPermittedOnRootSubnet();
    if (!exists(st, netuid)) e.SubnetNotExists();
    if (!s.NetworkRegistrationAllowed.get(st, netuid)) e.SubNetRegistrationDisabled();
    if (s.Uids.get(st, netuid, hot) !== null) e.HotKeyAlreadyRegisteredInSubNet();
    const burn = s.Burn.get(st, netuid) as bigint;
    if (balances.free(st, cold) < burn) e.NotEnoughBalanceToStake();
    claimHotkey(st, cold, hot);
    const maxUids = s.MaxAllowedUids.get(st, netuid) as number;
    if (maxUids === 0) e.NoNeuronIdAvailable();
    balances.withdraw(ctx, cold, burn, false);
    s.SubnetTAO.mutate(st, netuid, (v: bigint) => v + burn);
    let uid: number;
    if ((s.SubnetworkN.get(st, netuid) as number) < maxUids) {
      uid = appendNeuron(st, netuid, hot, block);
    } else {
      const candidate = pruneCandidate(st, netuid, block);
      if (candidate === null) return e.NoNeuronIdAvailable();
      uid = candidate;
      replaceNeuron(st, netuid, uid, hot, block);
    }
    const bumped = (burn * 126n) / 100n;
    s.Burn.set(st, netuid, clamp(bumped, s.MinBurn.get(st, netuid) as bigint, s.MaxBurn.get(st, netuid) as bigint));
    s.RegistrationsThisBlock.mutate(st, netuid, (v: number) => v + 1);
    ctx.emit('SubtensorModule', 'NeuronRegistered', [netuid, uid, hot]);
  };

  p.call('register', 6, [
    netuidArg,
    ['block_number', u64, 'u64'],
    ['nonce', u64, 'u64'],
    ['work', c.bytes, 'Vec<u8>'],
    hotkeyArg,
    ['coldkey', accountId, 'T::AccountId'],
  ], (ctx, a) => register(ctx, a['netuid'], a['hotkey']));
  p.call('burned_register', 7, [netuidArg, hotkeyArg], (ctx, a) => register(ctx, a['netuid'], a['hotkey']));

  p.call('register_network', 59, [hotkeyArg], (ctx, a) => {
    const cold = signed(ctx);
    const hot = a['hotkey'] as Uint8Array;
    const st = ctx.state;
    const block = now(ctx);
    const owner = ownerOf(st, hot);
    if (owner !== null && !u8aEq(owner, cold)) e.NonAssociatedColdKey();
    const rateLimit = s.NetworkRateLimit.get(st);
    const last = s.NetworkLastRegistered.get(st);
    if (last !== 0n && block - last < rateLimit) e.NetworkTxRateLimitExceeded();
    const limit = s.SubnetLimit.get(st);
    let netuid = 1;
    while (netuid < 65535 && exists(st, netuid)) netuid++;
    if (s.TotalNetworks.get(st) - 1 >= limit) e.SubnetLimitReached();
    const cost = lockCost(st, block);
    if (balances.free(st, cold) < cost) e.NotEnoughBalanceToStake();
    balances.withdraw(ctx, cold, cost, false);
    s.NetworkLastLockCost.set(st, cost);
    s.NetworkLastRegistered.set(st, block);
    initNetwork(st, netuid, block);
    claimHotkey(st, cold, hot);
    s.SubnetOwner.set(st, netuid, cold);
    s.SubnetOwnerHotkey.set(st, netuid, hot);
    s.SubnetMechanism.set(st, netuid, 1);
    s.SubnetTAO.set(st, netuid, cost);
    s.SubnetAlphaIn.set(st, netuid, cost);
    s.SubnetLocked.set(st, netuid, cost);
    s.NetworkRegisteredAt.set(st, netuid, block);
    appendNeuron(st, netuid, hot, block);
    s.SubnetEmissionEnabled.set(st, netuid, false);
    ctx.emit('SubtensorModule', 'NetworkAdded', [netuid, 1]);
  });

  p.call('start_call', 92, [netuidArg], (ctx, a) => {
    const who = signed(ctx);
    const st = ctx.state;
    const netuid = a['netuid'] as number;
    if (!exists(st, netuid)) e.SubnetNotExists();
    if (!u8aEq(s.SubnetOwner.get(st, netuid), who)) throw DispatchFailure.badOrigin();
    if (s.FirstEmissionBlockNumber.get(st, netuid) !== null) e.FirstEmissionBlockNumberAlreadySet();
    const block = now(ctx);
    if (block < (s.NetworkRegisteredAt.get(st, netuid) as bigint) + s.StartCallDelay.get(st)) e.NeedWaitingMoreBlocksToStarCall();
    s.FirstEmissionBlockNumber.set(st, netuid, block + 1n);
    s.SubtokenEnabled.set(st, netuid, true);
    ctx.emit('SubtensorModule', 'FirstEmissionBlockNumberSet', [netuid, block + 1n]);
  });

  p.call('commit_weights', 96, [netuidArg, ['commit_hash', h256, 'H256']], (ctx, a) => {
    const st = ctx.state;
    const netuid = a['netuid'] as number;
    if (!exists(st, netuid)) e.MechanismDoesNotExist();
    const who = signed(ctx);
    if (!s.CommitRevealWeightsEnabled.get(st, netuid)) e.CommitRevealDisabled();
    const uid = s.Uids.get(st, netuid, who);
    if (uid === null) return e.HotKeyNotRegisteredInSubNet();
    const block = now(ctx);
    const last = (s.LastUpdate.get(st, netuid) as bigint[])[uid] ?? 0n;
    if (last !== 0n && block - last < (s.WeightsSetRateLimit.get(st, netuid) as bigint)) e.CommittingWeightsTooFast();
    const epoch = currentEpochWithLookahead(st, netuid, block);
    const period = s.RevealPeriodEpochs.get(st, netuid);
    const queue = (s.WeightCommits.get(st, netuid, who) ?? []).filter(([, ce]) => ce + period >= epoch);
    if (queue.length >= 10) e.TooManyUnrevealedCommits();
    queue.push([a['commit_hash'], epoch, block, 0n]);
    s.WeightCommits.set(st, netuid, who, queue);
    setAt(st, s.LastUpdate, netuid, uid, block, 0n);
    ctx.emit('SubtensorModule', 'WeightsCommitted', [who, netuid, a['commit_hash']]);
  }, { paysFee: false });

  p.call('reveal_weights', 97, [
    netuidArg,
    ['uids', c.vecU16, 'Vec<u16>'],
    ['values', c.vecU16, 'Vec<u16>'],
    ['salt', c.vecU16, 'Vec<u16>'],
    ['version_key', u64, 'u64'],
  ], (ctx, a) => {
    const st = ctx.state;
    const netuid = a['netuid'] as number;
    if (!exists(st, netuid)) e.MechanismDoesNotExist();
    const who = signed(ctx);
    if (!s.CommitRevealWeightsEnabled.get(st, netuid)) e.CommitRevealDisabled();
    const all = s.WeightCommits.get(st, netuid, who);
    if (!all || all.length === 0) return e.NoWeightsCommitFound();
    const block = now(ctx);
    const epoch = currentEpochWithLookahead(st, netuid, block);
    const period = s.RevealPeriodEpochs.get(st, netuid);
    const expired = all.filter(([, ce]) => ce + period < epoch);
    const live = all.filter(([, ce]) => ce + period >= epoch);
    const hash = commitHash(who, netuid, a['uids'], a['values'], a['salt'], a['version_key']);
    const at = live.findIndex(([h]) => u8aEq(h, hash));
    if (at < 0) {
      if (expired.some(([h]) => u8aEq(h, hash))) e.ExpiredWeightCommit();
      e.InvalidRevealCommitHashNotMatch();
    }
    const [, commitEpoch] = live[at]!;
    if (epoch !== commitEpoch + period) e.RevealTooEarly();
    const rest = live.slice(at + 1);
    s.WeightCommits.set(st, netuid, who, rest.length ? rest : null);
    setWeightsChecked(ctx, who, netuid, a['uids'], a['values'], a['version_key'], true);
    ctx.emit('SubtensorModule', 'WeightsRevealed', [who, netuid, hash]);
  }, { paysFee: false });

  p.call('set_activity_cutoff_factor', 140, [netuidArg, ['factor_milli', u32, 'u32']], (ctx, a) => {
    const netuid = a['netuid'] as number;
    ensureOwnerOrRoot(ctx, netuid, 140);
    ensureAdminWindowOpen(ctx.state, netuid, now(ctx));
    const factor = a['factor_milli'] as number;
    if (factor < 1000 || factor > 50_000) e.ActivityCutoffFactorMilliOutOfBounds();
    s.ActivityCutoffFactorMilli.set(ctx.state, netuid, factor);
  });

  /**
   * `ensure_subnet_owner_or_root` plus the owner's per-hyperparameter rate limit
   * (OwnerHyperparamRateLimit tempos, or `ownerLimitTempos` where subtensor uses another).
   */
  function ensureOwnerOrRoot(ctx: DispatchContext, netuid: number, callIndex: number, ownerLimitTempos?: number): 'root' | 'owner' {
    if (ctx.origin.kind === 'root') return 'root';
    if (ctx.origin.kind !== 'signed' || !u8aEq(s.SubnetOwner.get(ctx.state, netuid), ctx.origin.who)) throw DispatchFailure.badOrigin();
    const block = now(ctx);
    const last = s.LastOwnerHyperparamUpdate.get(ctx.state, netuid, callIndex);
    const tempos = BigInt(ownerLimitTempos ?? s.OwnerHyperparamRateLimit.get(ctx.state));
    const limit = tempos * BigInt(s.Tempo.get(ctx.state, netuid));
    if (last !== 0n && block - last < limit) e.TxRateLimitExceeded();
    s.LastOwnerHyperparamUpdate.set(ctx.state, netuid, callIndex, block);
    return 'owner';
  }

  function initNetwork(st: State, netuid: number, block: bigint): void {
    const tempo = options.defaultTempo;
    s.NetworksAdded.set(st, netuid, true);
    s.TotalNetworks.mutate(st, (v) => v + 1);
    s.Tempo.set(st, netuid, tempo);
    s.LastEpochBlock.set(st, netuid, tempo === 0 ? block : block - BigInt(netuid % tempo));
    s.NetworkRegistrationAllowed.set(st, netuid, true);
    s.MaxAllowedUids.set(st, netuid, 256);
    s.MaxAllowedValidators.set(st, netuid, 64);
    s.MinAllowedWeights.set(st, netuid, 1);
    s.ImmunityPeriod.set(st, netuid, 5000);
    s.Yuma3On.set(st, netuid, true);
    s.Burn.set(st, netuid, TAO);
  }

  // ---- per block: registration price decay (epochs and emission: subtensor-epoch.ts) ----
  const decay = Math.pow(2, -1 / 360);
  const onInitializeRegistration = (ctx: BlockContext): void => {
    const st = ctx.state;
    const total = s.TotalNetworks.get(st);
    for (let netuid = 1, seen = 0; seen < total - 1 && netuid < 65535; netuid++) {
      if (!exists(st, netuid)) continue;
      seen++;
      const halfLife = s.BurnHalfLife.get(st, netuid) as number;
      const burn = s.Burn.get(st, netuid) as bigint;
      const factor = halfLife === 360 ? decay : Math.pow(2, -1 / Math.max(1, halfLife));
      const next = BigInt(Math.floor(Number(burn) * factor));
      s.Burn.set(st, netuid, clamp(next, s.MinBurn.get(st, netuid) as bigint, s.MaxBurn.get(st, netuid) as bigint));
      s.RegistrationsThisBlock.set(st, netuid, 0);
    }
  };

  /** Genesis: the root subnet (netuid 0) exists, as on a localnet, so registrations there are refused by rule. */
  const genesis = (st: State): void => {
    s.NetworksAdded.set(st, 0, true);
    s.TotalNetworks.set(st, 1);
    s.Tempo.set(st, 0, 100);
    s.NetworkRateLimit.set(st, 0n);
    s.MaxEpochsPerBlock.set(st, 32);
    s.AdminFreezeWindow.set(st, 0);
  };

  /** The netuids of all subnets except root, ascending. */
  const subnets = (st: StateReader): number[] => {
    const out: number[] = [];
    const total = s.TotalNetworks.get(st);
    for (let netuid = 1; out.length < total - 1 && netuid < 65535; netuid++) if (exists(st, netuid)) out.push(netuid);
    return out;
  };

  return {
    pallet: p,
    storage: s,
    errors: e,
    onInitializeRegistration,
    genesis,
    subnets,
    ensureOwnerOrRoot,
    ensureAdminWindowOpen,
    epochDue,
    alphaOf,
    stakeTo,
    creditHotkey,
    ownerOf,
    commitHash,
    lockCost,
    maxUpscale,
    exists,
  };
}

export type SubtensorPallet = ReturnType<typeof subtensorPallet>;

function clamp(v: bigint, lo: bigint, hi: bigint): bigint {
  return v < lo ? lo : v > hi ? hi : v;
}

const IPV4_MAX = (1n << 32n) - 1n;
const U128_MAX = (1n << 128n) - 1n;
/** subtensor's is_valid_ip_address; loopback allowed only when the devnet was started to allow it. */
export function validIp(ipType: number, ip: bigint, allowLoopback: boolean): boolean {
  if (ip === 0n) return true;
  if (ipType === 4) return ip < IPV4_MAX && (allowLoopback || ip !== 0x7f000001n);
  return ip !== U128_MAX && (allowLoopback || ip !== 1n);
}
