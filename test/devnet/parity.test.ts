/**
 * Parity with subtensor spec 425 (opentensor/subtensor @14bc6f9): every call, error and event the devnet
 * declares has the real runtime's index and argument names (tables below, taken from the named source
 * files), and register_network behaves as `do_register_network` does at the subnet limit and without
 * the lock cost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { createRuntime } from '../../devnet/runtime/runtime.js';
import { netuidFrom, openSession, send, sudoResult, type Session } from './support.js';

/** SubtensorModule calls: index and argument names, `pallets/subtensor/src/macros/dispatches.rs` (leading `_` dropped). */
const SUBTENSOR_CALLS: Record<string, [number, string[]]> = {
  set_weights: [0, ["netuid", "dests", "weights", "version_key"]],
  add_stake: [2, ["hotkey", "netuid", "amount_staked"]],
  remove_stake: [3, ["hotkey", "netuid", "amount_unstaked"]],
  serve_axon: [4, ["netuid", "version", "ip", "port", "ip_type", "protocol", "placeholder1", "placeholder2"]],
  register: [6, ["netuid", "block_number", "nonce", "work", "hotkey", "coldkey"]],
  burned_register: [7, ["netuid", "hotkey"]],
  register_network: [59, ["hotkey"]],
  start_call: [92, ["netuid"]],
  commit_weights: [96, ["netuid", "commit_hash"]],
  reveal_weights: [97, ["netuid", "uids", "values", "salt", "version_key"]],
  commit_timelocked_weights: [113, ["netuid", "commit", "reveal_round", "commit_reveal_version"]],
  commit_crv3_mechanism_weights: [117, ["netuid", "mecid", "commit", "reveal_round"]],
  commit_timelocked_mechanism_weights: [118, ["netuid", "mecid", "commit", "reveal_round", "commit_reveal_version"]],
  set_tempo: [139, ["netuid", "tempo"]],
  set_activity_cutoff_factor: [140, ["netuid", "factor_milli"]],
};
/** AdminUtils calls, `pallets/admin-utils/src/lib.rs`. */
const ADMIN_UTILS_CALLS: Record<string, [number, string[]]> = {
  sudo_set_serving_rate_limit: [3, ["netuid", "serving_rate_limit"]],
  sudo_set_weights_version_key: [6, ["netuid", "weights_version_key"]],
  sudo_set_weights_set_rate_limit: [7, ["netuid", "weights_set_rate_limit"]],
  sudo_set_immunity_period: [13, ["netuid", "immunity_period"]],
  sudo_set_min_allowed_weights: [14, ["netuid", "min_allowed_weights"]],
  sudo_set_max_allowed_uids: [15, ["netuid", "max_allowed_uids"]],
  sudo_set_kappa: [16, ["netuid", "kappa"]],
  sudo_set_rho: [17, ["netuid", "rho"]],
  sudo_set_activity_cutoff: [18, ["netuid", "activity_cutoff"]],
  sudo_set_network_registration_allowed: [19, ["netuid", "registration_allowed"]],
  sudo_set_min_burn: [22, ["netuid", "min_burn"]],
  sudo_set_max_burn: [23, ["netuid", "max_burn"]],
  sudo_set_max_allowed_validators: [25, ["netuid", "max_allowed_validators"]],
  sudo_set_bonds_moving_average: [26, ["netuid", "bonds_moving_average"]],
  sudo_set_subnet_owner_cut: [28, ["subnet_owner_cut"]],
  sudo_set_network_rate_limit: [29, ["rate_limit"]],
  sudo_set_tempo: [30, ["netuid", "tempo"]],
  sudo_set_network_immunity_period: [35, ["immunity_period"]],
  sudo_set_network_min_lock_cost: [36, ["lock_cost"]],
  sudo_set_subnet_limit: [37, ["max_subnets"]],
  sudo_set_lock_reduction_interval: [38, ["interval"]],
  sudo_set_stake_threshold: [42, ["min_stake"]],
  sudo_set_commit_reveal_weights_enabled: [49, ["netuid", "enabled"]],
  sudo_set_liquid_alpha_enabled: [50, ["netuid", "enabled"]],
  sudo_set_alpha_values: [51, ["netuid", "alpha_low", "alpha_high"]],
  sudo_set_commit_reveal_weights_interval: [57, ["netuid", "interval"]],
  sudo_set_bonds_penalty: [60, ["netuid", "bonds_penalty"]],
  sudo_set_subtoken_enabled: [66, ["netuid", "subtoken_enabled"]],
  sudo_set_yuma3_enabled: [69, ["netuid", "enabled"]],
  sudo_set_admin_freeze_window: [74, ["window"]],
  sudo_set_owner_hparam_rate_limit: [75, ["epochs"]],
  sudo_set_start_call_delay: [85, ["delay"]],
  sudo_set_subnet_emission_enabled: [94, ["netuid", "enabled"]],
  sudo_set_max_epochs_per_block: [96, ["max_epochs_per_block"]],
};
/** SubtensorModule error indices, `pallets/subtensor/src/macros/errors.rs`. */
const SUBTENSOR_ERRORS: Record<string, number> = {
  InvalidIpType: 1,
  InvalidIpAddress: 2,
  InvalidPort: 3,
  HotKeyNotRegisteredInSubNet: 4,
  HotKeyAccountNotExists: 5,
  HotKeyNotRegisteredInNetwork: 6,
  NonAssociatedColdKey: 7,
  NotEnoughStakeToWithdraw: 9,
  NotEnoughStakeToSetWeights: 10,
  NotEnoughBalanceToStake: 12,
  NeuronNoValidatorPermit: 15,
  WeightVecNotEqualSize: 16,
  DuplicateUids: 17,
  UidVecContainInvalidOne: 18,
  WeightVecLengthIsLow: 19,
  TooManyRegistrationsThisBlock: 20,
  HotKeyAlreadyRegisteredInSubNet: 21,
  MaxWeightExceeded: 27,
  SettingWeightsTooFast: 29,
  IncorrectWeightVersionKey: 30,
  ServingRateLimitExceeded: 31,
  UidsLengthExceedUidsInSubNet: 32,
  NetworkTxRateLimitExceeded: 33,
  SubNetRegistrationDisabled: 37,
  RegistrationNotPermittedOnRootSubnet: 42,
  CanNotSetRootNetworkWeights: 47,
  NoNeuronIdAvailable: 48,
  NoWeightsCommitFound: 51,
  InvalidRevealCommitHashNotMatch: 52,
  CommitRevealEnabled: 53,
  CommitRevealDisabled: 54,
  TxRateLimitExceeded: 64,
  MechanismDoesNotExist: 74,
  SubnetNotExists: 76,
  TooManyUnrevealedCommits: 77,
  ExpiredWeightCommit: 78,
  RevealTooEarly: 79,
  InputLengthsUnequal: 80,
  CommittingWeightsTooFast: 81,
  AmountTooLow: 82,
  InsufficientLiquidity: 83,
  FirstEmissionBlockNumberAlreadySet: 88,
  NeedWaitingMoreBlocksToStarCall: 89,
  SubtokenDisabled: 94,
  AdminActionProhibitedDuringWeightsWindow: 107,
  IncorrectCommitRevealVersion: 110,
  InvalidRevealRound: 111,
  SubnetLimitReached: 115,
  CannotAffordLockCost: 116,
  TempoOutOfBounds: 141,
  ActivityCutoffFactorMilliOutOfBounds: 142,
};
/** SubtensorModule event indices, `pallets/subtensor/src/macros/events.rs`. */
const SUBTENSOR_EVENTS: Record<string, number> = {
  NetworkAdded: 0,
  NetworkRemoved: 1,
  StakeAdded: 2,
  StakeRemoved: 3,
  WeightsSet: 5,
  NeuronRegistered: 6,
  ActivityCutoffSet: 15,
  KappaSet: 18,
  WeightsSetRateLimitSet: 22,
  AxonServed: 28,
  WeightsVersionKeySet: 32,
  TempoSet: 52,
  WeightsCommitted: 85,
  WeightsRevealed: 86,
  FirstEmissionBlockNumberSet: 95,
  TimelockedWeightsCommitted: 107,
  TimelockedWeightsRevealed: 108,
  IncentiveAlphaEmittedToMiners: 110,
  EpochSkipped: 133,
};
/** AdminUtils error indices, `pallets/admin-utils/src/lib.rs`. */
const ADMIN_UTILS_ERRORS: Record<string, number> = {
  SubnetDoesNotExist: 0,
  MaxValidatorsLargerThanMaxUIds: 1,
  MaxAllowedUIdsLessThanCurrentUIds: 2,
  BondsMovingAverageMaxReached: 3,
  ValueNotInBounds: 5,
  MaxAllowedUidsLessThanMinAllowedUids: 8,
};

