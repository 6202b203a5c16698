/**
 * Which drand round a weight commit is encrypted to: the round whose pulse the chain will have stored a
 * few blocks into the epoch in which it reveals the commit. Two schedules, as the Python SDK has them:
 *
 * - `revealRoundClassic`: bittensor-drand `generate_commit` (`get_encrypted_commit`), for runtimes whose
 *   epochs run when (block + netuid + 1) mod (tempo + 1) = 0.
 * - `revealRoundDynamic`: bittensor-core `generate_commit_v2` (`get_encrypted_commit_v2` with an
 *   `EpochScheduleState`), for runtimes with dynamic tempo (LastEpochBlock / SubnetEpochIndex /
 *   PendingEpochAt): it steps the chain's own epoch rule block by block to find the first reveal block.
 *
 * Both then aim at that block + SECURITY_BLOCK_OFFSET and convert its expected time to a round, rounding
 * down so the pulse is stored by then. `now` is a parameter (the SDKs read the system clock): flopnet
 * passes the chain's own clock (Timestamp.Now), so a validator's clock skew cannot move the round.
 */
import { QUICKNET_BEACON, type Beacon } from './beacon.js';

/** Blocks after the first reveal block at which the pulse should already be on chain. */
export const SECURITY_BLOCK_OFFSET = 3;
/** The commit lands in the block after the head the client read. */
export const COMMIT_INCLUSION_BLOCK_OFFSET = 1;
/** The largest tempo an owner may set; bounds the reveal simulation. */
export const MAX_TEMPO = 50_400;

type Schedule = Pick<Beacon, 'genesisTime' | 'period'>;

/** The round bittensor-drand targets for a block `blocksAhead` blocks after `now`. */
function roundForIngest(blocksAhead: number, blockTime: number, now: number, beacon: Schedule): number {
  const target = now + Math.max(0, blocksAhead) * blockTime;
  return Math.max(1, Math.floor((target - beacon.genesisTime) / beacon.period));
}

export interface ClassicRevealInput {
  tempo: number;
  currentBlock: number;
  /** The storage index (mechanism × 4096 + netuid); the netuid for mechanism 0. */
  netuid: number;
  revealPeriodEpochs: number;
  /** Seconds per block (12 on finney). */
  blockTime: number;
  /** Unix seconds. */
  now: number;
  beacon?: Schedule;
}

/** bittensor-drand's first block of the reveal epoch under the classic (tempo + 1) schedule. */
export function classicFirstRevealBlock(input: Pick<ClassicRevealInput, 'tempo' | 'currentBlock' | 'netuid' | 'revealPeriodEpochs'>): number {
  const tempoPlusOne = input.tempo + 1;
  const netuidPlusOne = input.netuid + 1;
  const currentEpoch = Math.floor((input.currentBlock + netuidPlusOne) / tempoPlusOne);
  return Math.max(0, (currentEpoch + input.revealPeriodEpochs) * tempoPlusOne - netuidPlusOne);
}

export function revealRoundClassic(input: ClassicRevealInput): number {
  const target = classicFirstRevealBlock(input) + SECURITY_BLOCK_OFFSET;
  return roundForIngest(target - input.currentBlock, input.blockTime, input.now, input.beacon ?? QUICKNET_BEACON);
}

/** A subnet's epoch schedule at the head block, as the SDK reads it from storage (bittensor-core `EpochScheduleState`). */
export interface EpochScheduleState {
  lastEpochBlock: number;
  /** PendingEpochAt (an owner-triggered epoch); 0 when none. */
  pendingEpochAt: number;
  subnetEpochIndex: number;
  tempo: number;
  blocksSinceLastStep: number;
  currentBlock: number;
}

export class EpochScheduleError extends Error {
  override name = 'EpochScheduleError';
}

/** subtensor `should_run_epoch` (run_coinbase.rs) for the state before `block`. */
export function shouldRunEpoch(state: EpochScheduleState, block: number): boolean {
  if (state.tempo === 0) return false;
  if (state.pendingEpochAt > 0 && block >= state.pendingEpochAt) return true;
  if (state.blocksSinceLastStep > MAX_TEMPO) return true;
  return Math.max(0, block - state.lastEpochBlock) >= state.tempo;
}

/** The epoch a commit or reveal at `block` belongs to (`current_epoch_with_lookahead`). */
export function epochWithLookahead(state: EpochScheduleState, block: number): number {
  return state.subnetEpochIndex + (shouldRunEpoch(state, block) ? 1 : 0);
}

/** The effect of `run_coinbase` at `block` on the schedule (without MaxEpochsPerBlock deferral). */
export function stepSchedule(state: EpochScheduleState, block: number): EpochScheduleState {
  const next = { ...state, blocksSinceLastStep: state.blocksSinceLastStep + 1, currentBlock: block };
  if (!shouldRunEpoch(next, block)) return next;
  return { ...next, lastEpochBlock: block, pendingEpochAt: 0, subnetEpochIndex: next.subnetEpochIndex + 1, blocksSinceLastStep: 0 };
}

/** The epoch a commit submitted against `head` is keyed under (it lands in head + 1). */
export function commitEpoch(head: EpochScheduleState): number {
  return epochWithLookahead(head, head.currentBlock + COMMIT_INCLUSION_BLOCK_OFFSET);
}

/**
 * bittensor-core `predict_first_reveal_block`: the first block whose reveal step (which runs before
 * run_coinbase) sees epoch commit_epoch + revealPeriodEpochs.
 */
export function predictFirstRevealBlock(head: EpochScheduleState, revealPeriodEpochs: number): number {
  if (head.tempo === 0) throw new EpochScheduleError('tempo is zero; the subnet runs no epochs');
  const extrinsicBlock = head.currentBlock + COMMIT_INCLUSION_BLOCK_OFFSET;
  const target = commitEpoch(head) + revealPeriodEpochs;
  const budget = revealPeriodEpochs * MAX_TEMPO + MAX_TEMPO;
  let state = head;
  for (let block = extrinsicBlock; block <= extrinsicBlock + budget; block++) {
    if (epochWithLookahead(state, block) === target) return block;
    state = stepSchedule(state, block);
  }
  throw new EpochScheduleError('the reveal block simulation exceeded its budget');
}

export interface DynamicRevealInput {
  state: EpochScheduleState;
  revealPeriodEpochs: number;
  blockTime: number;
  now: number;
  beacon?: Schedule;
}

export function revealRoundDynamic(input: DynamicRevealInput): number {
  const target = predictFirstRevealBlock(input.state, input.revealPeriodEpochs) + SECURITY_BLOCK_OFFSET;
  return roundForIngest(target - input.state.currentBlock, input.blockTime, input.now, input.beacon ?? QUICKNET_BEACON);
}
