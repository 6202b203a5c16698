/**
 * Who the miner serves, decided from the synced metagraph: registered hotkeys holding a validator permit
 * (or at least a configured stake), each within its rate limit; and which challenges it runs: only what
 * a conforming validator sends. Pure functions of their inputs; the only state is the rate limiter's
 * buckets, kept by the caller.
 */
import type { Metagraph, Neuron } from '../shared/chain/types.js';
import { onSizingGrid, SIZING } from '../shared/challenge/sizing.js';
import type { Challenge } from '../shared/challenge/types.js';
import { ProtocolError } from '../shared/protocol/codec.js';

/** Where the miner reads the chain's view from (the CLI adapts shared/chain's MetagraphSync). */
export interface MetagraphSource {
  /** The latest snapshot, or undefined before the first sync. */
  current(): Metagraph | undefined;
  /** The latest block seen, for the challenge schedule's slots; defaults to the snapshot's block. */
  block?(): number;
  /**
   * Calls `listener` with each new block as it arrives; returns the unsubscribe. Without it the miner
   * re-reads the slot only when a challenge arrives, and cannot measure the block time.
   */
  onBlock?(listener: (block: number) => void): () => void;
}

export interface PolicyOptions {
  /** Stake (rao) that admits a registered hotkey without a validator permit; undefined: a permit is required. */
  minStake: bigint | undefined;
  /** Sustained requests per minute allowed from one validator. */
  ratePerMinute: number;
  /** Requests one validator may send in a burst above the sustained rate. */
  rateBurst: number;
}

export const DEFAULT_POLICY: PolicyOptions = { minStake: undefined, ratePerMinute: 240, rateBurst: 64 };

const index = new WeakMap<Metagraph, Map<string, Neuron>>();
export function findNeuron(metagraph: Metagraph, hotkey: string): Neuron | undefined {
  let byHotkey = index.get(metagraph);
  if (!byHotkey) {
    byHotkey = new Map(metagraph.neurons.map((n) => [n.hotkey, n]));
    index.set(metagraph, byHotkey);
  }
  return byHotkey.get(hotkey);
}

/** Admits a verified sender or throws E_NOT_REGISTERED / E_NO_PERMIT. Returns its neuron. */
export function admit(metagraph: Metagraph | undefined, hotkey: string, options: Pick<PolicyOptions, 'minStake'>): Neuron {
  if (!metagraph) {
    throw new ProtocolError('E_NOT_REGISTERED', 'the miner has not synced the metagraph yet', { retryAfterMs: 12_000 });
  }
  const neuron = findNeuron(metagraph, hotkey);
  if (!neuron) {
    throw new ProtocolError('E_NOT_REGISTERED', `${hotkey} is not registered on subnet ${metagraph.netuid} (block ${metagraph.block})`, {
      hint: 'register the validator hotkey on this subnet',
    });
  }
  if (neuron.validatorPermit) return neuron;
  if (options.minStake !== undefined && neuron.stake >= options.minStake) return neuron;
  throw new ProtocolError(
    'E_NO_PERMIT',
    options.minStake === undefined
      ? `uid ${neuron.uid} (${hotkey}) has no validator permit`
      : `uid ${neuron.uid} (${hotkey}) has no validator permit and stake ${neuron.stake} rao < ${options.minStake} rao`,
    { hint: 'stake to the validator hotkey until it earns a permit' },
  );
}

/** Among busy-time contenders, higher stake goes first. */
export function priority(neuron: Neuron): bigint {
  return neuron.stake;
}

export interface Bucket {
  tokens: number;
  at: number;
}

/** Token bucket: refills at ratePerMinute, holds at most rateBurst. Pure: returns the new bucket. */
export function takeToken(
  bucket: Bucket | undefined,
  now: number,
  options: Pick<PolicyOptions, 'ratePerMinute' | 'rateBurst'>,
): { allowed: boolean; bucket: Bucket; retryAfterMs: number } {
  const perMs = options.ratePerMinute / 60_000;
  const start = bucket ?? { tokens: options.rateBurst, at: now };
  const tokens = Math.min(options.rateBurst, start.tokens + Math.max(0, now - start.at) * perMs);
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, at: now }, retryAfterMs: 0 };
  return { allowed: false, bucket: { tokens, at: now }, retryAfterMs: perMs > 0 ? Math.ceil((1 - tokens) / perMs) : 60_000 };
}

