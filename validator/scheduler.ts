/**
 * When a validator runs its rounds (docs/protocol.md §12, slot schedule): only in its own slots of the
 * block clock, once per slot, and only when the whole round (probes, window, openings: round.ts
 * roundBudgetMs) fits before the slot ends, so two validators never challenge the same miner at once,
 * a miner's measured throughput does not depend on how many validators there are, and a miner that
 * stops everything at the slot's end never cuts this validator's round short. Pure.
 */
import type { Metagraph } from '../shared/chain/types.js';
import { nextSlotOf, slotAt, type Slot } from '../shared/challenge/schedule.js';

/** Why no round runs now: `no_room` (this slot cannot hold a round) is worth an operator's attention. */
export type WaitCause = 'unregistered' | 'no_permit' | 'other_slot' | 'done' | 'measuring' | 'no_room';

export type RoundPlan =
  | { run: true; slot: Slot }
  | { run: false; cause: WaitCause; reason: string; /** First block worth checking again. */ nextBlock?: number; slot?: Slot };

export interface PlanInput {
  metagraph: Metagraph;
  /** The validator's hotkey. */
  hotkey: string;
  block: number;
  slotBlocks: number;
  /** Index of the slot the last round ran in (undefined before the first). */
  lastSlot: number | undefined;
  /** The longest a round takes, ms (round.ts roundBudgetMs). */
  budgetMs: number;
  /** Estimated ms from now until `block` arrives; undefined while the block time is unknown. */
  msUntil: (block: number) => number | undefined;
}

export function planRound({ metagraph, hotkey, block, slotBlocks, lastSlot, budgetMs, msUntil }: PlanInput): RoundPlan {
  const self = metagraph.neurons.find((n) => n.hotkey === hotkey);
  if (!self) return { run: false, cause: 'unregistered', reason: `hotkey ${hotkey} is not registered on subnet ${metagraph.netuid}` };
  if (!self.validatorPermit) {
    return { run: false, cause: 'no_permit', reason: `uid ${self.uid} has no validator permit yet (permits go to the top stakes at each epoch)` };
  }
  const slot = slotAt(metagraph.neurons, block, slotBlocks);
  const own = slot.owner?.hotkey === hotkey;
  const next = nextSlotOf(metagraph.neurons, hotkey, own ? slot.endBlock : block, slotBlocks);
  const wait = (cause: WaitCause, reason: string) => ({ run: false as const, cause, reason, slot, ...(next ? { nextBlock: next.startBlock } : {}) });
  if (!own) return wait('other_slot', `slot ${slot.index} belongs to uid ${slot.owner?.uid}`);
  if (slot.index === lastSlot) return wait('done', `this slot's round is done`);
  const left = msUntil(slot.endBlock);
  if (left === undefined) return { ...wait('measuring', 'measuring the block time before the first round'), nextBlock: block + 1 };
  if (left < budgetMs) {
    return wait('no_room', `slot ${slot.index} has ${(Math.max(0, left) / 1000).toFixed(1)} s left; a round may take ${(budgetMs / 1000).toFixed(1)} s (probes, window, openings)`);
  }
  return { run: true, slot };
}
