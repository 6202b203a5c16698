/**
 * The subnet's verified capacity as its validators agree on it: per class, the stake-weighted median
 * of the figures they published. No validator is trusted alone: a figure counts only as far as
 * validators holding more than half of the stake report at least that much, so a validator with a
 * minority of the stake cannot raise (or lower) the result past what the majority measured.
 */
import { PRECISIONS } from '../challenge/types.js';
import type { CapacityCommitment, ClassTflops } from './commitment.js';

export interface StakedFigure {
  value: number;
  /** rao */
  stake: bigint;
}

/**
 * The largest value that figures holding more than half of the total stake are at least: the lower
 * median when the stake splits exactly in two, so a tie never overstates. Undefined without stake.
 */
export function stakeWeightedMedian(figures: readonly StakedFigure[]): number | undefined {
  const total = figures.reduce((s, f) => s + f.stake, 0n);
  if (total <= 0n) return undefined;
  const sorted = [...figures].filter((f) => f.stake > 0n).sort((a, b) => b.value - a.value);
  let behind = 0n;
  for (const f of sorted) {
    behind += f.stake;
    if (2n * behind > total) return f.value;
  }
  return undefined;
}

export interface ValidatorCapacity {
  uid: number;
  hotkey: string;
  /** rao */
  stake: bigint;
  /** Block the commitment was made at. */
  block: number;
  commitment: CapacityCommitment;
}

export interface MinerConsensus {
  uid: number;
  tflops: ClassTflops;
}

export interface SubnetCapacity {
  /** Per class, the stake-weighted median over the validators. */
  tflops: ClassTflops;
  /** The validators the medians were taken over, and their stake (rao). */
  validators: number;
  stake: bigint;
  /** Per-miner figures, over the validators that committed them (an abstaining validator is not a zero). */
  miners: MinerConsensus[];
  /** The validators that committed per-miner figures, and their stake (rao). */
  minerFigures: { validators: number; stake: bigint };
}

/** Each class any validator reported; a validator that reported none of a class counts as zero for it. */
function consensusOver(figures: ReadonlyArray<{ stake: bigint; tflops: ClassTflops }>): ClassTflops {
  const out: ClassTflops = {};
  for (const p of PRECISIONS) {
    if (!figures.some((f) => f.tflops[p] !== undefined)) continue;
    const median = stakeWeightedMedian(figures.map((f) => ({ value: f.tflops[p] ?? 0, stake: f.stake })));
    if (median !== undefined) out[p] = median;
  }
  return out;
}

export function subnetCapacity(validators: readonly ValidatorCapacity[]): SubnetCapacity {
  const stake = (list: readonly ValidatorCapacity[]): bigint => list.reduce((s, v) => s + v.stake, 0n);
  const tflops = consensusOver(validators.map((v) => ({ stake: v.stake, tflops: v.commitment.tflops })));

  const voting = validators.filter((v) => v.commitment.miners);
  const uids = [...new Set(voting.flatMap((v) => [...v.commitment.miners!.keys()]))].sort((a, b) => a - b);
  const miners = uids
    .map((uid) => ({ uid, tflops: consensusOver(voting.map((v) => ({ stake: v.stake, tflops: v.commitment.miners!.get(uid) ?? {} }))) }))
    .filter((m) => Object.values(m.tflops).some((t) => t > 0));
  return { tflops, validators: validators.length, stake: stake(validators), miners, minerFigures: { validators: voting.length, stake: stake(voting) } };
}