/** `TxExtension` = (SystemTxExtension, CustomTxExtension, CheckMetadataHash), flattened: `runtime/src/lib.rs`. */
const SPEC_425_TX_EXTENSIONS = [
  'CheckNonZeroSender', 'CheckSpecVersion', 'CheckTxVersion', 'CheckGenesis', 'CheckMortality', 'CheckNonce', 'CheckWeight',
  'ChargeTransactionPaymentWrapper', 'SudoTransactionExtension', 'CheckShieldedTxValidity', 'SubtensorTransactionExtension', 'DrandPriority',
  'CheckMetadataHash',
];

describe('devnet declarations against spec 425', () => {
  let pallets: ReturnType<typeof createRuntime>['pallets'];
  beforeAll(async () => {
    await cryptoWaitReady();
    pallets = createRuntime({ allowLoopbackAxons: false, defaultTempo: 10 }).pallets;
  });
  const pallet = (name: string) => pallets.find((p) => p.name === name)!;

  it('SubtensorModule and AdminUtils calls: index and argument names', () => {
    for (const [name, table] of [['SubtensorModule', SUBTENSOR_CALLS], ['AdminUtils', ADMIN_UTILS_CALLS]] as const) {
      const declared = Object.fromEntries(pallet(name).calls.map((c) => [c.name, [c.index, c.args.map((a) => a.name)]]));
      expect(declared).toEqual(table);
    }
  });

  it('error indices, including the four that moved since the devnet was first written', () => {
    expect(Object.fromEntries(pallet('SubtensorModule').errors.map((e) => [e.name, e.index]))).toEqual(SUBTENSOR_ERRORS);
    expect(Object.fromEntries(pallet('AdminUtils').errors.map((e) => [e.name, e.index]))).toEqual(ADMIN_UTILS_ERRORS);
    expect([SUBTENSOR_ERRORS['TxRateLimitExceeded'], SUBTENSOR_ERRORS['SubnetLimitReached'], SUBTENSOR_ERRORS['FirstEmissionBlockNumberAlreadySet'], SUBTENSOR_ERRORS['NeedWaitingMoreBlocksToStarCall']]).toEqual([64, 115, 88, 89]);
  });

  it("`extensions: 'subtensor'` declares spec 425's transaction extensions, in order (unchanged through spec 459)", () => {
    const rt = createRuntime({ allowLoopbackAxons: false, defaultTempo: 10, extensions: 'subtensor' });
    expect(rt.extrinsic.signedExtensions.map((e) => e.identifier)).toEqual(SPEC_425_TX_EXTENSIONS);
  });

  it('event indices', () => {
    expect(Object.fromEntries(pallet('SubtensorModule').events.map((e) => [e.name, e.index]))).toEqual(SUBTENSOR_EVENTS);
  });
});

