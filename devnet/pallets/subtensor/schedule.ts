/**
 * A subnet's epoch schedule read from storage. The rules themselves are the pure coinbase's
 * (devnet/runtime/emission.ts); this module only maps storage to its SubnetEmissionState and back, and
 * answers the schedule questions calls ask (is an epoch due, which epoch a commit belongs to, is the
 * admin freeze window on).
 */
import type { State, StateReader } from '../../runtime/storage.js';
import { blocksUntilNextEpoch, isEpochDue, type SubnetEmissionState } from '../../runtime/emission.js';
import type { SubtensorStorage } from './storage.js';

export function readEmissionState(s: SubtensorStorage, st: StateReader, netuid: number): SubnetEmissionState {
  const first = s.FirstEmissionBlockNumber.get(st, netuid);
  return {
    tempo: s.Tempo.get(st, netuid),
    lastEpochBlock: Number(s.LastEpochBlock.get(st, netuid)),
    pendingEpochAt: Number(s.PendingEpochAt.get(st, netuid)),
    subnetEpochIndex: Number(s.SubnetEpochIndex.get(st, netuid)),
    blocksSinceLastStep: Number(s.BlocksSinceLastStep.get(st, netuid)),
    lastMechanismStepBlock: Number(s.LastMechansimStepBlock.get(st, netuid)),
    pendingServerEmission: s.PendingServerEmission.get(st, netuid),
    pendingValidatorEmission: s.PendingValidatorEmission.get(st, netuid),
    pendingOwnerCut: s.PendingOwnerCut.get(st, netuid),
    firstEmissionBlockNumber: first === null ? null : Number(first),
    subtokenEnabled: s.SubtokenEnabled.get(st, netuid),
    networkRegistrationAllowed: s.NetworkRegistrationAllowed.get(st, netuid),
    ownerCutEnabled: s.OwnerCutEnabled.get(st, netuid),
  };
}

export function writeEmissionState(s: SubtensorStorage, st: State, netuid: number, e: SubnetEmissionState): void {
  s.LastEpochBlock.set(st, netuid, BigInt(e.lastEpochBlock));
  s.PendingEpochAt.set(st, netuid, BigInt(e.pendingEpochAt));
  s.SubnetEpochIndex.set(st, netuid, BigInt(e.subnetEpochIndex));
  s.BlocksSinceLastStep.set(st, netuid, BigInt(e.blocksSinceLastStep));
  s.LastMechansimStepBlock.set(st, netuid, BigInt(e.lastMechanismStepBlock));
  s.PendingServerEmission.set(st, netuid, e.pendingServerEmission);
  s.PendingValidatorEmission.set(st, netuid, e.pendingValidatorEmission);
  s.PendingOwnerCut.set(st, netuid, e.pendingOwnerCut);
}

/** Whether the subnet's epoch runs at `block` (as the coinbase will decide it from the stored schedule). */
export function epochDueAt(s: SubtensorStorage, st: StateReader, netuid: number, block: bigint): boolean {
  return isEpochDue(readEmissionState(s, st, netuid), Number(block));
}

/** `get_current_epoch_index_with_lookahead`: the epoch a commit made at `block` belongs to. */
export function currentEpochWithLookahead(s: SubtensorStorage, st: StateReader, netuid: number, block: bigint): bigint {
  return s.SubnetEpochIndex.get(st, netuid) + (epochDueAt(s, st, netuid, block) ? 1n : 0n);
}

/** `is_in_admin_freeze_window`: a trigger is pending, or fewer than AdminFreezeWindow blocks remain before the epoch. */
export function inAdminFreezeWindow(s: SubtensorStorage, st: StateReader, netuid: number, block: bigint): boolean {
  const state = readEmissionState(s, st, netuid);
  if (state.tempo === 0) return false;
  if (state.pendingEpochAt > 0 && state.pendingEpochAt > Number(block)) return true;
  return blocksUntilNextEpoch(state, Number(block)) < s.AdminFreezeWindow.get(st);
}

/** `get_next_epoch_start_block`: the automatic slot, or an earlier pending trigger; null when tempo is 0. */
export function nextEpochStartBlock(s: SubtensorStorage, st: StateReader, netuid: number): bigint | null {
  const state = readEmissionState(s, st, netuid);
  if (state.tempo === 0) return null;
  const auto = state.lastEpochBlock + state.tempo;
  return BigInt(state.pendingEpochAt > 0 && state.pendingEpochAt < auto ? state.pendingEpochAt : auto);
}
