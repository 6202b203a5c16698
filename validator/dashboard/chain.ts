/**
 * What the dashboard shows from the chain: the capacity commitment this validator has on chain, and
 * the subnet's capacity as its validators agree on it (the stake-weighted median of every permitted
 * validator's commitment, as `flopnet capacity` prints it). Read by whoever holds the chain client
 * (the validator's process, or `flopnet dashboard`'s) and cached: commitments change once per epoch.
 */
import type { ChainClient } from '../../shared/chain/client.js';
import { subnetCapacity } from '../../shared/capacity/consensus.js';
import type { ClassTflops } from '../../shared/capacity/commitment.js';
import { countedCommitments } from '../../shared/commands/capacity.js';
import { describeError } from '../../shared/errors.js';

export interface ValidatorFigure {
  uid: number;
  hotkey: string;
  /** Stake, rao, as decimal text. */
  stake: string;
  block: number;
  round: number;
  verifiedMiners: number;
  tflops: ClassTflops;
}

export interface ChainSnapshot {
  /** ms since the epoch. */
  readAt: number;
  /** Set when the chain could not be read; the rest is then empty. */
  error?: string;
  block?: number;
  /** This validator's commitment, as counted (undefined: none, or not counted: see `ownSkipped`). */
  own?: ValidatorFigure;
  ownSkipped?: string;
  /** Stake-weighted median per class over the permitted validators' commitments. */
  subnet?: { tflops: ClassTflops; validators: number; stake: string };
  validators?: ValidatorFigure[];
}

export async function readChainSnapshot(client: ChainClient, netuid: number, hotkey: string, now = Date.now()): Promise<ChainSnapshot> {
  try {
    const metagraph = await client.getMetagraph({ netuid });
    const { counted, skipped } = countedCommitments(metagraph, await client.getCommitments({ netuid }));
    const capacity = subnetCapacity(counted);
    const validators = counted.map((v): ValidatorFigure => ({
      uid: v.uid,
      hotkey: v.hotkey,
      stake: v.stake.toString(),
      block: v.block,
      round: v.commitment.round,
      verifiedMiners: v.commitment.verifiedMiners,
      tflops: v.commitment.tflops,
    }));
    const own = validators.find((v) => v.hotkey === hotkey);
    const ownSkipped = skipped.find((s) => s.hotkey === hotkey)?.reason;
    return {
      readAt: now,
      block: metagraph.block,
      ...(own ? { own } : {}),
      ...(ownSkipped ? { ownSkipped } : {}),
      subnet: { tflops: capacity.tflops, validators: capacity.validators, stake: capacity.stake.toString() },
      validators,
    };
  } catch (error) {
    return { readAt: now, error: describeError(error) };
  }
}

/** `read` at most once per `ttlMs`; concurrent callers share one read. */
export function cachedSnapshot(read: () => Promise<ChainSnapshot>, ttlMs = 60_000, now = Date.now): () => Promise<ChainSnapshot> {
  let last: { at: number; value: Promise<ChainSnapshot> } | undefined;
  return () => {
    if (!last || now() - last.at >= ttlMs) last = { at: now(), value: read() };
    return last.value;
  };
}
