/**
 * How this runtime takes a validator's weights on a subnet, decided from its METADATA (which calls it
 * has) and two storage reads — never from a spec-version table:
 *
 * | commit-reveal | the runtime has                                          | mechanism                                   |
 * |---------------|----------------------------------------------------------|---------------------------------------------|
 * | off           | set_mechanism_weights (runtimes with mechanisms)         | `set`, mechanism 0                          |
 * | off           | set_weights                                              | `set`                                       |
 * | on            | commit_timelocked_(mechanism_)weights and pallet Drand   | `timelocked`, CommitRevealWeightsVersion (4) |
 * | on            | commit_crv3_weights and pallet Drand (spec ≤ 298)        | `crv3`: CR v3, legacy payload               |
 * | on            | commit_weights                                           | `hash`: CR v2 commit, then reveal_weights   |
 *
 * Timelocked commits need no reveal transaction: the chain decrypts them when drand's pulse arrives.
 * A timelocked runtime asking for a commit-reveal version other than 4 falls back to the hash commit
 * (flopnet encodes version 4's payload only). RPC: two `state_getStorage`.
 */
import { hasCall } from '../tx.js';
import { storageEntry } from '../storage.js';
import type { ChainContext } from '../context.js';

export type WeightsMechanism =
  | { kind: 'set'; call: 'set_mechanism_weights' | 'set_weights' }
  | { kind: 'timelocked'; call: 'commit_timelocked_mechanism_weights' | 'commit_timelocked_weights'; version: 4 }
  | { kind: 'crv3'; call: 'commit_crv3_weights'; version: 3 }
  | { kind: 'hash'; call: 'commit_weights'; reason?: string };

/** The pure choice, from "has Pallet.call" and the two storage values (tested without a chain). */
export function chooseWeightsMechanism(has: (pallet: string, call: string) => boolean, commitReveal: boolean, commitRevealVersion: number | undefined): WeightsMechanism {
  const sub = (call: string) => has('SubtensorModule', call);
  if (!commitReveal) return { kind: 'set', call: sub('set_mechanism_weights') ? 'set_mechanism_weights' : 'set_weights' };
  const drand = has('Drand', 'write_pulse');
  const timelocked = sub('commit_timelocked_mechanism_weights') ? 'commit_timelocked_mechanism_weights' : sub('commit_timelocked_weights') ? 'commit_timelocked_weights' : undefined;
  if (drand && timelocked) {
    const version = commitRevealVersion ?? 4;
    if (version === 4) return { kind: 'timelocked', call: timelocked, version };
    return { kind: 'hash', call: 'commit_weights', reason: `the runtime asks for commit-reveal version ${version}; flopnet encrypts version 4 only` };
  }
  if (drand && sub('commit_crv3_weights')) return { kind: 'crv3', call: 'commit_crv3_weights', version: 3 };
  return { kind: 'hash', call: 'commit_weights' };
}

export async function getWeightsMechanism(ctx: ChainContext, { netuid }: { netuid: number }): Promise<WeightsMechanism> {
  const enabled = storageEntry(ctx, 'SubtensorModule', 'CommitRevealWeightsEnabled');
  const version = storageEntry(ctx, 'SubtensorModule', 'CommitRevealWeightsVersion');
  const [on, v] = await Promise.all([enabled ? enabled(netuid) : undefined, version ? version() : undefined]);
  const commitReveal = (on as unknown as { isTrue?: boolean } | undefined)?.isTrue ?? false;
  const commitRevealVersion = v === undefined ? undefined : Number(v.toString());
  return chooseWeightsMechanism((pallet, call) => hasCall(ctx, pallet, call), commitReveal, commitRevealVersion);
}
