/**
 * Subnets: existence, the lock cost, `register_network` (59) with pruning at the subnet limit,
 * `start_call` (92), the hyperparameters `init_new_network` gives a new subnet on a fast-runtime
 * localnet, and the genesis root subnet (subtensor spec 425's `subnets/subnet.rs`, `coinbase/root.rs`
 * get_network_to_prune / do_dissolve_network, `utils/misc.rs`).
 */
import { u8aEq } from '@polkadot/util';
import { DispatchFailure, type DispatchContext } from '../../runtime/pallet.js';
import type { State, StateReader } from '../../runtime/storage.js';
import { commonArgs, now, signed, type SubtensorCore } from './core.js';
import { appendNeuron, claimHotkey, ownerOf } from './neurons.js';
import { alphaOf } from './staking.js';
import { alphaPrice, medianAlphaPrice } from './swap.js';
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

/**
 * `get_network_to_prune`: among subnets past NetworkImmunityPeriod, the lowest alpha price (the chain
 * uses its moving price; this devnet keeps none), the earliest registered on a tie; null when all are immune.
 */
export function networkToPrune(s: SubtensorStorage, st: StateReader, netuids: number[], block: bigint): number | null {
  const immunity = s.NetworkImmunityPeriod.get(st);
  let best: { netuid: number; price: bigint; registeredAt: bigint } | null = null;
  for (const netuid of netuids) {
    const registeredAt = s.NetworkRegisteredAt.get(st, netuid);
    if (block < registeredAt + immunity) continue;
    const price = alphaPrice(s, st, netuid);
    if (!best || price < best.price || (price === best.price && registeredAt < best.registeredAt)) best = { netuid, price, registeredAt };
  }
  return best?.netuid ?? null;
}

/**
 * `do_dissolve_network`, simplified: every staker is paid its share of the pool's TAO (alpha held /
 * all alpha, the protocol's share burned), then the subnet's storage goes and `NetworkRemoved` is emitted.
 */
function dissolveNetwork(core: SubtensorCore, ctx: DispatchContext, netuid: number): void {
  const { storage: s, balances } = core;
  const st = ctx.state;
  const poolTao = s.SubnetTAO.get(st, netuid);
  const allAlpha = s.SubnetAlphaOut.get(st, netuid) + s.SubnetAlphaIn.get(st, netuid);
  for (const [[hot, cold, n]] of s.Alpha.entries(st)) {
    if (n !== netuid) continue;
    const alpha = alphaOf(s, st, hot, cold, netuid);
    const tao = allAlpha === 0n ? 0n : (poolTao * alpha) / allAlpha;
    if (tao > 0n) balances.deposit(ctx, cold, tao);
    s.Alpha.remove(st, hot, cold, netuid);
    s.TotalHotkeyAlpha.remove(st, hot, netuid);
    s.TotalHotkeyShares.remove(st, hot, netuid);
  }
  const n = s.SubnetworkN.get(st, netuid);
  for (let uid = 0; uid < n; uid++) {
    const hot = s.Keys.get(st, netuid, uid);
    s.Uids.remove(st, netuid, hot);
    s.Axons.remove(st, netuid, hot);
    s.WeightCommits.remove(st, netuid, hot);
    s.AlphaDividendsPerSubnet.remove(st, netuid, hot);
    for (const item of [s.Keys, s.BlockAtRegistration, s.Weights, s.Bonds]) item.remove(st, netuid, uid);
  }
  for (const [[n, epoch]] of s.TimelockedWeightCommits.entries(st)) if (n === netuid) s.TimelockedWeightCommits.remove(st, netuid, epoch);
  for (const [[n, call]] of s.LastOwnerHyperparamUpdate.entries(st)) if (n === netuid) s.LastOwnerHyperparamUpdate.remove(st, netuid, call);
  // Every item keyed by the netuid alone.
  for (const item of core.pallet.storage) {
    if (item.def.keys.length === 1 && item.def.keys[0]!.type === core.types.u16) item.remove(st, netuid);
  }
  s.TotalNetworks.mutate(st, (v) => v - 1);
  ctx.emit('SubtensorModule', 'NetworkRemoved', [netuid]);
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
    // At the limit a subnet is pruned to make room, but only after every other check has passed.
    const existing = subnetNetuids(s, st);
    let recycle: number | null = null;
    if (existing.length >= s.SubnetLimit.get(st)) {
      recycle = networkToPrune(s, st, existing, block);
      if (recycle === null) e.SubnetLimitReached();
    }
    const cost = lockCost(s, st, block);
    if (balances.free(st, cold) < cost) e.CannotAffordLockCost();
    if (recycle !== null) dissolveNetwork(core, ctx, recycle);
    let netuid = recycle ?? 1;
    while (recycle === null && netuid < 65535 && subnetExists(s, st, netuid)) netuid++;
    const medianPrice = medianAlphaPrice(s, st, subnetNetuids(s, st));
    balances.withdraw(ctx, cold, cost, false);
    s.NetworkLastLockCost.set(st, cost);
    s.NetworkLastRegistered.set(st, block);
    initNetwork(core, st, netuid, block);
    claimHotkey(core, st, cold, hot);
    s.SubnetOwner.set(st, netuid, cold);
    s.SubnetOwnerHotkey.set(st, netuid, hot);
    s.SubnetMechanism.set(st, netuid, 1);
    // The pool opens at the median subnet price, holding the whole lock (at least the minimum lock).
    const minLock = s.NetworkMinLockCost.get(st);
    const poolTao = cost > minLock ? cost : minLock;
    s.SubnetTAO.set(st, netuid, poolTao);
    s.SubnetAlphaIn.set(st, netuid, medianPrice === 0n ? 0n : (poolTao << 64n) / medianPrice);
    s.SubnetAlphaOut.set(st, netuid, 0n);
    s.SubnetLocked.set(st, netuid, cost);
    s.TotalStake.mutate(st, (v) => v + poolTao);
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
