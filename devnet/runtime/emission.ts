/**
 * A subnet's coinbase as subtensor runs it at HEAD (`coinbase/run_coinbase.rs`, `block_step.rs`), pure:
 * the per-block alpha emission into the pending accumulators, the epoch schedule, the drain into an epoch,
 * and the distribution of the epoch's result into stake credits. The devnet's block step owns the storage
 * and calls these in order: {@link blockStep}, then (when an epoch runs) `epoch()` from shared/math/yuma.ts,
 * then {@link distribute}.
 *
 * Simplified as shared/research/subtensor.md §6.4 allows: no pools or prices (root proportion 0, so no
 * root dividends), no child keys, one mechanism.
 */
import type { YumaOutput } from '../../shared/math/yuma.js';

/** `SubnetOwnerCut` default: 11796/65535 ≈ 18 % of each block's alpha goes to the subnet owner. */
export const SUBNET_OWNER_CUT = 11_796;
/** An epoch is forced when `BlocksSinceLastStep` exceeds this, whatever the tempo. */
export const MAX_BLOCKS_SINCE_LAST_STEP = 50_400;
/** `Delegates` default take, u16 (18 %). */
export const DEFAULT_DELEGATE_TAKE = 11_796;

/** One subnet's coinbase state, named after its subtensor storage items. Blocks are numbers, alpha is rao. */
export interface SubnetEmissionState {
  /** `Tempo`; 0 disables epochs. */
  tempo: number;
  /** `LastEpochBlock`. */
  lastEpochBlock: number;
  /** `PendingEpochAt`: a deferred or manually triggered epoch; 0 when none. */
  pendingEpochAt: number;
  /** `SubnetEpochIndex`: epochs run (or skipped) so far. */
  subnetEpochIndex: number;
  /** `BlocksSinceLastStep`. */
  blocksSinceLastStep: number;
  /** `LastMechansimStepBlock` (sic): block of the last epoch's distribution. */
  lastMechanismStepBlock: number;
  /** `PendingServerEmission`, rao. */
  pendingServerEmission: bigint;
  /** `PendingValidatorEmission`, rao. */
  pendingValidatorEmission: bigint;
  /** `PendingOwnerCut`, rao. */
  pendingOwnerCut: bigint;
  /** `FirstEmissionBlockNumber`: set by start_call; null before, and the subnet gets no emission. */
  firstEmissionBlockNumber: number | null;
  /** `SubtokenEnabled`: set by start_call. */
  subtokenEnabled: boolean;
  /** `NetworkRegistrationAllowed`. */
  networkRegistrationAllowed: boolean;
  /** `OwnerCutEnabled`. */
  ownerCutEnabled: boolean;
}

export interface BlockStepOptions {
  /** Alpha issuance of the subnet (`SubnetAlphaIn + SubnetAlphaOut`), rao; drives halving. Default 0. */
  alphaIssuance?: bigint;
  /** `SubnetOwnerCut`, u16. Default {@link SUBNET_OWNER_CUT}. */
  subnetOwnerCut?: number;
  /**
   * False when this block already ran `MaxEpochsPerBlock` epochs: a due epoch is then deferred to the next
   * block (`PendingEpochAt = now + 1`, event `EpochDeferred`). Default true.
   */
  epochAllowed?: boolean;
}

/** The pending emission drained into an epoch. */
export interface DrainedEmission {
  /** `PendingServerEmission` taken. */
  pendingServerEmission: bigint;
  /** `PendingValidatorEmission` taken. */
  pendingValidatorEmission: bigint;
  /** `PendingOwnerCut` taken. */
  pendingOwnerCut: bigint;
  /** What the epoch distributes (`rao_emission`): server + validator; the owner cut is paid apart. */
  raoEmission: bigint;
  /** `LastMechansimStepBlock` before this epoch, for YumaInput.lastMechanismStepBlock. */
  lastMechanismStepBlock: number;
}

