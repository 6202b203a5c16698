/**
 * Who the miner serves, decided from the synced metagraph: registered hotkeys holding a validator permit
 * (or at least a configured stake), each within its rate limit. Pure functions of their inputs; the only
 * state is the rate limiter's buckets, kept by the caller.
 */
import type { Metagraph, Neuron } from '../shared/chain/types.js';
import { ProtocolError } from '../shared/protocol/codec.js';

/** Where the miner reads the chain's view from (the CLI adapts shared/chain's MetagraphSync). */
export interface MetagraphSource {
  /** The latest snapshot, or undefined before the first sync. */
  current(): Metagraph | undefined;
  /** The latest block seen, for the challenge schedule's slots; defaults to the snapshot's block. */
  block?(): number;
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
