/**
 * The miner's view of the challenge schedule (docs/protocol.md §12): which slot the chain is in and who
 * owns it, re-read at every block the metagraph source reports and at every challenge's arrival, and
 * how long a challenge's window may last before the slot it belongs to ends. Listeners hear of every
 * change of slot or owner: the device queue stops what runs out of slot, held results are released.
 */
import { BlockClock, challengeSlot, DEFAULT_SLOT_BLOCKS, slotAt, WINDOW_TOLERANCE_BLOCKS, type Slot } from '../shared/challenge/schedule.js';
import type { MetagraphSource } from './policy.js';

export interface SlotView {
  block: number;
  slot: Slot;
}

export interface WindowLimit {
  /** The slot the challenge belongs to; `own` when its sender owns it. */
  slot: Slot & { own: boolean };
  /** ms from `at` until that slot ends (with the protocol's tolerance); undefined while the block time is unknown. */
  ms?: number;
}

export class SlotWatch {
  /** Arrivals reported by the source's block subscription: the only ones that measure the block time. */
  private readonly clock = new BlockClock();
  private view: SlotView | undefined;
  private readonly listeners = new Set<(view: SlotView) => void>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly source: MetagraphSource,
    private readonly slotBlocks = DEFAULT_SLOT_BLOCKS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Follows the source's blocks, when it reports them as they arrive. */
  start(): void {
    this.unsubscribe ??= this.source.onBlock?.((block) => {
      this.clock.observe(block, this.now());
      this.refresh();
    });
    this.refresh();
  }

  close(): void {
    this.unsubscribe?.();
    this.listeners.clear();
  }

  /** Calls `listener` at every change of slot or owner; returns the unsubscribe. */
  onChange(listener: (view: SlotView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the block and the metagraph; tells the listeners when the slot or its owner changed. */
  refresh(): SlotView | undefined {
    const metagraph = this.source.current();
    if (!metagraph) return this.view;
    const block = Math.max(this.source.block?.() ?? metagraph.block, this.clock.last?.block ?? 0, this.view?.block ?? 0);
    const slot = slotAt(metagraph.neurons, block, this.slotBlocks);
    const previous = this.view;
    this.view = { block, slot };
    if (!previous || previous.slot.index !== slot.index || previous.slot.owner?.hotkey !== slot.owner?.hotkey) {
      for (const listener of this.listeners) listener(this.view);
    }
    return this.view;
  }

  /** The current view (undefined before the first metagraph). */
  current(): SlotView | undefined {
    return this.view ?? this.refresh();
  }

  /** How long a window from `sender`, arriving at `at`, may last (docs/protocol.md §12); re-reads the slot first. */
  windowLimit(sender: string, at: number): WindowLimit | undefined {
    const view = this.refresh();
    const metagraph = this.source.current();
    if (!view || !metagraph) return undefined;
    const slot = challengeSlot(metagraph.neurons, sender, view.block, this.slotBlocks);
    // The longest recent block: a burst of blocks must not make honest windows look too long.
    const msPerBlock = this.clock.msPerBlock('longest');
    const until = this.clock.msUntil(slot.endBlock, at, msPerBlock);
    return { slot, ...(until !== undefined ? { ms: until + WINDOW_TOLERANCE_BLOCKS * msPerBlock! } : {}) };
  }
}