export interface BlockStepResult {
  state: SubnetEmissionState;
  /** Alpha minted to participants this block (`SubnetAlphaOutEmission`), rao; 0 when not emitting. */
  alphaOutEmission: bigint;
  /** An epoch runs in this block: call `epoch()` with `drained.raoEmission`, then {@link distribute}. */
  epochDue: boolean;
  /** The epoch was due but deferred by the per-block cap. */
  epochDeferred: boolean;
  /** Set when epochDue. */
  drained?: DrainedEmission;
}

/** Block emission for a given issuance (rao): 1e9 halving as issuance passes 10.5e15, 21e15 × (1 − 2^−k). */
export function blockEmission(issuance: bigint): bigint {
  void issuance;
  throw new Error('not implemented');
}

/** Whether a subnet receives coinbase emission this block (start_call done, registration allowed). */
export function isEmitting(state: SubnetEmissionState): boolean {
  void state;
  throw new Error('not implemented');
}

/** Whether the subnet's epoch is due at `now` (`should_run_epoch` at HEAD), before BlocksSinceLastStep += 1. */
export function isEpochDue(state: SubnetEmissionState, now: number): boolean {
  void state;
  void now;
  throw new Error('not implemented');
}

/** Blocks until the next automatic epoch (`blocks_until_next_auto_epoch`). */
export function blocksUntilNextEpoch(state: SubnetEmissionState, now: number): number {
  void state;
  void now;
  throw new Error('not implemented');
}

/**
 * One block of the subnet's coinbase (for a non-root subnet, in block `now`): accumulate this block's
 * alpha (owner cut, then 50/50 server/validator), then the drain check. When the epoch is due the pending
 * amounts are taken and the schedule advances (`LastEpochBlock = now`, `SubnetEpochIndex += 1`,
 * `LastMechansimStepBlock = now`). Pure: returns a new state.
 */
export function blockStep(state: SubnetEmissionState, now: number, options: BlockStepOptions = {}): BlockStepResult {
  void state;
  void now;
  void options;
  throw new Error('not implemented');
}

/** Who a uid is, for distribution. */
export interface DistributionNeuron {
  /** `Keys[netuid][uid]`, any stable account id (ss58 or hex). */
  hotkey: string;
  /** `Owner[hotkey]`: the coldkey that owns the hotkey. */
  coldkey: string;
  /** `Delegates[hotkey]` take, u16; default {@link DEFAULT_DELEGATE_TAKE}. */
  take?: number;
}

export interface DistributionInput {
  /** Per uid. */
  neurons: readonly DistributionNeuron[];
  /** The epoch's result for this subnet. */
  epoch: Pick<YumaOutput, 'serverEmission' | 'validatorEmission'>;
  drained: DrainedEmission;
  /** `SubnetOwner` coldkey. */
  subnetOwner: string;
  /** `SubnetOwnerHotkey`, or null when unset. */
  subnetOwnerHotkey: string | null;
}

/** New stake for one (hotkey, coldkey): credited as that coldkey's own shares. */
export interface StakeCredit {
  hotkey: string;
  coldkey: string;
  amount: bigint;
  reason: 'incentive' | 'validator-take' | 'owner-cut';
}

/** Alpha added to a hotkey's pool (`TotalHotkeyAlpha`) without new shares: every staker gains pro rata. */
export interface HotkeyCredit {
  hotkey: string;
  amount: bigint;
}

export interface Distribution {
  stakeCredits: StakeCredit[];
  hotkeyCredits: HotkeyCredit[];
  /** `AlphaDividendsPerSubnet[netuid][hotkey]` to store (whole dividend, before take). */
  alphaDividends: HotkeyCredit[];
  /** Incentive of owner-owned hotkeys, burned (recycled), rao. */
  burned: bigint;
}

/** Turns an epoch's per-uid emission into stake credits and burns (`distribute_emission` at HEAD). */
export function distribute(input: DistributionInput): Distribution {
  void input;
  throw new Error('not implemented');
}
