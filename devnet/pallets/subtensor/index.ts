/**
 * SubtensorModule (index 7): subnets, registration, serving, staking and weights, with subtensor
 * spec 425's call indices, argument names and order, storage names/hashers/types, check order and
 * errors (shared/research/subtensor.md §1–§5). One module per concern; this file assembles them and
 * the block step.
 *
 * Simplifications (devnet/README.md): the subnet pool is constant product without per-block injections;
 * no transaction fees are charged; child keys, delegate take, root stake, mechanisms > 1 and
 * registration-price decay precision are left out. Timelocked commits (timelocked.ts) are added by the
 * runtime, which has the Drand pallet.
 */
import { Pallet, type BlockContext, type RuntimeTypes } from '../../runtime/pallet.js';
import type { State } from '../../runtime/storage.js';
import type { BalancesPallet } from '../balances.js';
import { defineAdminCalls } from './admin.js';
import { defineCollateral } from './collateral.js';
import { SPEC_425, type SubtensorCore, type SubtensorOptions } from './core.js';
import { runCoinbase } from './epoch.js';
import { defineErrors, defineEvents } from './errors.js';
import { defineRegistrationCalls, updateRegistrationPrices } from './registration.js';
import { defineServingCalls } from './serving.js';
import { defineStakingCalls } from './staking.js';
import { defineStorage } from './storage.js';
import { defineSubnetCalls, subnetsGenesis } from './subnets.js';
import { defineTypes } from './types.js';
import { defineWeightCalls } from './weights.js';

export type { SubtensorOptions, SubtensorCore, RuntimeVariant } from './core.js';
export { TAO, ZERO_ACCOUNT, type AxonInfo, type WeightCommit, type TimelockedWeightCommit } from './types.js';

/** One step of subtensor's `block_step`, run in list order at the start of every block. */
export interface BlockStepHook {
  /** subtensor's name for the step (`coinbase/block_step.rs`). */
  name: string;
  run(ctx: BlockContext): void;
}

export function subtensorPallet(rt: RuntimeTypes, balances: BalancesPallet, options: SubtensorOptions) {
  const pallet = new Pallet(rt, 'SubtensorModule', 7, ['pallet_subtensor', 'pallet']);
  const variant = { ...SPEC_425, ...options.variant };
  const types = defineTypes(pallet, variant.axonFieldOrder);
  const core: SubtensorCore = { pallet, variant, types, storage: defineStorage(pallet, types), errors: defineErrors(pallet), balances, options };
  defineEvents(pallet, types);
  defineWeightCalls(core);
  defineStakingCalls(core);
  defineServingCalls(core);
  const collateral = variant.collateral ? defineCollateral(core) : undefined;
  defineRegistrationCalls(core, collateral);
  defineSubnetCalls(core);
  defineAdminCalls(core);

  const s = core.storage;
  /**
   * subtensor's block_step order: 1. registration prices, (2. block emission), 3. reveal matured
   * timelocked weights, 4. run_coinbase (emission and the epochs it drains into). A module that adds a
   * step inserts it by name (e.g. before `run_coinbase`).
   */
  const blockStep: BlockStepHook[] = [
    { name: 'update_registration_prices_for_networks', run: (ctx) => updateRegistrationPrices(core, ctx) },
    { name: 'run_coinbase', run: (ctx) => runCoinbase(s, ctx) },
  ];
  pallet.hooks.onInitialize = (ctx) => {
    for (const step of blockStep) step.run(ctx);
  };

  return {
    pallet,
    core,
    storage: s,
    errors: core.errors,
    blockStep,
    collateral,
    genesis: (st: State) => subnetsGenesis(s, st),
  };
}

export type SubtensorPallet = ReturnType<typeof subtensorPallet>;