/** Per-validator rate limits. Only admitted senders get a bucket, so the map is bounded by the subnet's size. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly options: Pick<PolicyOptions, 'ratePerMinute' | 'rateBurst'>) {}

  /** Throws E_RATE_LIMITED when `hotkey` is over its limit. */
  take(hotkey: string, now: number): void {
    const result = takeToken(this.buckets.get(hotkey), now, this.options);
    this.buckets.set(hotkey, result.bucket);
    if (!result.allowed) {
      throw new ProtocolError('E_RATE_LIMITED', `${hotkey} exceeded ${this.options.ratePerMinute} requests/min`, {
        retryAfterMs: result.retryAfterMs,
      });
    }
  }

  /** Forgets hotkeys that left the metagraph. */
  prune(keep: (hotkey: string) => boolean): void {
    for (const hotkey of this.buckets.keys()) if (!keep(hotkey)) this.buckets.delete(hotkey);
  }
}

/**
 * A first GEMM may take at most this share of the window at the device's measured pace. Sizing aims at
 * 1/32 at the pace the validator measured (docs/protocol.md §11); the slack covers a validator that
 * measured the device faster than it now runs. A GEMM cannot be interrupted, so this bounds how long a
 * challenge can hold the device after the slot changes hands.
 */
export const MAX_FIRST_GEMM_SHARE = 1 / 4;
/**
 * A first GEMM this short is never refused, whatever the window: a quarter of a second is no hold on
 * the device at any slot length, and a pace measured on GEMMs this small is mostly fixed costs. Nor is
 * one no larger than sizing's smallest (minDim³): nothing smaller can be offered, and refusing it would
 * shut the slowest devices out altogether.
 */
export const SHORT_GEMM_MS = 250;

/** Whether one GEMM of `c` is larger than sizing's smallest (minDim³): only those can be refused as too long. */
export const aboveSmallestGemm = (c: Pick<Challenge, 'n' | 'k'>): boolean => c.n * c.n * c.k > SIZING.minDim ** 3;

export interface ChallengeLimits {
  /**
   * ms the window may last from its arrival: until the end of the slot it belongs to; undefined while
   * the miner has not measured the block time.
   */
  windowLimitMs?: number;
  /** The slot the limit comes from, for the refusal's message. */
  slot?: { index: number; endBlock: number; own: boolean };
  /** The device's pace at the challenge's class, FLOP/s; undefined before it has run the class. */
  flopsPerSecond?: number;
}

/**
 * Refuses what a conforming validator never sends (docs/protocol.md §12), each with its own code: a
 * window above the protocol's maximum (E_WINDOW_TOO_LONG), a shape sizing cannot produce (E_OFF_GRID),
 * a window that ends after the slot it belongs to (E_WINDOW_PAST_SLOT), a first GEMM larger than
 * sizing's smallest and longer than a quarter of the window (and than SHORT_GEMM_MS) at the device's
 * pace (E_GEMM_TOO_LONG). Pure.
 */
export function checkChallenge(c: Challenge, limits: ChallengeLimits): void {
  if (c.deadlineMs > SIZING.maxWindowMs) {
    throw new ProtocolError('E_WINDOW_TOO_LONG', `a ${c.deadlineMs / 1000} s window is above the protocol's ${SIZING.maxWindowMs / 1000} s`, {
      hint: 'set challengeSeconds to at most 600 in the incentive config',
    });
  }
  if (!onSizingGrid(c.n, c.k)) {
    throw new ProtocolError('E_OFF_GRID', `n = ${c.n}, k = ${c.k} is not a shape the protocol's sizing produces`, {
      hint: 'size challenges with sizeChallenge (docs/protocol.md §11)',
    });
  }
  if (limits.windowLimitMs !== undefined && c.deadlineMs > limits.windowLimitMs) {
    const slot = limits.slot;
    const whose = slot ? `${slot.own ? 'your' : 'the current'} slot ${slot.index} (ends at block ${slot.endBlock})` : 'its slot';
    throw new ProtocolError('E_WINDOW_PAST_SLOT', `a ${c.deadlineMs} ms window ends after ${whose}: ${Math.max(0, Math.floor(limits.windowLimitMs))} ms are left`, {
      hint: 'start a round only when the probes, the window and the openings fit in your slot; check slotBlocks matches the miners\' --slot-blocks',
    });
  }
  if (limits.flopsPerSecond !== undefined && aboveSmallestGemm(c)) {
    const gemmMs = ((2 * c.n * c.n * c.k) / limits.flopsPerSecond) * 1000;
    if (gemmMs > Math.max(SHORT_GEMM_MS, MAX_FIRST_GEMM_SHARE * c.deadlineMs)) {
      throw new ProtocolError(
        'E_GEMM_TOO_LONG',
        `one ${c.precision} GEMM of n = ${c.n}, k = ${c.k} takes about ${Math.round(gemmMs)} ms on this device: more than a quarter of the ${c.deadlineMs} ms window`,
        { hint: 'size GEMMs from the throughput the miner showed (docs/protocol.md §11)' },
      );
    }
  }
}
