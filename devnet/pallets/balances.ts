/**
 * pallet_balances (index 5): free balances live in System.Account as on a FRAME chain. Other pallets
 * move TAO through `withdraw` / `deposit`, which keep TotalIssuance and account lifetimes right.
 */
import { Pallet, DispatchFailure, type DispatchContext, type RuntimeTypes } from '../runtime/pallet.js';
import type { State } from '../runtime/storage.js';
import type { VariantValue } from '../runtime/types.js';
import type { SystemPallet } from './system.js';

/** subtensor's ExistentialDeposit, rao. */
export const EXISTENTIAL_DEPOSIT = 500n;

export function lookupAddress(address: VariantValue): Uint8Array {
  if (address.name === 'Id' || address.name === 'Address32') return address.value as Uint8Array;
  throw new DispatchFailure({ name: 'CannotLookup' }, 'CannotLookup');
}

export function balancesPallet(rt: RuntimeTypes, system: SystemPallet) {
  const p = new Pallet(rt, 'Balances', 5, ['pallet_balances', 'pallet']);
  const { c } = p;
  const TotalIssuance = p.value<bigint>('TotalIssuance', c.u64, 0n);

  const free = (state: State, who: Uint8Array): bigint => system.Account.get(state, who).data.free;

  /** Adds to an account, creating it (providers = 1) when it had nothing. */
  const deposit = (ctx: Pick<DispatchContext, 'state' | 'emit'>, who: Uint8Array, amount: bigint): void => {
    if (amount === 0n) return;
    const info = system.Account.get(ctx.state, who);
    const created = info.providers === 0 && info.data.free === 0n;
    if (created && amount < EXISTENTIAL_DEPOSIT) throw DispatchFailure.token('BelowMinimum');
    info.data.free += amount;
    if (created) info.providers = 1;
    system.Account.set(ctx.state, who, info);
    if (created) {
      ctx.emit('System', 'NewAccount', { account: who });
      ctx.emit('Balances', 'Endowed', { account: who, free_balance: amount });
    }
  };

  /**
   * Takes from an account. `keepAlive` refuses to drop it below the existential deposit
   * (Preservation::Preserve); otherwise a remainder below it is dust: burned, and the account reaped.
   */
  const withdraw = (ctx: Pick<DispatchContext, 'state' | 'emit'>, who: Uint8Array, amount: bigint, keepAlive: boolean): void => {
    if (amount === 0n) return;
    const info = system.Account.get(ctx.state, who);
    if (info.data.free < amount) throw DispatchFailure.token('FundsUnavailable');
    const rest = info.data.free - amount;
    if (keepAlive && rest < EXISTENTIAL_DEPOSIT) throw DispatchFailure.token('NotExpendable');
    if (rest < EXISTENTIAL_DEPOSIT) {
      info.data.free = 0n;
      info.providers = 0;
      if (rest > 0n) {
        ctx.emit('Balances', 'DustLost', { account: who, amount: rest });
        TotalIssuance.mutate(ctx.state, (v) => v - rest);
      }
      ctx.emit('System', 'KilledAccount', { account: who });
    } else {
      info.data.free = rest;
    }
    system.Account.set(ctx.state, who, info);
  };

  const transfer = (ctx: DispatchContext, args: Record<string, any>, keepAlive: boolean): void => {
    if (ctx.origin.kind !== 'signed') throw DispatchFailure.badOrigin();
    const from = ctx.origin.who;
    const to = lookupAddress(args['dest'] as VariantValue);
    const amount = args['value'] as bigint;
    withdraw(ctx, from, amount, keepAlive);
    deposit(ctx, to, amount);
    ctx.emit('Balances', 'Transfer', { from, to, amount });
  };

  const dest: [string, number, string] = ['dest', c.multiAddress, 'AccountIdLookupOf<T>'];
  const value: [string, number, string] = ['value', c.compactU64, 'T::Balance'];
  p.call('transfer_allow_death', 0, [dest, value], (ctx, args) => transfer(ctx, args, false));
  p.call('transfer_keep_alive', 3, [dest, value], (ctx, args) => transfer(ctx, args, true));

  p.event('Endowed', 0, [['account', c.accountId, 'T::AccountId'], ['free_balance', c.u64, 'T::Balance']]);
  p.event('DustLost', 1, [['account', c.accountId, 'T::AccountId'], ['amount', c.u64, 'T::Balance']]);
  p.event('Transfer', 2, [['from', c.accountId, 'T::AccountId'], ['to', c.accountId, 'T::AccountId'], ['amount', c.u64, 'T::Balance']]);
  p.event('Deposit', 7, [['who', c.accountId, 'T::AccountId'], ['amount', c.u64, 'T::Balance']]);
  p.event('Withdraw', 8, [['who', c.accountId, 'T::AccountId'], ['amount', c.u64, 'T::Balance']]);

  for (const [i, name] of ['VestingBalance', 'LiquidityRestrictions', 'InsufficientBalance', 'ExistentialDeposit', 'Expendability', 'ExistingVestingSchedule', 'DeadAccount', 'TooManyReserves', 'TooManyHolds', 'TooManyFreezes', 'IssuanceDeactivated', 'DeltaZero'].entries()) {
    p.error(name, i);
  }
  p.constant('ExistentialDeposit', c.u64, EXISTENTIAL_DEPOSIT);

  return { pallet: p, TotalIssuance, free, deposit, withdraw };
}

export type BalancesPallet = ReturnType<typeof balancesPallet>;
