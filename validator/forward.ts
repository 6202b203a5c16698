/**
 * forward, as in the subnet template: one round → rewards → update_scores, persisted in one
 * transaction. The metagraph decides who is challenged: every neuron serving an axon, except the
 * validator itself; scores of hotkeys that left the subnet are dropped first (resync_metagraph).
 */
import type { Metagraph } from '../shared/chain/types.js';
import type { DeviceInfo } from '../shared/challenge/types.js';
import type { Logger } from '../shared/log.js';
import { axonTarget, type AxonTarget, type Dendrite } from './dendrite.js';
import type { Incentives } from './incentives.js';
import { getRewards } from './reward.js';
import { runRound, type RoundInput } from './round.js';
import { resyncScores, updateScores, type ScoreEntry } from './scores.js';
import type { RecordedResult, ValidatorStore } from './store/db.js';

export interface ForwardInput {
  round: number;
  block: number;
  metagraph: Metagraph;
  /** The validator's hotkey, never challenged. */
  self: string;
  incentives: Incentives;
  store: ValidatorStore;
  dendrite: Pick<Dendrite, 'forward'>;
  random?: RoundInput['random'];
  openedRows?: number;
  ownsSlot?: RoundInput['ownsSlot'];
  signal?: AbortSignal;
  log?: Logger;
}

export interface ForwardOutput {
  results: RecordedResult[];
  scores: Map<string, ScoreEntry>;
  devices: Map<string, DeviceInfo>;
}

/** The miners a validator challenges: every neuron with a served axon, itself excluded. */
export function servingMiners(metagraph: Metagraph, self: string): Array<AxonTarget & { uid: number }> {
  return metagraph.neurons.flatMap((n) => {
    const target = n.hotkey === self ? undefined : axonTarget(n);
    return target ? [{ ...target, uid: n.uid }] : [];
  });
}

export async function forward(input: ForwardInput): Promise<ForwardOutput> {
  const { round, block, metagraph, incentives, store, signal } = input;
  const startedAt = Date.now();
  const { results, devices } = await runRound({
    round,
    miners: servingMiners(metagraph, input.self),
    incentives,
    history: store.loadThroughput(),
    dendrite: input.dendrite,
    ...(input.random ? { random: input.random } : {}),
    ...(input.openedRows !== undefined ? { openedRows: input.openedRows } : {}),
    ...(input.ownsSlot ? { ownsSlot: input.ownsSlot } : {}),
    ...(signal ? { signal } : {}),
    ...(input.log ? { log: input.log } : {}),
  });
  // An interrupted round measured nothing real: keep it out of the scores and the store.
  signal?.throwIfAborted();
  const rewards = getRewards(results, incentives);
  const recorded = results.map((r, i) => ({ ...r, reward: rewards[i]! }));
  const scores = updateScores(resyncScores(store.loadScores(), metagraph), recorded, round, incentives);
  store.recordRound({ round, block, startedAt, finishedAt: Date.now() }, recorded, scores, devices);
  return { results: recorded, scores, devices };
}
