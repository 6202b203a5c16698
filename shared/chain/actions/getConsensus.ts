/**
 * Whether consensus can form on a subnet (consensus.ts), from the chain: the metagraph (stake weight,
 * permits, LastUpdate), who has weights rows, kappa, the activity cutoff and the owner hotkey, all read
 * now. `assumeSetting` counts a validator about to start as setting weights.
 */
import { activityCutoffBlocks } from '../../math/yuma.js';
import { diagnoseConsensus, type ConsensusDiagnosis } from '../consensus.js';
import type { ChainContext } from '../context.js';
import { getHyperparameters } from './getHyperparameters.js';
import { getMetagraph } from './getMetagraph.js';
import { getSubnetInfo } from './getSubnetInfo.js';
import { getWeights } from './getWeights.js';

export interface GetConsensusParameters {
  netuid: number;
  /** ss58 hotkey of a validator about to set weights. */
  assumeSetting?: string;
}

export async function getConsensus(ctx: ChainContext, { netuid, assumeSetting }: GetConsensusParameters): Promise<ConsensusDiagnosis> {
  const [metagraph, weights, hp, info] = await Promise.all([getMetagraph(ctx, { netuid }), getWeights(ctx, { netuid }), getHyperparameters(ctx, { netuid }), getSubnetInfo(ctx, { netuid })]);
  const tempo = Number(hp['tempo'] ?? 360);
  // Since dynamic tempo the epoch reads the factor (cutoff = factor × tempo / 1000); before it, ActivityCutoff blocks.
  const cutoff = hp['activity_cutoff_factor_milli'] !== undefined ? activityCutoffBlocks(Number(hp['activity_cutoff_factor_milli']), tempo) : Number(hp['activity_cutoff'] ?? 5000);
  const weighting = new Set(weights.rows.filter((r) => r.weights.some((w) => w.uid !== r.uid && w.value > 0)).map((r) => r.uid));
  return diagnoseConsensus({
    neurons: metagraph.neurons.map((n) => ({ uid: n.uid, hotkey: n.hotkey, stake: n.stake, validatorPermit: n.validatorPermit, lastUpdate: n.lastUpdate, setsWeights: weighting.has(n.uid) })),
    kappa: Number(hp['kappa'] ?? 32767),
    activityCutoffBlocks: cutoff,
    currentBlock: metagraph.block,
    ...(info.ownerHotkey ? { ownerHotkey: info.ownerHotkey } : {}),
    ...(assumeSetting ? { assumeSetting } : {}),
  });
}
