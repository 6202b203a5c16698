/**
 * Subnets: existence, the lock cost, `register_network` (59) and `start_call` (92), the hyperparameters
 * `init_new_network` gives a new subnet on a fast-runtime localnet, and the genesis root subnet
 * (subtensor's `subnets/subnet.rs`, `utils/misc.rs`).
 */
import { u8aEq } from '@polkadot/util';
import { DispatchFailure } from '../../runtime/pallet.js';
import type { State, StateReader } from '../../runtime/storage.js';
import { commonArgs, now, signed, type SubtensorCore } from './core.js';
import { appendNeuron, claimHotkey, ownerOf } from './neurons.js';
import type { SubtensorStorage } from './storage.js';
import { TAO } from './types.js';

export function subnetExists(s: SubtensorStorage, st: StateReader, netuid: number): boolean {
  return s.NetworksAdded.get(st, netuid);
}

/** The netuids of all subnets except root, ascending. */
export function subnetNetuids(s: SubtensorStorage, st: StateReader): number[] {
  const out: number[] = [];
  const total = s.TotalNetworks.get(st);
  for (let netuid = 1; out.length < total - 1 && netuid < 65535; netuid++) if (subnetExists(s, st, netuid)) out.push(netuid);
  return out;
}

/** `get_network_lock_cost`: twice the last lock, decaying linearly over the reduction interval, at least the minimum. */
export function lockCost(s: SubtensorStorage, st: StateReader, block: bigint): bigint {
  const last = s.NetworkLastLockCost.get(st);
  const lastBlock = s.NetworkLastRegistered.get(st);
  const min = s.NetworkMinLockCost.get(st);
  const interval = s.NetworkLockReductionInterval.get(st);
  const mult = lastBlock === 0n ? 1n : 2n;
  const reduction = interval === 0n ? 0n : (last / interval) * (block - lastBlock);
  const cost = last * mult - reduction;
  return cost > min ? cost : min;
}

function initNetwork(core: SubtensorCore, st: State, netuid: number, block: bigint): void {
  const s = core.storage;
  const tempo = core.options.defaultTempo;
  s.NetworksAdded.set(st, netuid, true);
  s.TotalNetworks.mutate(st, (v) => v + 1);
  s.Tempo.set(st, netuid, tempo);
  s.LastEpochBlock.set(st, netuid, tempo === 0 ? block : block - BigInt(netuid % tempo));
  s.NetworkRegistrationAllowed.set(st, netuid, true);
  s.MaxAllowedUids.set(st, netuid, 256);
  s.MaxAllowedValidators.set(st, netuid, 64);
  s.MinAllowedWeights.set(st, netuid, 1);
  s.ImmunityPeriod.set(st, netuid, 5000);
  s.Yuma3On.set(st, netuid, true);
  s.Burn.set(st, netuid, TAO);
}

/** Genesis: the root subnet (netuid 0) exists, as on a localnet, so registrations there are refused by rule. */
export function subnetsGenesis(s: SubtensorStorage, st: State): void {
  s.NetworksAdded.set(st, 0, true);
  s.TotalNetworks.set(st, 1);
  s.Tempo.set(st, 0, 100);
  s.NetworkRateLimit.set(st, 0n);
  s.MaxEpochsPerBlock.set(st, 32);
  s.AdminFreezeWindow.set(st, 0);
}

export function defineSubnetCalls(core: SubtensorCore): void {
  const { pallet: p, storage: s, errors: e, balances } = core;
  const args = commonArgs(core);

  p.call<{ hotkey: Uint8Array }>('register_network', 59, [args.hotkey], (ctx, a) => {
    const cold = signed(ctx);
    const hot = a.hotkey;
    const st = ctx.state;
    const block = now(ctx);
    const owner = ownerOf(s, st, hot);
    if (owner !== null && !u8aEq(owner, cold)) e.NonAssociatedColdKey();
    const rateLimit = s.NetworkRateLimit.get(st);
    const last = s.NetworkLastRegistered.get(st);
    if (last !== 0n && block - last < rateLimit) e.NetworkTxRateLimitExceeded();
    const limit = s.SubnetLimit.get(st);
    let netuid = 1;
    while (netuid < 65535 && subnetExists(s, st, netuid)) netuid++;
    if (s.TotalNetworks.get(st) - 1 >= limit) e.SubnetLimitReached();
    const cost = lockCost(s, st, block);
    if (balances.free(st, cold) < cost) e.NotEnoughBalanceToStake();
    balances.withdraw(ctx, cold, cost, false);
    s.NetworkLastLockCost.set(st, cost);
    s.NetworkLastRegistered.set(st, block);
    initNetwork(core, st, netuid, block);
    claimHotkey(core, st, cold, hot);
    s.SubnetOwner.set(st, netuid, cold);
    s.SubnetOwnerHotkey.set(st, netuid, hot);
    s.SubnetMechanism.set(st, netuid, 1);
    s.SubnetTAO.set(st, netuid, cost);
    s.SubnetAlphaIn.set(st, netuid, cost);
    s.SubnetLocked.set(st, netuid, cost);
    s.NetworkRegisteredAt.set(st, netuid, block);
    appendNeuron(s, st, netuid, hot, block);
    s.SubnetEmissionEnabled.set(st, netuid, false);
    ctx.emit('SubtensorModule', 'NetworkAdded', [netuid, 1]);
  });

  p.call<{ netuid: number }>('start_call', 92, [args.netuid], (ctx, a) => {
    const who = signed(ctx);
    const st = ctx.state;
    const netuid = a.netuid;
    if (!subnetExists(s, st, netuid)) e.SubnetNotExists();
    if (!u8aEq(s.SubnetOwner.get(st, netuid), who)) throw DispatchFailure.badOrigin();
    if (s.FirstEmissionBlockNumber.get(st, netuid) !== null) e.FirstEmissionBlockNumberAlreadySet();
    const block = now(ctx);
    if (block < s.NetworkRegisteredAt.get(st, netuid) + s.StartCallDelay.get(st)) e.NeedWaitingMoreBlocksToStarCall();
    s.FirstEmissionBlockNumber.set(st, netuid, block + 1n);
    s.SubtokenEnabled.set(st, netuid, true);
    ctx.emit('SubtensorModule', 'FirstEmissionBlockNumberSet', [netuid, block + 1n]);
  });
}
