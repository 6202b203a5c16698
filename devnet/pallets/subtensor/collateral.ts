/**
 * Miner registration collateral (spec ≥ 435; RaoFoundation/subtensor `pallets/subtensor/src/subnets/collateral.rs`),
 * present only when RuntimeVariant.collateral is on. A subnet's `CollateralLockShare` p (u16, 65535 =
 * 100 %) splits the registration price: (1 − p)·Burn is burned as before; p·Burn, less the TAO value of
 * collateral already standing for (netuid, hotkey, coldkey), buys alpha that is staked to the hotkey and
 * locked in `MinerCollateral`. Simplified: the lock never drains (the chain releases it as the hotkey
 * earns emission), and standing collateral is valued at the spot price (the chain uses its moving price).
 */
import type { DispatchContext, Pallet } from '../../runtime/pallet.js';
import type { State } from '../../runtime/storage.js';
import { commonArgs, type SubtensorCore } from './core.js';
import { ensureAdminWindowOpen, ensureOwnerOrRoot } from './admin.js';
import { increaseStake } from './staking.js';
import { alphaPrice, swapTaoForAlpha } from './swap.js';

/** `MaxCollateralLockShare`: 95 % of the registration price, so the burned share stays positive. */
export const MAX_COLLATERAL_LOCK_SHARE = 62_258;

export interface CollateralState {
  locked: bigint;
}

export function defineCollateral(core: SubtensorCore) {
  const { pallet: p, types: ty } = core;
  const state = p.t.composite(['pallet_subtensor', 'subnets', 'collateral', 'MinerCollateralState'], [{ name: 'locked', type: ty.u64, typeName: 'AlphaBalance' }]);
  const storage = {
    CollateralLockShare: p.map<[number], number>('CollateralLockShare', [['Identity', ty.u16]], ty.u16, 0),
    MinerCollateral: p.map<[number, Uint8Array, Uint8Array], CollateralState | null>(
      'MinerCollateral',
      [['Identity', ty.u16], ['Blake2_128Concat', ty.accountId], ['Blake2_128Concat', ty.accountId]],
      state,
    ),
  };
  const account: [string, number, string] = ['hotkey', ty.accountId, 'T::AccountId'];
  p.event('CollateralLocked', 200, [['netuid', ty.u16, 'NetUid'], account, ['locked', ty.u64, 'AlphaBalance'], ['total_locked', ty.u64, 'AlphaBalance']]);

  /**
   * `pay_registration`: charges the coldkey the burned share plus the collateral top-up and locks the
   * top-up's alpha; returns false (nothing charged) when the subnet takes no collateral.
   */
  const payRegistration = (ctx: DispatchContext, netuid: number, hot: Uint8Array, cold: Uint8Array, burn: bigint): boolean => {
    const st = ctx.state;
    const share = BigInt(storage.CollateralLockShare.get(st, netuid));
    if (share === 0n) return false;
    const requirement = (burn * share) / 65535n;
    const burned = burn - requirement;
    const standing = storage.MinerCollateral.get(st, netuid, hot, cold)?.locked ?? 0n;
    const standingTao = (standing * alphaPrice(core.storage, st, netuid)) >> 64n;
    const topup = requirement > standingTao ? requirement - standingTao : 0n;
    if (core.balances.free(st, cold) < burned + topup) core.errors.NotEnoughBalanceToStake();
    core.balances.withdraw(ctx, cold, burned + topup, false);
    const swap = swapTaoForAlpha(core.storage, st, netuid, burned + topup);
    if (!swap) return core.errors.InsufficientLiquidity();
    // The burned share's alpha leaves the pool and goes nowhere; the top-up's is staked and locked.
    const lockAlpha = burned + topup === 0n ? 0n : (swap.paidOut * topup) / (burned + topup);
    if (lockAlpha > 0n) lock(ctx, st, netuid, hot, cold, lockAlpha, standing);
    return true;
  };

  const lock = (ctx: DispatchContext, st: State, netuid: number, hot: Uint8Array, cold: Uint8Array, alpha: bigint, standing: bigint): void => {
    increaseStake(core.storage, st, hot, cold, netuid, alpha);
    storage.MinerCollateral.set(st, netuid, hot, cold, { locked: standing + alpha });
    ctx.emit('SubtensorModule', 'CollateralLocked', { netuid, hotkey: hot, locked: alpha, total_locked: standing + alpha });
  };

  return { storage, payRegistration };
}

export type Collateral = ReturnType<typeof defineCollateral>;

/** AdminUtils.sudo_set_collateral_lock_share (98): owner (rate-limited, outside the freeze window) or root, at most 95 %. */
export function defineCollateralSetter(core: SubtensorCore, collateral: Collateral, adminUtils: Pallet): void {
  const tooHigh = adminUtils.error('CollateralLockShareTooHigh', 14);
  adminUtils.call<{ netuid: number; lock_share: number }>('sudo_set_collateral_lock_share', 98, [commonArgs(core).netuid, ['lock_share', core.types.u16, 'u16']], (ctx, a) => {
    const by = ensureOwnerOrRoot(core, ctx, a.netuid, 98);
    if (by === 'owner') ensureAdminWindowOpen(core, ctx.state, a.netuid, BigInt(ctx.block));
    if (a.lock_share > MAX_COLLATERAL_LOCK_SHARE) tooHigh();
    collateral.storage.CollateralLockShare.set(ctx.state, a.netuid, a.lock_share);
  });
}
