/**
 * Who may challenge a miner when (docs/protocol.md §12). The block clock is cut into slots of `slotBlocks`
 * blocks; slot s belongs to the (s mod V)-th slot holder (isSlotHolder) in uid order, the same for everyone who
 * reads the same metagraph. A validator challenges only in its own slots, so a miner serves one validator at
 * a time and its measured throughput does not depend on how many validators there are.
 *
 * The miner's side (orderQueue) runs one challenge per device at a time: the slot owner first, then the rest
 * first come, first served; when more wait than it can hold, the lowest-stake senders are turned away,
 * and a validator outside its slot is never penalised for that. Both sides turn blocks into time with a
 * BlockClock: a validator to start only rounds that fit in its slot, a miner to refuse windows that do not.
 */

export interface ScheduleValidator {
  uid: number;
  hotkey: string;
  validatorPermit: boolean;
  /** Block of the neuron's last weights (its registration block until it sets any). */
  lastUpdate?: number;
  blockAtRegistration?: number;
  /** The axon it serves on chain; port 0 when none. */
  axon?: { port: number };
}

export interface Slot {
  /** floor(block / slotBlocks). */
  index: number;
  startBlock: number;
  /** First block of the next slot. */
  endBlock: number;
  /** The validator that owns the slot; undefined when no neuron has a permit. */
  owner: { uid: number; hotkey: string } | undefined;
}

/** Default slot length: 5 blocks (60 s at 12 s blocks) holds a 10 s challenge, its openings and retries. */
export const DEFAULT_SLOT_BLOCKS = 5;

/**
 * A miner accepts a window that ends up to this many blocks after the end of its slot, by its own
 * clock: block times jitter, and the miner and the validator see each block at slightly different
 * moments. A window that does end in the next slot is stopped there anyway.
 */
export const WINDOW_TOLERANCE_BLOCKS = 0.25;

/**
 * A permit alone does not make a validator: miners earn stake from emission, and stake earns permits.
 * Slots go to permitted neurons that act as validators: they have set weights, or they serve no axon
 * (a miner must serve one to be challenged at all).
 */
export function isSlotHolder(v: ScheduleValidator): boolean {
  const setWeights = (v.lastUpdate ?? 0) > (v.blockAtRegistration ?? 0);
  const servesAxon = (v.axon?.port ?? 0) > 0;
  return v.validatorPermit && (setWeights || !servesAxon);
}

function permitted(validators: readonly ScheduleValidator[]): ScheduleValidator[] {
  return validators.filter(isSlotHolder).sort((a, b) => a.uid - b.uid);
}

/** The slot containing `block` and its owner. */
export function slotAt(validators: readonly ScheduleValidator[], block: number, slotBlocks = DEFAULT_SLOT_BLOCKS): Slot {
  const length = Math.max(1, Math.floor(slotBlocks));
  const index = Math.floor(Math.max(0, block) / length);
  const eligible = permitted(validators);
  const owner = eligible.length === 0 ? undefined : eligible[index % eligible.length]!;
  return {
    index,
    startBlock: index * length,
    endBlock: (index + 1) * length,
    owner: owner && { uid: owner.uid, hotkey: owner.hotkey },
  };
}

/** The first slot at or after `block` that `hotkey` owns; undefined if it holds no permit. */
export function nextSlotOf(
  validators: readonly ScheduleValidator[],
  hotkey: string,
  block: number,
  slotBlocks = DEFAULT_SLOT_BLOCKS,
): Slot | undefined {
  const eligible = permitted(validators);
  const position = eligible.findIndex((v) => v.hotkey === hotkey);
  if (position < 0) return undefined;
  const length = Math.max(1, Math.floor(slotBlocks));
  const current = Math.floor(Math.max(0, block) / length);
  const ahead = (position - (current % eligible.length) + eligible.length) % eligible.length;
  return slotAt(validators, (current + ahead) * length, length);
}

export interface QueuedChallenge {
  /** Sender's hotkey. */
  hotkey: string;
  /** Sender's stake (any unit, compared only). */
  stake: number | bigint;
  /** Arrival order (time or sequence number). */
  arrivedAt: number;
  /** The sender owns the current slot. */
  inSlot: boolean;
}

/**
 * The miner's queue policy for one device: which waiting challenges to run, in order, and which to turn away
 * ("busy", naming the slot owner) when more than `capacity` wait.
 */
