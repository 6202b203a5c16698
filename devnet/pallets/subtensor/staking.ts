/**
 * Stake: a share pool per (hotkey, netuid) (`Alpha` shares of `TotalHotkeyShares` over
 * `TotalHotkeyAlpha`), `add_stake` (2) and `remove_stake` (3) swapping through the subnet pool
 * (swap.ts), and the stake weight `set_weights` checks against StakeThreshold (subtensor's
 * `staking/{add_stake,remove_stake,stake_utils}.rs`).
 */
import { u8aEq } from '@polkadot/util';
import type { State, StateReader } from '../../runtime/storage.js';
import { commonArgs, signed, type SubtensorCore } from './core.js';
import { ownerOf } from './neurons.js';
import type { SubtensorStorage } from './storage.js';
import { swapAlphaForTao, swapTaoForAlpha } from './swap.js';

/** The alpha (hot, cold) holds on `netuid`: its shares' part of the hotkey's pool. */
export function alphaOf(s: SubtensorStorage, st: StateReader, hot: Uint8Array, cold: Uint8Array, netuid: number): bigint {
  const shares = s.Alpha.get(st, hot, cold, netuid).bits;
  if (shares === 0n) return 0n;
  const total = s.TotalHotkeyShares.get(st, hot, netuid).bits;
  return total === 0n ? 0n : (s.TotalHotkeyAlpha.get(st, hot, netuid) * shares) / total;
}

/** New stake for (hot, cold): shares at the pool's current alpha per share. */
export function increaseStake(s: SubtensorStorage, st: State, hot: Uint8Array, cold: Uint8Array, netuid: number, alpha: bigint): void {
  const totalAlpha = s.TotalHotkeyAlpha.get(st, hot, netuid);
  const totalShares = s.TotalHotkeyShares.get(st, hot, netuid).bits;
  const shares = totalShares === 0n || totalAlpha === 0n ? alpha << 64n : (alpha * totalShares) / totalAlpha;
  const held = s.Alpha.get(st, hot, cold, netuid).bits;
  s.Alpha.set(st, hot, cold, netuid, { bits: held + shares });
  s.TotalHotkeyShares.set(st, hot, netuid, { bits: (totalAlpha === 0n ? 0n : totalShares) + shares });
  s.TotalHotkeyAlpha.set(st, hot, netuid, totalAlpha + alpha);
  s.SubnetAlphaOut.mutate(st, netuid, (v) => v + alpha);
  if (held === 0n) {
    const staking = s.StakingHotkeys.get(st, cold);
    if (!staking.some((h) => u8aEq(h, hot))) s.StakingHotkeys.set(st, cold, [...staking, hot]);
  }
}

function decreaseStake(s: SubtensorStorage, st: State, hot: Uint8Array, cold: Uint8Array, netuid: number, alpha: bigint): void {
  const totalAlpha = s.TotalHotkeyAlpha.get(st, hot, netuid);
  const totalShares = s.TotalHotkeyShares.get(st, hot, netuid).bits;
  const mine = s.Alpha.get(st, hot, cold, netuid).bits;
  const have = alphaOf(s, st, hot, cold, netuid);
  const shares = alpha === have ? mine : (alpha * totalShares + totalAlpha - 1n) / totalAlpha;
  s.Alpha.set(st, hot, cold, netuid, { bits: mine - (shares > mine ? mine : shares) });
  s.TotalHotkeyShares.set(st, hot, netuid, { bits: totalShares - (shares > mine ? mine : shares) });
  s.TotalHotkeyAlpha.set(st, hot, netuid, totalAlpha - alpha);
  s.SubnetAlphaOut.mutate(st, netuid, (v) => (v > alpha ? v - alpha : 0n));
}

/** Emission credited to a hotkey raises every staker's value pro rata (no new shares). */
export function creditHotkey(s: SubtensorStorage, st: State, hot: Uint8Array, netuid: number, alpha: bigint): void {
  if (alpha === 0n) return;
  const total = s.TotalHotkeyAlpha.get(st, hot, netuid);
  const owner = ownerOf(s, st, hot) ?? hot;
  if (total === 0n || s.TotalHotkeyShares.get(st, hot, netuid).bits === 0n) return increaseStake(s, st, hot, owner, netuid, alpha);
  s.TotalHotkeyAlpha.set(st, hot, netuid, total + alpha);
  s.SubnetAlphaOut.mutate(st, netuid, (v) => v + alpha);
}

