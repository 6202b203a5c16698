/**
 * Who may change a subnet's hyperparameters and when: `ensure_subnet_owner_or_root` with the owner's
 * per-hyperparameter rate limit, and the admin freeze window before each epoch (§1.5). AdminUtils uses
 * both. The tempo controls (`coinbase/tempo_control.rs`) live here too: SubtensorModule's owner setters
 * `set_tempo` (139) and `set_activity_cutoff_factor` (140), which AdminUtils takes over in spec ≥ 431
 * (RuntimeVariant.ownerTempo).
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

/** `MIN_TEMPO` / `MAX_TEMPO`: the tempos an owner may set; an owner changes tempo at most once per MIN_TEMPO blocks. */
export const MIN_TEMPO = 360;
export const MAX_TEMPO = 50_400;

/**
 * `do_set_tempo` for the subnet owner: within [MIN_TEMPO, MAX_TEMPO], outside the freeze window, once per
 * MIN_TEMPO blocks; the epoch cycle restarts now. Root (AdminUtils, spec ≥ 431) may set any tempo.
 */
export function setTempo(core: SubtensorCore, ctx: DispatchContext, netuid: number, tempo: number, rateKey: number): void {
  const { storage: s, errors: e } = core;
  if (ctx.origin.kind !== 'root') {
    if (ctx.origin.kind !== 'signed' || !u8aEq(s.SubnetOwner.get(ctx.state, netuid), ctx.origin.who)) throw DispatchFailure.badOrigin();
    if (tempo < MIN_TEMPO || tempo > MAX_TEMPO) e.TempoOutOfBounds();
    ensureAdminWindowOpen(core, ctx.state, netuid, now(ctx));
    const last = s.LastOwnerHyperparamUpdate.get(ctx.state, netuid, rateKey);
    if (last !== 0n && now(ctx) - last < BigInt(MIN_TEMPO)) e.TxRateLimitExceeded();
    s.LastOwnerHyperparamUpdate.set(ctx.state, netuid, rateKey, now(ctx));
  }
  s.Tempo.set(ctx.state, netuid, tempo);
  s.LastEpochBlock.set(ctx.state, netuid, now(ctx));
  ctx.emit('SubtensorModule', 'TempoSet', [netuid, tempo]);
}

/** `do_set_activity_cutoff_factor`: owner (rate-limited, outside the freeze window) or root; 1 000–50 000 ‰ of tempo. */
export function setActivityCutoffFactor(core: SubtensorCore, ctx: DispatchContext, netuid: number, factor: number, rateKey: number): void {
  const by = ensureOwnerOrRoot(core, ctx, netuid, rateKey);
  if (by === 'owner') ensureAdminWindowOpen(core, ctx.state, netuid, now(ctx));
  if (factor < 1000 || factor > 50_000) core.errors.ActivityCutoffFactorMilliOutOfBounds();
  core.storage.ActivityCutoffFactorMilli.set(ctx.state, netuid, factor);
}

export function defineAdminCalls(core: SubtensorCore): void {
  const p = core.pallet;
  const { netuid } = commonArgs(core);
  // Spec ≥ 431 keeps both calls as no-ops that still charge a fee; AdminUtils does the work.
  const moved = core.variant.ownerTempo === 'admin-utils';
  p.call<{ netuid: number; tempo: number }>('set_tempo', 139, [netuid, ['tempo', core.types.u16, 'u16']], (ctx, a) => {
    if (!moved) setTempo(core, ctx, a.netuid, a.tempo, 139);
  });
  p.call<{ netuid: number; factor_milli: number }>('set_activity_cutoff_factor', 140, [netuid, ['factor_milli', core.types.u32, 'u32']], (ctx, a) => {
    if (!moved) setActivityCutoffFactor(core, ctx, a.netuid, a.factor_milli, 140);
  });
}
