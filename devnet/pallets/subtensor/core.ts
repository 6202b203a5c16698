/**
 * What every module of the SubtensorModule pallet shares: the pallet description (calls, events and
 * errors are added to it), its types, typed storage and error throwers, the Balances pallet it pays
 * through, and the devnet's options. Modules take this as their first argument.
 */
import { DispatchFailure, type DispatchContext, type Pallet } from '../../runtime/pallet.js';
import type { BalancesPallet } from '../balances.js';
import type { SubtensorErrors } from './errors.js';
import type { SubtensorStorage } from './storage.js';
import type { SubtensorTypes } from './types.js';

/**
 * Which subtensor runtime the devnet imitates where runtimes differ in ways clients must handle (all
 * taken from runtimes run under chopsticks, shared/research/subtensor.md §8). Default: spec 425.
 */
export interface RuntimeVariant {
  /** The spec version reported (default 425). */
  specVersion: number;
  /** `port-ip`: AxonInfo declares port before ip, as spec 200's metadata does (default `ip-port`). */
  axonFieldOrder: 'ip-port' | 'port-ip';
  /**
   * `unsalted`: the first commit-reveal (spec 185 era): `reveal_weights(netuid, uids, values, version_key)`,
   * the hash taken without a salt (default `salted`, CR v2).
   */
  commitReveal: 'salted' | 'unsalted';
  /** false: no NeuronInfo/SubnetInfo/SubnetRegistration runtime APIs, so clients read storage. */
  subtensorApis: boolean;
  /**
   * Where the subnet owner sets tempo and the activity-cutoff factor: `subtensor-module` (spec 404–430:
   * SubtensorModule.set_tempo 139 / set_activity_cutoff_factor 140) or `admin-utils` (spec ≥ 431:
   * AdminUtils.sudo_set_tempo 30 becomes owner-callable, sudo_set_activity_cutoff_factor 97 is added, and
   * the SubtensorModule calls are no-ops that still charge a fee).
   */
  ownerTempo: 'subtensor-module' | 'admin-utils';
  /**
   * Miner registration collateral (spec ≥ 435, `subnets/collateral.rs`): `CollateralLockShare` p of the
   * burn is staked to the new hotkey and locked (`MinerCollateral`), the rest burned; the owner sets p
   * with AdminUtils.sudo_set_collateral_lock_share (98).
   */
  collateral: boolean;
}

export const SPEC_425: RuntimeVariant = { specVersion: 425, axonFieldOrder: 'ip-port', commitReveal: 'salted', subtensorApis: true, ownerTempo: 'subtensor-module', collateral: false };

export interface SubtensorOptions {
  /** Accept 127.0.0.1 / ::1 axons (subtensor rejects them with InvalidIpAddress). */
  allowLoopbackAxons: boolean;
  /** Tempo given to new subnets (subtensor: 360, fast-runtime localnet: 10). */
  defaultTempo: number;
  /** Differences from spec 425 (default none). */
  variant?: Partial<RuntimeVariant>;
}

export interface SubtensorCore {
  pallet: Pallet;
  variant: RuntimeVariant;
  types: SubtensorTypes;
  storage: SubtensorStorage;
  errors: SubtensorErrors;
  balances: BalancesPallet;
  options: SubtensorOptions;
}

/** The signer of a signed call, or BadOrigin. */
export function signed(ctx: DispatchContext): Uint8Array {
  if (ctx.origin.kind !== 'signed') throw DispatchFailure.badOrigin();
  return ctx.origin.who;
}

/** Subtensor keeps block numbers as u64. */
export function now(ctx: { block: number }): bigint {
  return BigInt(ctx.block);
}

export function clamp(v: bigint, lo: bigint, hi: bigint): bigint {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Argument specs shared by many calls. */
export function commonArgs(core: SubtensorCore) {
  const { u16, accountId } = core.types;
  return {
    netuid: ['netuid', u16, 'NetUid'] as [string, number, string],
    hotkey: ['hotkey', accountId, 'T::AccountId'] as [string, number, string],
  };
}
