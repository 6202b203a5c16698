/**
 * SubtensorModule's storage: names, hashers, value types and defaults as at subtensor spec 425
 * (`pallets/subtensor/src/lib.rs`), each a typed handle so the pallet's modules read and write without
 * casts. NetUid and NetUidStorageIndex are u16 (mechanism 0 only, so the storage index is the netuid).
 */
import type { Pallet } from '../../runtime/pallet.js';
import type { StorageItem } from '../../runtime/storage.js';
import { TAO, U16_MAX, ZERO_ACCOUNT, type AxonInfo, type FixedU128, type SubtensorTypes, type TimelockedWeightCommit, type WeightCommit, type WeightRow } from './types.js';

export function defineStorage(p: Pallet, ty: SubtensorTypes) {
  const { u16, u64, u8, u32, bool, accountId } = ty;
  /** A per-subnet item: `StorageMap<NetUid (Identity), V, ValueQuery>`. */
  const perSubnet = <V>(name: string, type: number, fallback: V): StorageItem<[number], V> => p.map<[number], V>(name, [['Identity', u16]], type, fallback);
  /** A per-uid item: `StorageDoubleMap<NetUid, u16, V, ValueQuery>`. */
  const perUid = <V>(name: string, type: number, fallback: V): StorageItem<[number, number], V> =>
    p.map<[number, number], V>(name, [['Identity', u16], ['Identity', u16]], type, fallback);
  const global = <V>(name: string, type: number, fallback: V): StorageItem<[], V> => p.value<V>(name, type, fallback);

  return {
    // ---- subnets ----
    NetworksAdded: perSubnet<boolean>('NetworksAdded', bool, false),
    TotalNetworks: global<number>('TotalNetworks', u16, 0),
    SubnetLimit: global<number>('SubnetLimit', u16, 128),
    SubnetOwner: perSubnet<Uint8Array>('SubnetOwner', accountId, ZERO_ACCOUNT),
    SubnetOwnerHotkey: perSubnet<Uint8Array>('SubnetOwnerHotkey', accountId, ZERO_ACCOUNT),
    SubnetMechanism: perSubnet<number>('SubnetMechanism', u16, 0),
    NetworkRegisteredAt: perSubnet<bigint>('NetworkRegisteredAt', u64, 0n),
    FirstEmissionBlockNumber: p.map<[number], bigint | null>('FirstEmissionBlockNumber', [['Identity', u16]], u64),
    SubtokenEnabled: perSubnet<boolean>('SubtokenEnabled', bool, false),
    SubnetEmissionEnabled: perSubnet<boolean>('SubnetEmissionEnabled', bool, true),
    NetworkRateLimit: global<bigint>('NetworkRateLimit', u64, 7200n),
    NetworkMinLockCost: global<bigint>('NetworkMinLockCost', u64, 1000n * TAO),
    NetworkLastLockCost: global<bigint>('NetworkLastLockCost', u64, 0n),
    NetworkLastRegistered: global<bigint>('NetworkLastRegistered', u64, 0n),
    NetworkLockReductionInterval: global<bigint>('NetworkLockReductionInterval', u64, 14n * 7200n),
    /** Blocks a new subnet cannot be pruned for (`SubtensorInitialNetworkImmunity`). */
    NetworkImmunityPeriod: global<bigint>('NetworkImmunityPeriod', u64, 1_296_000n),
    StartCallDelay: global<bigint>('StartCallDelay', u64, 0n),

    // ---- neurons (per-uid vectors are indexed by uid) ----
    SubnetworkN: perSubnet<number>('SubnetworkN', u16, 0),
    Keys: perUid<Uint8Array>('Keys', accountId, ZERO_ACCOUNT),
    Uids: p.map<[number, Uint8Array], number | null>('Uids', [['Identity', u16], ['Blake2_128Concat', accountId]], u16),
    Owner: p.map<[Uint8Array], Uint8Array>('Owner', [['Blake2_128Concat', accountId]], accountId, ZERO_ACCOUNT),
    OwnedHotkeys: p.map<[Uint8Array], Uint8Array[]>('OwnedHotkeys', [['Blake2_128Concat', accountId]], ty.vecAccountId, []),
    StakingHotkeys: p.map<[Uint8Array], Uint8Array[]>('StakingHotkeys', [['Blake2_128Concat', accountId]], ty.vecAccountId, []),
    BlockAtRegistration: perUid<bigint>('BlockAtRegistration', u64, 0n),
    Axons: p.map<[number, Uint8Array], AxonInfo | null>('Axons', [['Identity', u16], ['Blake2_128Concat', accountId]], ty.axonInfo),
    Active: perSubnet<boolean[]>('Active', ty.vecBool, []),
    Consensus: perSubnet<number[]>('Consensus', ty.vecU16, []),
    Incentive: perSubnet<number[]>('Incentive', ty.vecU16, []),
    Dividends: perSubnet<number[]>('Dividends', ty.vecU16, []),
    Emission: perSubnet<bigint[]>('Emission', ty.vecU64, []),
    ValidatorTrust: perSubnet<number[]>('ValidatorTrust', ty.vecU16, []),
    ValidatorPermit: perSubnet<boolean[]>('ValidatorPermit', ty.vecBool, []),
    StakeWeight: perSubnet<number[]>('StakeWeight', ty.vecU16, []),
    LastUpdate: perSubnet<bigint[]>('LastUpdate', ty.vecU64, []),

    // ---- registration ----
    NetworkRegistrationAllowed: perSubnet<boolean>('NetworkRegistrationAllowed', bool, true),
    Burn: perSubnet<bigint>('Burn', u64, TAO / 10n),
    MinBurn: perSubnet<bigint>('MinBurn', u64, 500_000n),
    MaxBurn: perSubnet<bigint>('MaxBurn', u64, 100n * TAO),
    BurnHalfLife: perSubnet<number>('BurnHalfLife', u16, 360),
    RegistrationsThisBlock: perSubnet<number>('RegistrationsThisBlock', u16, 0),
    ImmunityPeriod: perSubnet<number>('ImmunityPeriod', u16, 4096),
    MaxAllowedUids: perSubnet<number>('MaxAllowedUids', u16, 256),
    MinAllowedUids: perSubnet<number>('MinAllowedUids', u16, 64),

    // ---- stake: a share pool per (hotkey, netuid) ----
    TotalHotkeyAlpha: p.map<[Uint8Array, number], bigint>('TotalHotkeyAlpha', [['Blake2_128Concat', accountId], ['Identity', u16]], u64, 0n),
    TotalHotkeyShares: p.map<[Uint8Array, number], FixedU128>('TotalHotkeyShares', [['Blake2_128Concat', accountId], ['Identity', u16]], ty.u64f64, { bits: 0n }),
    Alpha: p.map<[Uint8Array, Uint8Array, number], FixedU128>('Alpha', [['Blake2_128Concat', accountId], ['Blake2_128Concat', accountId], ['Identity', u16]], ty.u64f64, { bits: 0n }),
    AlphaDividendsPerSubnet: p.map<[number, Uint8Array], bigint>('AlphaDividendsPerSubnet', [['Identity', u16], ['Blake2_128Concat', accountId]], u64, 0n),
    TotalStake: global<bigint>('TotalStake', u64, 0n),
    TotalIssuance: global<bigint>('TotalIssuance', u64, 0n),
    SubnetTAO: perSubnet<bigint>('SubnetTAO', u64, 0n),
    SubnetAlphaIn: perSubnet<bigint>('SubnetAlphaIn', u64, 0n),
    SubnetAlphaOut: perSubnet<bigint>('SubnetAlphaOut', u64, 0n),
    SubnetLocked: perSubnet<bigint>('SubnetLocked', u64, 0n),
    StakeThreshold: global<bigint>('StakeThreshold', u64, 0n),
    TaoWeight: global<bigint>('TaoWeight', u64, 971_718_665_099_567_868n),

    // ---- coinbase and epoch schedule ----
    Tempo: perSubnet<number>('Tempo', u16, 360),
    LastEpochBlock: perSubnet<bigint>('LastEpochBlock', u64, 0n),
    PendingEpochAt: perSubnet<bigint>('PendingEpochAt', u64, 0n),
    SubnetEpochIndex: perSubnet<bigint>('SubnetEpochIndex', u64, 0n),
    BlocksSinceLastStep: perSubnet<bigint>('BlocksSinceLastStep', u64, 0n),
    LastMechansimStepBlock: perSubnet<bigint>('LastMechansimStepBlock', u64, 0n),
    MaxEpochsPerBlock: global<number>('MaxEpochsPerBlock', u8, 2),
    OwnerCutEnabled: perSubnet<boolean>('OwnerCutEnabled', bool, true),
    SubnetOwnerCut: global<number>('SubnetOwnerCut', u16, 11_796),
    PendingServerEmission: perSubnet<bigint>('PendingServerEmission', u64, 0n),
    PendingValidatorEmission: perSubnet<bigint>('PendingValidatorEmission', u64, 0n),
    PendingRootAlphaDivs: perSubnet<bigint>('PendingRootAlphaDivs', u64, 0n),
    PendingOwnerCut: perSubnet<bigint>('PendingOwnerCut', u64, 0n),
    SubnetAlphaOutEmission: perSubnet<bigint>('SubnetAlphaOutEmission', u64, 0n),

    // ---- Yuma parameters ----
    ActivityCutoff: perSubnet<number>('ActivityCutoff', u16, 5000),
    ActivityCutoffFactorMilli: perSubnet<number>('ActivityCutoffFactorMilli', u32, 13_889),
    Kappa: perSubnet<number>('Kappa', u16, 32_767),
    Rho: perSubnet<number>('Rho', u16, 10),
    BondsMovingAverage: perSubnet<bigint>('BondsMovingAverage', u64, 900_000n),
    BondsPenalty: perSubnet<number>('BondsPenalty', u16, U16_MAX),
    BondsResetOn: perSubnet<boolean>('BondsResetOn', bool, false),
    LiquidAlphaOn: p.map<[number], boolean>('LiquidAlphaOn', [['Blake2_128Concat', u16]], bool, false),
    Yuma3On: p.map<[number], boolean>('Yuma3On', [['Blake2_128Concat', u16]], bool, false),
    AlphaValues: perSubnet<[number, number]>('AlphaValues', ty.alphaValues, [45_875, 58_982]),
    AlphaSigmoidSteepness: perSubnet<number>('AlphaSigmoidSteepness', ty.i16, 1000),
    MaxAllowedValidators: perSubnet<number>('MaxAllowedValidators', u16, 128),
    Bonds: perUid<WeightRow>('Bonds', ty.weightRow, []),

    // ---- weights ----
    Weights: perUid<WeightRow>('Weights', ty.weightRow, []),
    WeightsSetRateLimit: perSubnet<bigint>('WeightsSetRateLimit', u64, 100n),
    MinAllowedWeights: perSubnet<number>('MinAllowedWeights', u16, 1024),
    MaxWeightsLimit: perSubnet<number>('MaxWeightsLimit', u16, U16_MAX),
    WeightsVersionKey: perSubnet<bigint>('WeightsVersionKey', u64, 0n),
    CommitRevealWeightsEnabled: perSubnet<boolean>('CommitRevealWeightsEnabled', bool, true),
    RevealPeriodEpochs: p.map<[number], bigint>('RevealPeriodEpochs', [['Twox64Concat', u16]], u64, 1n),
    WeightCommits: p.map<[number, Uint8Array], WeightCommit[] | null>('WeightCommits', [['Twox64Concat', u16], ['Twox64Concat', accountId]], ty.commitQueue),
    /** CR v3/v4 commits by (NetUidStorageIndex, commit epoch), revealed by the block step once their drand round is stored. */
    TimelockedWeightCommits: p.map<[number, bigint], TimelockedWeightCommit[]>('TimelockedWeightCommits', [['Twox64Concat', u16], ['Twox64Concat', u64]], ty.timelockedCommitQueue, []),
    ServingRateLimit: perSubnet<bigint>('ServingRateLimit', u64, 50n),

    // ---- admin ----
    AdminFreezeWindow: global<number>('AdminFreezeWindow', u16, 10),
    OwnerHyperparamRateLimit: global<number>('OwnerHyperparamRateLimit', u16, 2),
    /** Devnet-only bookkeeping for the owner hyperparameter rate limit: (netuid, AdminUtils call index) → block. */
    LastOwnerHyperparamUpdate: p.map<[number, number], bigint>('LastOwnerHyperparamUpdate', [['Identity', u16], ['Identity', u8]], u64, 0n),
  };
}

export type SubtensorStorage = ReturnType<typeof defineStorage>;
