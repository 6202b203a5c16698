/**
 * When a validator runs its rounds (docs/protocol.md, slot schedule): only in its own slots of the
 * block clock, once per slot, so two validators never challenge the same miner at once and a miner's
 * measured throughput does not depend on how many validators there are. Pure.
 */
import type { Metagraph } from '../shared/chain/types.js';
import { nextSlotOf, slotAt, type Slot } from '../shared/challenge/schedule.js';

export type RoundPlan =
  | { run: true; slot: Slot }
  | { run: false; reason: string; /** First block worth checking again. */ nextBlock?: number };

export interface PlanInput {
  metagraph: Metagraph;
  /** The validator's hotkey. */
  hotkey: string;
  block: number;
  slotBlocks: number;
  /** Index of the slot the last round ran in (undefined before the first). */
  lastSlot: number | undefined;
}

export function planRound({ metagraph, hotkey, block, slotBlocks, lastSlot }: PlanInput): RoundPlan {
  const self = metagraph.neurons.find((n) => n.hotkey === hotkey);
  if (!self) return { run: false, reason: `hotkey ${hotkey} is not registered on subnet ${metagraph.netuid}` };
  if (!self.validatorPermit) {
    return { run: false, reason: `uid ${self.uid} has no validator permit yet (permits go to the top stakes at each epoch)` };
  }
  const slot = slotAt(metagraph.neurons, block, slotBlocks);
  if (slot.owner?.hotkey === hotkey && slot.index !== lastSlot) return { run: true, slot };
  const next = nextSlotOf(metagraph.neurons, hotkey, slot.owner?.hotkey === hotkey ? slot.endBlock : block, slotBlocks);
  return {
    run: false,
    reason: slot.owner?.hotkey === hotkey ? `this slot's round is done` : `slot ${slot.index} belongs to uid ${slot.owner?.uid}`,
    ...(next ? { nextBlock: next.startBlock } : {}),
  };
}
