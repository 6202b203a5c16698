/**
 * SubtensorModule's errors (index = position in subtensor spec 425's `pallets/subtensor/src/macros/errors.rs`,
 * checked by test/devnet/parity.test.ts) and events (index = position in `macros/events.rs`, also checked there).
 */
import type { Pallet } from '../../runtime/pallet.js';
import type { SubtensorTypes } from './types.js';

export function defineErrors(p: Pallet) {
  return {
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
    SubNetRegistrationDisabled: p.error('SubNetRegistrationDisabled', 37),
    RegistrationNotPermittedOnRootSubnet: p.error('RegistrationNotPermittedOnRootSubnet', 42),
    CanNotSetRootNetworkWeights: p.error('CanNotSetRootNetworkWeights', 47),
    NoNeuronIdAvailable: p.error('NoNeuronIdAvailable', 48),
    NoWeightsCommitFound: p.error('NoWeightsCommitFound', 51),
    InvalidRevealCommitHashNotMatch: p.error('InvalidRevealCommitHashNotMatch', 52),
    CommitRevealEnabled: p.error('CommitRevealEnabled', 53),
    CommitRevealDisabled: p.error('CommitRevealDisabled', 54),
    TxRateLimitExceeded: p.error('TxRateLimitExceeded', 64),
    MechanismDoesNotExist: p.error('MechanismDoesNotExist', 74),
    SubnetNotExists: p.error('SubnetNotExists', 76),
    TooManyUnrevealedCommits: p.error('TooManyUnrevealedCommits', 77),
    ExpiredWeightCommit: p.error('ExpiredWeightCommit', 78),
    RevealTooEarly: p.error('RevealTooEarly', 79),
    InputLengthsUnequal: p.error('InputLengthsUnequal', 80),
    CommittingWeightsTooFast: p.error('CommittingWeightsTooFast', 81),
    AmountTooLow: p.error('AmountTooLow', 82),
    InsufficientLiquidity: p.error('InsufficientLiquidity', 83),
    FirstEmissionBlockNumberAlreadySet: p.error('FirstEmissionBlockNumberAlreadySet', 88),
    NeedWaitingMoreBlocksToStarCall: p.error('NeedWaitingMoreBlocksToStarCall', 89),
    SubtokenDisabled: p.error('SubtokenDisabled', 94),
    AdminActionProhibitedDuringWeightsWindow: p.error('AdminActionProhibitedDuringWeightsWindow', 107),
    SubnetLimitReached: p.error('SubnetLimitReached', 115),
    CannotAffordLockCost: p.error('CannotAffordLockCost', 116),
    TempoOutOfBounds: p.error('TempoOutOfBounds', 141),
    ActivityCutoffFactorMilliOutOfBounds: p.error('ActivityCutoffFactorMilliOutOfBounds', 142),
  };
}

export type SubtensorErrors = ReturnType<typeof defineErrors>;

type EventField = [name: string | undefined, type: number, typeName: string];

export function defineEvents(p: Pallet, ty: SubtensorTypes): void {
  const { u16, u64, h256, accountId } = ty;
  const account: EventField = [undefined, accountId, 'T::AccountId'];
  const netuid: EventField = [undefined, u16, 'NetUid'];
  const tao: EventField = [undefined, u64, 'TaoBalance'];
  const alpha: EventField = [undefined, u64, 'AlphaBalance'];
  p.event('NetworkAdded', 0, [netuid, [undefined, u16, 'u16']]);
  p.event('NetworkRemoved', 1, [netuid]);
  p.event('StakeAdded', 2, [account, account, tao, alpha, netuid, [undefined, u64, 'u64']]);
  p.event('StakeRemoved', 3, [account, account, tao, alpha, netuid, [undefined, u64, 'u64']]);
  p.event('WeightsSet', 5, [[undefined, u16, 'NetUidStorageIndex'], [undefined, u16, 'u16']]);
  p.event('NeuronRegistered', 6, [netuid, [undefined, u16, 'u16'], account]);
  p.event('ActivityCutoffSet', 15, [netuid, [undefined, u16, 'u16']]);
  p.event('KappaSet', 18, [netuid, [undefined, u16, 'u16']]);
  p.event('WeightsSetRateLimitSet', 22, [netuid, [undefined, u64, 'u64']]);
  p.event('AxonServed', 28, [netuid, account]);
  p.event('WeightsVersionKeySet', 32, [netuid, [undefined, u64, 'u64']]);
  p.event('TempoSet', 52, [netuid, [undefined, u16, 'u16']]);
  p.event('WeightsCommitted', 85, [account, [undefined, u16, 'NetUidStorageIndex'], [undefined, h256, 'H256']]);
  p.event('WeightsRevealed', 86, [account, [undefined, u16, 'NetUidStorageIndex'], [undefined, h256, 'H256']]);
  p.event('FirstEmissionBlockNumberSet', 95, [netuid, [undefined, u64, 'u64']]);
  p.event('IncentiveAlphaEmittedToMiners', 110, [['netuid', u16, 'NetUidStorageIndex'], ['emissions', ty.vecU64, 'Vec<AlphaBalance>']]);
  p.event('EpochSkipped', 133, [['netuid', u16, 'NetUid'], ['block', u64, 'u64']]);
}
