/**
 * Neuron registration: `register` (6, PoW ignored as at spec 425) and `burned_register` (7) pay the
 * subnet's Burn and take a free uid or prune one; the per-block step decays the burn price
 * (subtensor's `subnets/registration.rs`, `coinbase/block_step.rs` update_registration_prices_for_networks).
 */
import type { BlockContext, DispatchContext } from '../../runtime/pallet.js';
import { clamp, commonArgs, now, signed, type SubtensorCore } from './core.js';
import { appendNeuron, claimHotkey, pruneCandidate, replaceNeuron } from './neurons.js';
import type { Collateral } from './collateral.js';
import { subnetExists, subnetNetuids } from './subnets.js';

function register(core: SubtensorCore, collateral: Collateral | undefined, ctx: DispatchContext, netuid: number, hot: Uint8Array): void {
  const { storage: s, errors: e, balances } = core;
  const cold = signed(ctx);
  const st = ctx.state;
  const block = now(ctx);
  if (netuid === 0) e.RegistrationNotPermittedOnRootSubnet();
  if (!subnetExists(s, st, netuid)) e.SubnetNotExists();
  if (!s.NetworkRegistrationAllowed.get(st, netuid)) e.SubNetRegistrationDisabled();
  if (s.Uids.get(st, netuid, hot) !== null) e.HotKeyAlreadyRegisteredInSubNet();
  const burn = s.Burn.get(st, netuid);
  if (balances.free(st, cold) < burn) e.NotEnoughBalanceToStake();
  claimHotkey(core, st, cold, hot);
  const maxUids = s.MaxAllowedUids.get(st, netuid);
  if (maxUids === 0) e.NoNeuronIdAvailable();
  if (!collateral?.payRegistration(ctx, netuid, hot, cold, burn)) {
    balances.withdraw(ctx, cold, burn, false);
    s.SubnetTAO.mutate(st, netuid, (v) => v + burn);
  }
  let uid: number;
  if (s.SubnetworkN.get(st, netuid) < maxUids) {
    uid = appendNeuron(s, st, netuid, hot, block);
  } else {
    const candidate = pruneCandidate(s, st, netuid, block);
    if (candidate === null) return e.NoNeuronIdAvailable();
    uid = candidate;
    replaceNeuron(s, st, netuid, uid, hot, block);
  }
  const bumped = (burn * 126n) / 100n;
  s.Burn.set(st, netuid, clamp(bumped, s.MinBurn.get(st, netuid), s.MaxBurn.get(st, netuid)));
  s.RegistrationsThisBlock.mutate(st, netuid, (v) => v + 1);
  ctx.emit('SubtensorModule', 'NeuronRegistered', [netuid, uid, hot]);
}

export function defineRegistrationCalls(core: SubtensorCore, collateral?: Collateral): void {
  const p = core.pallet;
  const args = commonArgs(core);
  const { u64, bytes, accountId } = core.types;
  type Args = { netuid: number; hotkey: Uint8Array };
  p.call<Args>('register', 6, [
    args.netuid,
    ['block_number', u64, 'u64'],
    ['nonce', u64, 'u64'],
    ['work', bytes, 'Vec<u8>'],
    args.hotkey,
    ['coldkey', accountId, 'T::AccountId'],
  ], (ctx, a) => register(core, collateral, ctx, a.netuid, a.hotkey));
  p.call<Args>('burned_register', 7, [args.netuid, args.hotkey], (ctx, a) => register(core, collateral, ctx, a.netuid, a.hotkey));
}

const DECAY_360 = Math.pow(2, -1 / 360);

/** Block step 1: every subnet's burn price decays by its half-life; the per-block registration count resets. */
export function updateRegistrationPrices(core: SubtensorCore, ctx: BlockContext): void {
  const s = core.storage;
  const st = ctx.state;
  for (const netuid of subnetNetuids(s, st)) {
    const halfLife = s.BurnHalfLife.get(st, netuid);
    const burn = s.Burn.get(st, netuid);
    const factor = halfLife === 360 ? DECAY_360 : Math.pow(2, -1 / Math.max(1, halfLife));
    const next = BigInt(Math.floor(Number(burn) * factor));
    s.Burn.set(st, netuid, clamp(next, s.MinBurn.get(st, netuid), s.MaxBurn.get(st, netuid)));
    s.RegistrationsThisBlock.set(st, netuid, 0);
  }
}
