/**
 * Who may change a subnet's hyperparameters and when: `ensure_subnet_owner_or_root` with the owner's
 * per-hyperparameter rate limit, and the admin freeze window before each epoch (§1.5). AdminUtils uses
 * both; SubtensorModule's own owner setter, `set_activity_cutoff_factor` (140), lives here too.
 */
import { u8aEq } from '@polkadot/util';
import { DispatchFailure, type DispatchContext } from '../../runtime/pallet.js';
import type { StateReader } from '../../runtime/storage.js';
import { commonArgs, now, type SubtensorCore } from './core.js';
import { inAdminFreezeWindow } from './schedule.js';

/**
 * `ensure_subnet_owner_or_root` plus the owner's per-hyperparameter rate limit
 * (OwnerHyperparamRateLimit tempos, or `ownerLimitTempos` where subtensor uses another).
 */
export function ensureOwnerOrRoot(core: SubtensorCore, ctx: DispatchContext, netuid: number, callIndex: number, ownerLimitTempos?: number): 'root' | 'owner' {
  const s = core.storage;
  if (ctx.origin.kind === 'root') return 'root';
  if (ctx.origin.kind !== 'signed' || !u8aEq(s.SubnetOwner.get(ctx.state, netuid), ctx.origin.who)) throw DispatchFailure.badOrigin();
  const block = now(ctx);
  const last = s.LastOwnerHyperparamUpdate.get(ctx.state, netuid, callIndex);
  const tempos = BigInt(ownerLimitTempos ?? s.OwnerHyperparamRateLimit.get(ctx.state));
  const limit = tempos * BigInt(s.Tempo.get(ctx.state, netuid));
  if (last !== 0n && block - last < limit) core.errors.TxRateLimitExceeded();
  s.LastOwnerHyperparamUpdate.set(ctx.state, netuid, callIndex, block);
  return 'owner';
}

/** Admin actions are frozen during the last AdminFreezeWindow blocks before an epoch. */
export function ensureAdminWindowOpen(core: SubtensorCore, st: StateReader, netuid: number, block: bigint): void {
  if (inAdminFreezeWindow(core.storage, st, netuid, block)) core.errors.AdminActionProhibitedDuringWeightsWindow();
}

export function defineAdminCalls(core: SubtensorCore): void {
  const { pallet: p, storage: s, errors: e } = core;
  p.call<{ netuid: number; factor_milli: number }>('set_activity_cutoff_factor', 140, [commonArgs(core).netuid, ['factor_milli', core.types.u32, 'u32']], (ctx, a) => {
    const netuid = a.netuid;
    ensureOwnerOrRoot(core, ctx, netuid, 140);
    ensureAdminWindowOpen(core, ctx.state, netuid, now(ctx));
    const factor = a.factor_milli;
    if (factor < 1000 || factor > 50_000) e.ActivityCutoffFactorMilliOutOfBounds();
    s.ActivityCutoffFactorMilli.set(ctx.state, netuid, factor);
  });
}
