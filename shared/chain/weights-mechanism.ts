/**
 * How the connected runtime lets a validator put weights on chain, read from its metadata (which calls
 * SubtensorModule declares, with which arguments), and which of those flopnet uses for a subnet:
 *
 * | runtime has                                     | subnet's commit-reveal | flopnet uses          |
 * |-------------------------------------------------|------------------------|-----------------------|
 * | set_weights                                     | off                    | `set_weights`         |
 * | a timelocked commit call (below) and pallet Drand | on                    | `timelocked`          |
 * | commit_weights + reveal_weights(…, salt, …)     | on                     | `hash-commit-reveal` (CR v2) |
 * | commit_weights + reveal_weights without salt    | on                     | refused: the spec-185-era interval commit-reveal |
 *
 * The timelocked commit call, by preference: `commit_timelocked_mechanism_weights` (mechanism 0) or
 * `commit_timelocked_weights` (CR v4, spec ≥ 299: the payload names the hotkey), else
 * `commit_crv3_weights` (CR v3, spec ≤ 298: the legacy payload). All need the Drand pallet's pulses.
 *
 * Pure over a description of the calls, so the choice is tested without a chain.
 */
import type { ChainContext } from './context.js';
import { callArgNames } from './tx.js';

export type WeightsMechanism = 'set_weights' | 'hash-commit-reveal' | 'timelocked';

/** The weight calls a runtime declares. */
export interface WeightsCalls {
  specVersion: number;
  setWeights: boolean;
  /** commit_weights and reveal_weights; `unsalted` when reveal_weights takes no salt (spec 185 era). */
  hashCommitReveal: 'salted' | 'unsalted' | false;
  /** The timelocked commit call (the chain decrypts and applies the weights itself), or false. */
  timelocked: TimelockedCall | false;
}

export type TimelockedCall = 'commit_timelocked_mechanism_weights' | 'commit_timelocked_weights' | 'commit_crv3_weights';

/** The timelocked commit call a runtime offers, by preference, or false (none, or no Drand pallet). */
export function timelockedCall(has: (pallet: string, call: string) => boolean): TimelockedCall | false {
  if (!has('Drand', 'write_pulse')) return false;
  const calls: TimelockedCall[] = ['commit_timelocked_mechanism_weights', 'commit_timelocked_weights', 'commit_crv3_weights'];
  return calls.find((call) => has('SubtensorModule', call)) ?? false;
}

export function weightsCalls(ctx: ChainContext): WeightsCalls {
  const has = (call: string, pallet = 'SubtensorModule') => callArgNames(ctx, pallet, call) !== undefined;
  const reveal = callArgNames(ctx, 'SubtensorModule', 'reveal_weights');
  return {
    specVersion: ctx.api.runtimeVersion.specVersion.toNumber(),
    setWeights: has('set_weights'),
    hashCommitReveal: has('commit_weights') && reveal ? (reveal.includes('salt') ? 'salted' : 'unsalted') : false,
    timelocked: timelockedCall((pallet, call) => has(call, pallet)),
  };
}

export type MechanismChoice = { mechanism: WeightsMechanism } | { mechanism: null; reason: string; hint: string };

/**
 * The mechanism for a subnet with commit-reveal `commitReveal`, among those `available` (the strategies
 * this validator has), or why none fits.
 */
export function chooseMechanism(calls: WeightsCalls, commitReveal: boolean, available: readonly WeightsMechanism[]): MechanismChoice {
  const runtime = `the connected runtime (spec ${calls.specVersion})`;
  if (!commitReveal) {
    if (calls.setWeights && available.includes('set_weights')) return { mechanism: 'set_weights' };
    return { mechanism: null, reason: `${runtime} has no set_weights call`, hint: 'connect to a subtensor node whose runtime has set_weights' };
  }
  if (calls.timelocked && available.includes('timelocked')) return { mechanism: 'timelocked' };
  if (calls.hashCommitReveal === 'salted' && available.includes('hash-commit-reveal')) return { mechanism: 'hash-commit-reveal' };
  if (calls.hashCommitReveal === 'unsalted') {
    return {
      mechanism: null,
      reason: `the subnet has commit-reveal on, and ${runtime} only has the first, interval-based commit-reveal (reveal_weights without a salt), which flopnet does not implement: its reveals would never match`,
      hint: 'ask the subnet owner to turn commit-reveal off (flopnet subnet hyperparams set --netuid N commit_reveal_weights_enabled false), or run this subnet on a runtime with salted (v2) or timelocked commit-reveal',
    };
  }
  return {
    mechanism: null,
    reason: `the subnet has commit-reveal on, and ${runtime} offers no commit-reveal flopnet can use${calls.timelocked ? ' (it has only timelocked commits, which this flopnet cannot encrypt)' : ''}`,
    hint: 'upgrade flopnet, or ask the subnet owner to turn commit-reveal off (flopnet subnet hyperparams set --netuid N commit_reveal_weights_enabled false)',
  };
}
