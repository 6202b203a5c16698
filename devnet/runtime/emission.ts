/**
 * A subnet's coinbase as subtensor runs it at HEAD (`coinbase/run_coinbase.rs`, `block_step.rs`), pure:
 * the per-block alpha emission into the pending accumulators, the epoch schedule, the drain into an epoch,
 * and the distribution of the epoch's result into stake credits. The devnet's block step owns the storage
 * and calls these in order: {@link blockStep}, then (when an epoch runs) `epoch()` from shared/math/yuma.ts,
 * then {@link distribute}.
 *
 * Simplified as shared/research/subtensor.md §6.4 allows: no pools or prices (root proportion 0, so no
 * root dividends and no chain buys), no child keys, one mechanism. Also not modelled: AutoStakeDestination
 * (miners' emission always goes to their own hotkey), RecycleOrBurn (recycled and burned alike are
 * reported as `burned`), MinerBurned, miner collateral and owner-cut locks, conviction owner changes.
 */
import { ONE, ZERO, div, fromInt, mul, toUint } from '../../shared/math/fixed.js';
import type { YumaOutput } from '../../shared/math/yuma.js';

/** `SubnetOwnerCut` default: 11796/65535 ≈ 18 % of each block's alpha goes to the subnet owner. */
export const SUBNET_OWNER_CUT = 11_796;
/** An epoch is forced when `BlocksSinceLastStep` exceeds this, whatever the tempo. */
export const MAX_BLOCKS_SINCE_LAST_STEP = 50_400;
/** `Delegates` default take, u16 (18 %). */
export const DEFAULT_DELEGATE_TAKE = 11_796;
/** `DefaultBlockEmission`: 1 TAO (or 1 alpha) per block, in rao. */
export const DEFAULT_BLOCK_EMISSION = 1_000_000_000n;
/** `TotalSupply`: 21 M, in rao. */
export const TOTAL_SUPPLY = 21_000_000_000_000_000n;

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

/**
 * The coinbase state `init_new_network` gives a subnet registered at block `now`: its first epoch falls
 * at `now − (netuid mod tempo) + tempo`, which staggers subnets with the same tempo. Emission waits for
 * `start_call` (set `firstEmissionBlockNumber` and `subtokenEnabled`).
 */
export function newSubnetEmissionState(netuid: number, tempo: number, now: number): SubnetEmissionState {
  return {
    tempo,
    lastEpochBlock: tempo === 0 ? now : Math.max(0, now - (netuid % tempo)),
    pendingEpochAt: 0,
    subnetEpochIndex: 0,
    blocksSinceLastStep: 0,
    lastMechanismStepBlock: 0,
    pendingServerEmission: 0n,
    pendingValidatorEmission: 0n,
    pendingOwnerCut: 0n,
    firstEmissionBlockNumber: null,
    subtokenEnabled: false,
    networkRegistrationAllowed: true,
    ownerCutEnabled: true,
  };
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
  /**
   * False when the subnet's `Keys` hold a duplicated hotkey: the epoch is then skipped (event
   * `EpochSkipped`), the schedule still advances and the pending emission carries over. Default true.
   */
  inputConsistent?: boolean;
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
  /** The epoch was due but skipped (inconsistent input); the schedule advanced. */
  epochSkipped: boolean;
  /** Set when epochDue. */
  drained?: DrainedEmission;
}

/**
 * Block emission for an issuance (rao), `get_block_emission_for_issuance`: 1e9 × 2^−⌊log2(S/(S − issuance))⌋
 * with S = 21e15, so it halves each time issuance passes S × (1 − 2^−k), and is 0 at S. Applied to a
 * subnet's alpha issuance it gives the subnet's alpha per block. Exact integer form of the chain's
 * fixed-point log2 (which could differ only at issuance within a few rao of a halving point).
 */
export function blockEmission(issuance: bigint): bigint {
  if (issuance >= TOTAL_SUPPLY) return 0n;
  // ⌊log2(S / (S − issuance))⌋ = the largest k with (S − issuance) × 2^k ≤ S.
  let k = 0n;
  while ((TOTAL_SUPPLY - issuance) << (k + 1n) <= TOTAL_SUPPLY) k += 1n;
  return DEFAULT_BLOCK_EMISSION >> k;
}

/** Whether a subnet receives coinbase emission this block (start_call done, registration allowed). */
export function isEmitting(state: SubnetEmissionState): boolean {
  return state.firstEmissionBlockNumber !== null && state.subtokenEnabled && state.networkRegistrationAllowed;
}

/**
 * Whether the subnet's epoch is due at `now` (`should_run_epoch` at HEAD): tempo ≠ 0 and a pending
 * trigger has come, or `BlocksSinceLastStep` (already counting this block) exceeds 50 400, or
 * `now − LastEpochBlock ≥ Tempo`.
 */
export function isEpochDue(state: SubnetEmissionState, now: number): boolean {
  if (state.tempo === 0) return false;
  return (
    (state.pendingEpochAt > 0 && now >= state.pendingEpochAt) ||
    state.blocksSinceLastStep > MAX_BLOCKS_SINCE_LAST_STEP ||
    Math.max(0, now - state.lastEpochBlock) >= state.tempo
  );
}

/** Blocks until the next automatic epoch (`blocks_until_next_auto_epoch`); Infinity when tempo is 0. */
export function blocksUntilNextEpoch(state: SubnetEmissionState, now: number): number {
  if (state.tempo === 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, state.lastEpochBlock + state.tempo - now);
}

