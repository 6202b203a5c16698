/**
 * Whether a miner or validator process is stuck, for `/healthz`: each check looks at the last time
 * something that must keep happening happened (a new block, a round) and names what has not. Pure:
 * the caller passes the wall clock.
 *
 * "No new block for N blocks' time" needs the block time: measured from the blocks seen (the median
 * interval, so one late block does not stretch it), 12 s (subtensor's) until two have arrived.
 */

export interface HealthCheck {
  name: string;
  /** Why the process is stuck, or undefined when this check passes. */
  stuck(now: number): string | undefined;
  /** One line on what the check saw, shown whether it passes or not. */
  describe(now: number): string;
}

export interface Health {
  ok: boolean;
  /** `ok` or `stuck: <reason>` first, then one line per check. */
  text: string;
}

export function evaluate(checks: readonly HealthCheck[], now: number): Health {
  const reasons = checks.flatMap((c) => {
    const reason = c.stuck(now);
    return reason === undefined ? [] : [`${c.name}: ${reason}`];
  });
  const lines = checks.map((c) => `${c.name}: ${c.describe(now)}`);
  return { ok: reasons.length === 0, text: [reasons.length ? `stuck: ${reasons.join('; ')}` : 'ok', ...lines].join('\n') };
}

export const SUBTENSOR_BLOCK_MS = 12_000;
const INTERVALS_KEPT = 32;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** The chain as the process sees it: the newest block and when it arrived, and the block time. */
export class BlockClock {
  private last: { block: number; at: number } | undefined;
  private readonly intervals: number[] = [];

  constructor(private readonly startedAt: number) {}

  /** A block the process heard of at `now` (older or repeated ones are ignored). */
  observe(block: number, now: number): void {
    if (this.last && block <= this.last.block) return;
    if (this.last) {
      // Per block, so a gap of several (a missed notification) does not count as one slow block.
      this.intervals.push((now - this.last.at) / (block - this.last.block));
      if (this.intervals.length > INTERVALS_KEPT) this.intervals.shift();
    }
    this.last = { block, at: now };
  }

  get block(): number | undefined {
    return this.last?.block;
  }

  /** Median observed time per block, ms (subtensor's 12 s until two blocks were seen). */
  get blockTimeMs(): number {
    if (this.intervals.length === 0) return SUBTENSOR_BLOCK_MS;
    const sorted = [...this.intervals].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }

  /** Milliseconds since the last new block (since start before any). */
  ageMs(now: number): number {
    return now - (this.last?.at ?? this.startedAt);
  }
}

export interface BlockCheckOptions {
  /** Stuck after this many blocks' time without a new one. */
  blocks: number;
  /** Never stuck sooner than this, ms: on fast devnets a loaded host or a GC pause is not a stall. */
  minMs: number;
}

export function blockCheck(clock: BlockClock, o: BlockCheckOptions): HealthCheck {
  const limit = (): number => Math.max(o.minMs, o.blocks * clock.blockTimeMs);
  return {
    name: 'chain',
    stuck: (now) => {
      const age = clock.ageMs(now);
      if (age <= limit()) return undefined;
      return clock.block === undefined
        ? `no block received in ${seconds(age)} since start (limit ${seconds(limit())}, ${o.blocks} blocks)`
        : `no new block for ${seconds(age)} (limit ${seconds(limit())}: ${o.blocks} blocks of ${seconds(clock.blockTimeMs)}); last block ${clock.block}`;
    },
    describe: (now) => `block ${clock.block ?? 'none yet'}, ${seconds(clock.ageMs(now))} ago, ${seconds(clock.blockTimeMs)} a block`,
  };
}