/** Stake credited to (hot, cold) directly (miner incentive goes to the hotkey's own coldkey). */
export function stakeTo(s: SubtensorStorage, st: State, hot: Uint8Array, cold: Uint8Array, netuid: number, alpha: bigint): void {
  if (alpha > 0n) increaseStake(s, st, hot, cold, netuid, alpha);
}

/** `get_stake_weights_for_hotkey_on_subnet`: alpha on the subnet plus root stake × TaoWeight. */
export function stakeWeight(s: SubtensorStorage, st: StateReader, hot: Uint8Array, netuid: number): bigint {
  const alpha = s.TotalHotkeyAlpha.get(st, hot, netuid);
  const root = s.TotalHotkeyAlpha.get(st, hot, 0);
  return alpha + (root * s.TaoWeight.get(st)) / (1n << 64n);
}

/** What add_stake and remove_stake both check before touching the pool. */
function ensureStakeable(core: SubtensorCore, st: StateReader, hotkey: Uint8Array, netuid: number, amountTooLow: boolean): void {
  const { storage: s, errors: e } = core;
  if (!s.NetworksAdded.get(st, netuid)) e.SubnetNotExists();
  if (netuid !== 0 && !s.SubtokenEnabled.get(st, netuid)) e.SubtokenDisabled();
  if (amountTooLow) e.AmountTooLow();
  if (ownerOf(s, st, hotkey) === null) e.HotKeyAccountNotExists();
}

export function defineStakingCalls(core: SubtensorCore): void {
  const { pallet: p, storage: s, errors: e, balances } = core;
  const args = commonArgs(core);
  const { u64 } = core.types;

  p.call<{ hotkey: Uint8Array; netuid: number; amount_staked: bigint }>('add_stake', 2, [args.hotkey, args.netuid, ['amount_staked', u64, 'TaoBalance']], (ctx, a) => {
    const cold = signed(ctx);
    const { hotkey, netuid, amount_staked: amount } = a;
    const st = ctx.state;
    ensureStakeable(core, st, hotkey, netuid, amount < 2_000_000n);
    if (balances.free(st, cold) < amount) e.NotEnoughBalanceToStake();
    balances.withdraw(ctx, cold, amount, false);
    const swap = swapTaoForAlpha(s, st, netuid, amount);
    if (!swap) return e.InsufficientLiquidity();
    s.TotalStake.mutate(st, (v) => v + swap.paidIn);
    increaseStake(s, st, hotkey, cold, netuid, swap.paidOut);
    ctx.emit('SubtensorModule', 'StakeAdded', [cold, hotkey, amount, swap.paidOut, netuid, swap.fee]);
  });

  p.call<{ hotkey: Uint8Array; netuid: number; amount_unstaked: bigint }>('remove_stake', 3, [args.hotkey, args.netuid, ['amount_unstaked', u64, 'AlphaBalance']], (ctx, a) => {
    const cold = signed(ctx);
    const { hotkey, netuid, amount_unstaked: amount } = a;
    const st = ctx.state;
    ensureStakeable(core, st, hotkey, netuid, amount === 0n);
    if (alphaOf(s, st, hotkey, cold, netuid) < amount) e.NotEnoughStakeToWithdraw();
    decreaseStake(s, st, hotkey, cold, netuid, amount);
    const swap = swapAlphaForTao(s, st, netuid, amount);
    if (!swap) return e.InsufficientLiquidity();
    s.TotalStake.mutate(st, (v) => (v > swap.paidOut ? v - swap.paidOut : 0n));
    balances.deposit(ctx, cold, swap.paidOut);
    ctx.emit('SubtensorModule', 'StakeRemoved', [cold, hotkey, swap.paidOut, amount, netuid, swap.fee]);
  });
}