export function orderQueue<T extends QueuedChallenge>(queue: readonly T[], capacity: number): { run: T[]; reject: T[] } {
  const keep = Math.max(0, Math.floor(capacity));
  const byArrival = [...queue].sort((a, b) => a.arrivedAt - b.arrivedAt);
  const byPriority = [...byArrival].sort((a, b) => {
    if (a.inSlot !== b.inSlot) return a.inSlot ? -1 : 1;
    if (a.stake !== b.stake) return a.stake > b.stake ? -1 : 1;
    return a.arrivedAt - b.arrivedAt;
  });
  const kept = new Set(byPriority.slice(0, keep));
  const run = byArrival.filter((q) => kept.has(q)).sort((a, b) => (a.inSlot === b.inSlot ? a.arrivedAt - b.arrivedAt : a.inSlot ? -1 : 1));
  return { run, reject: byArrival.filter((q) => !kept.has(q)) };
}

/**
 * The slot a challenge from `hotkey`, arriving at `block`, belongs to: the current slot when the sender
 * owns it; the next one when the sender owns that (its view of the chain is a block ahead of ours);
 * otherwise the current slot, whose owner may still claim the device (the challenge is out of turn).
 */
export function challengeSlot(
  validators: readonly ScheduleValidator[],
  hotkey: string,
  block: number,
  slotBlocks = DEFAULT_SLOT_BLOCKS,
): Slot & { own: boolean } {
  const current = slotAt(validators, block, slotBlocks);
  if (current.owner?.hotkey === hotkey) return { ...current, own: true };
  const next = slotAt(validators, block + 1, slotBlocks);
  if (next.index !== current.index && next.owner?.hotkey === hotkey) return { ...next, own: true };
  return { ...current, own: false };
}

/**
 * The chain's clock as one party sees it: when each block arrived (its own monotonic ms), and from that
 * the time between blocks and when a later block should arrive. Only arrivals reported as they happen
 * (a block subscription) measure anything: a block read at some later moment says nothing about when
 * it came. Pure: every time is passed in.
 */
export class BlockClock {
  /** Arrivals kept to estimate the block time. */
  static readonly SAMPLES = 17;
  private readonly arrivals: Array<{ block: number; at: number }> = [];

  /** Records that `block` arrived at `at`; returns false for a block not newer than the last one. */
  observe(block: number, at: number): boolean {
    const last = this.arrivals.at(-1);
    if (last && block <= last.block) return false;
    this.arrivals.push({ block, at });
    if (this.arrivals.length > BlockClock.SAMPLES) this.arrivals.shift();
    return true;
  }

  /** The newest block seen, and when it arrived. */
  get last(): { block: number; at: number } | undefined {
    return this.arrivals.at(-1);
  }

  /**
   * Milliseconds per block over recent arrivals (a gap of several blocks counts as its average):
   * the median, which one late block or one burst moves little, or the longest, which a burst of
   * blocks (a node catching up, a devnet stepped by hand) never shortens. Undefined until two gaps
   * have been seen.
   */
  msPerBlock(statistic: 'median' | 'longest' = 'median'): number | undefined {
    const gaps: number[] = [];
    for (let i = 1; i < this.arrivals.length; i++) {
      const a = this.arrivals[i - 1]!;
      const b = this.arrivals[i]!;
      gaps.push((b.at - a.at) / (b.block - a.block));
    }
    if (gaps.length < 2) return undefined;
    gaps.sort((x, y) => x - y);
    if (statistic === 'longest') return gaps.at(-1)!;
    const mid = gaps.length >> 1;
    return gaps.length % 2 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
  }

  /**
   * Estimated ms from `now` until `block` arrives, at `msPerBlock` ms per block (default: the measured
   * median): what is left of the current block (none once it is overdue: a stalled chain has not
   * moved on) and the blocks after it. Negative once `block` has arrived; undefined while the block
   * time is unknown.
   */
  msUntil(block: number, now: number, msPerBlock = this.msPerBlock()): number | undefined {
    const last = this.last;
    if (!last || msPerBlock === undefined) return undefined;
    if (block <= last.block) return (block - last.block) * msPerBlock - (now - last.at);
    return (block - last.block - 1) * msPerBlock + Math.max(0, last.at + msPerBlock - now);
  }
}