/**
 * One block of the subnet's coinbase (for a non-root subnet, in block `now`): accumulate this block's
 * alpha (owner cut, then 50/50 server/validator), then the drain check. When the epoch is due the pending
 * amounts are taken and the schedule advances (`LastEpochBlock = now`, `SubnetEpochIndex += 1`,
 * `LastMechansimStepBlock = now`). Pure: returns a new state.
 */
export function blockStep(state: SubnetEmissionState, now: number, options: BlockStepOptions = {}): BlockStepResult {
  const next: SubnetEmissionState = { ...state };
  let alphaOutEmission = 0n;
  if (isEmitting(state)) {
    alphaOutEmission = blockEmission(options.alphaIssuance ?? 0n);
    // U96F32 throughout, floored to rao only when added to a pending amount.
    let alphaOut = fromInt(alphaOutEmission);
    if (state.ownerCutEnabled) {
      const cut = mul(alphaOut, div(fromInt(options.subnetOwnerCut ?? SUBNET_OWNER_CUT), fromInt(65_535)));
      alphaOut -= cut;
      next.pendingOwnerCut += toUint(cut);
    }
    // No root stake on this chain, so the root proportion is 0 and validators keep their whole half.
    const server = mul(alphaOut, ONE / 2n);
    next.pendingServerEmission += toUint(server);
    next.pendingValidatorEmission += toUint(alphaOut - server);
  }

  next.blocksSinceLastStep += 1;
  const result = { state: next, alphaOutEmission, epochDue: false, epochDeferred: false, epochSkipped: false };
  if (!isEpochDue(next, now)) return result;
  if (options.epochAllowed === false) {
    next.pendingEpochAt = now + 1;
    return { ...result, epochDeferred: true };
  }
  let drained: DrainedEmission | undefined;
  if (options.inputConsistent !== false) {
    drained = {
      pendingServerEmission: next.pendingServerEmission,
      pendingValidatorEmission: next.pendingValidatorEmission,
      pendingOwnerCut: next.pendingOwnerCut,
      raoEmission: next.pendingServerEmission + next.pendingValidatorEmission,
      lastMechanismStepBlock: next.lastMechanismStepBlock,
    };
    next.blocksSinceLastStep = 0;
    next.pendingServerEmission = 0n;
    next.pendingValidatorEmission = 0n;
    next.pendingOwnerCut = 0n;
    next.lastMechanismStepBlock = now;
  }
  // The slot is consumed whether the epoch ran or was skipped.
  next.lastEpochBlock = now;
  next.pendingEpochAt = 0;
  next.subnetEpochIndex += 1;
  return drained ? { ...result, epochDue: true, drained } : { ...result, epochSkipped: true };
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
  /** `AlphaDividendsPerSubnet[netuid][hotkey]` to store: the nominators' part (after the take). */
  alphaDividends: HotkeyCredit[];
  /** Alpha that reaches nobody, rao: owner-owned hotkeys' incentive, and the owner cut when no owner hotkey. */
  burned: bigint;
}

/** Turns an epoch's per-uid emission into stake credits and burns (`distribute_emission` at HEAD). */
export function distribute(input: DistributionInput): Distribution {
  const { neurons, epoch, drained, subnetOwner, subnetOwnerHotkey } = input;
  const result: Distribution = { stakeCredits: [], hotkeyCredits: [], alphaDividends: [], burned: 0n };

  if (subnetOwnerHotkey !== null) {
    if (drained.pendingOwnerCut > 0n) {
      result.stakeCredits.push({
        hotkey: subnetOwnerHotkey,
        coldkey: subnetOwner,
        amount: drained.pendingOwnerCut,
        reason: 'owner-cut',
      });
    }
  } else {
    result.burned += drained.pendingOwnerCut;
  }

  // Miners: the owner's own hotkeys earn no incentive (it is burned), so owners cannot self-reward.
  const ownerHotkeys = new Set(neurons.filter((nr) => nr.coldkey === subnetOwner).map((nr) => nr.hotkey));
  if (subnetOwnerHotkey !== null && neurons.some((nr) => nr.hotkey === subnetOwnerHotkey)) {
    ownerHotkeys.add(subnetOwnerHotkey);
  }
  let incentiveSum = 0n;
  neurons.forEach((nr, uid) => {
    const amount = epoch.serverEmission[uid] ?? 0n;
    if (amount === 0n) return;
    incentiveSum += amount;
    if (ownerHotkeys.has(nr.hotkey)) result.burned += amount;
    else result.stakeCredits.push({ hotkey: nr.hotkey, coldkey: nr.coldkey, amount, reason: 'incentive' });
  });

  // Validators share the pending validator alpha by their epoch dividends (all of it when no miner earned).
  const validatorAlpha = fromInt(
    incentiveSum === 0n
      ? drained.pendingValidatorEmission + drained.pendingServerEmission
      : drained.pendingValidatorEmission,
  );
  const dividendTotal = fromInt(epoch.validatorEmission.reduce((a, b) => a + b, 0n));
  neurons.forEach((nr, uid) => {
    const share = div(fromInt(epoch.validatorEmission[uid] ?? 0n), dividendTotal);
    const dividend = mul(validatorAlpha, share);
    if (dividend === ZERO) return;
    const take = mul(div(fromInt(nr.take ?? DEFAULT_DELEGATE_TAKE), fromInt(65_535)), dividend);
    const takeRao = toUint(take);
    if (takeRao > 0n) {
      result.stakeCredits.push({ hotkey: nr.hotkey, coldkey: nr.coldkey, amount: takeRao, reason: 'validator-take' });
    }
    const nominators = toUint(dividend - take);
    if (nominators > 0n) {
      result.hotkeyCredits.push({ hotkey: nr.hotkey, amount: nominators });
      result.alphaDividends.push({ hotkey: nr.hotkey, amount: nominators });
    }
  });
  return result;
}