describe('register_network at the limits', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openSession();
  });
  afterAll(() => s?.close());
  const TAO = 1_000_000_000n;

  it('refuses a coldkey that cannot pay the lock with CannotAffordLockCost', async () => {
    const poor = s.keyring.addFromUri('//Poor');
    expect((await send(s.api, s.api.tx.balances.transferKeepAlive(poor.address, 10n * TAO), s.keyring.addFromUri('//Alice'))).error).toBeUndefined();
    const r = await send(s.api, s.api.tx.subtensorModule.registerNetwork(s.keyring.addFromUri('//Poor//hot').address), poor);
    expect(r.error).toBe('subtensorModule.CannotAffordLockCost');
  });

  it('at SubnetLimit refuses while every subnet is immune, then prunes the cheapest and reuses its netuid', async () => {
    const alice = s.keyring.addFromUri('//Alice');
    const bob = s.keyring.addFromUri('//Bob');
    const sudo = async (call: Parameters<typeof s.api.tx.sudo.sudo>[0]) => expect(sudoResult(s.api, await send(s.api, s.api.tx.sudo.sudo(call), alice))).toBe('ok');
    const first = netuidFrom(await send(s.api, s.api.tx.subtensorModule.registerNetwork(s.keyring.addFromUri('//Alice//hot').address), alice));
    await send(s.api, s.api.tx.subtensorModule.startCall(first), alice);
    const bobHot = s.keyring.addFromUri('//Bob//hot');
    expect((await send(s.api, s.api.tx.subtensorModule.burnedRegister(first, bobHot.address), bob)).error).toBeUndefined();
    expect((await send(s.api, s.api.tx.subtensorModule.addStake(bobHot.address, first, 50n * TAO), bob)).error).toBeUndefined();
    await sudo(s.api.tx.adminUtils.sudoSetSubnetLimit(1));

    const immune = await send(s.api, s.api.tx.subtensorModule.registerNetwork(s.keyring.addFromUri('//Charlie//hot').address), s.keyring.addFromUri('//Charlie'));
    expect(immune.error).toBe('subtensorModule.SubnetLimitReached');

    await sudo(s.api.tx.adminUtils.sudoSetNetworkImmunityPeriod(0));
    const bobFree = async () => ((await s.api.query.system.account(bob.address)) as any).data.free.toBigInt() as bigint;
    const before = await bobFree();
    const r = await send(s.api, s.api.tx.subtensorModule.registerNetwork(s.keyring.addFromUri('//Charlie//hot').address), s.keyring.addFromUri('//Charlie'));
    expect(r.error).toBeUndefined();
    expect(r.events.find((e) => e.method === 'NetworkRemoved')?.data).toEqual([first]);
    expect(netuidFrom(r)).toBe(first);
    // Bob's alpha was paid out of the pool in TAO; his hotkey is gone from the subnet.
    expect((await bobFree()) - before).toBeGreaterThan(40n * TAO);
    expect((await s.api.query.subtensorModule.uids(first, bobHot.address)).toJSON()).toBeNull();
    expect((await s.api.query.subtensorModule.subnetOwner(first)).toString()).toBe(s.keyring.addFromUri('//Charlie').address);
    expect((await s.api.query.subtensorModule.subnetworkN(first)).toString()).toBe('1');
    expect((await s.api.query.subtensorModule.totalNetworks()).toString()).toBe('2');
  });
});
