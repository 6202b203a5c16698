/**
 * AdminUtils (index 19): hyperparameter setters with subtensor HEAD's call indices and the split
 * between root-only setters and those the subnet owner may call (owner path rate-limited per
 * hyperparameter), and the admin freeze window before each epoch (§1.5).
 */
import { Pallet, DispatchFailure, type DispatchContext, type RuntimeTypes } from '../runtime/pallet.js';
import type { SubtensorPallet } from './subtensor/index.js';
import { ensureAdminWindowOpen, ensureOwnerOrRoot, setActivityCutoffFactor, setTempo } from './subtensor/admin.js';
import { subnetExists } from './subtensor/subnets.js';
import { defineCollateralSetter } from './subtensor/collateral.js';

type Who = 'root' | 'owner';

export function adminUtilsPallet(rt: RuntimeTypes, sub: SubtensorPallet) {
  const p = new Pallet(rt, 'AdminUtils', 19, ['pallet_admin_utils', 'pallet']);
  const { c } = p;
  const s = sub.storage;
  const subnetDoesNotExist = p.error('SubnetDoesNotExist', 0);
  const maxValidatorsLargerThanMaxUids = p.error('MaxValidatorsLargerThanMaxUIds', 1);
  const maxAllowedUidsLessThanCurrentUids = p.error('MaxAllowedUIdsLessThanCurrentUIds', 2);
  const bondsMovingAverageMaxReached = p.error('BondsMovingAverageMaxReached', 3);
  const valueNotInBounds = p.error('ValueNotInBounds', 5);
  const minAllowedUidsLessThanMin = p.error('MaxAllowedUidsLessThanMinAllowedUids', 8);

  const ensureRoot = (ctx: DispatchContext): void => {
    if (ctx.origin.kind !== 'root') throw DispatchFailure.badOrigin();
  };
  const block = (ctx: DispatchContext): bigint => BigInt(ctx.block);

  /** An argument spec carrying the JS type its value decodes to. */
  type Arg<V> = [name: string, type: number, typeName: string] & { readonly value?: V };
  const u16 = (n: string): Arg<number> => [n, c.u16, 'u16'];
  const u64 = (n: string): Arg<bigint> => [n, c.u64, 'u64'];
  const bool = (n: string): Arg<boolean> => [n, c.bool, 'bool'];

  /** A per-subnet setter: origin rule, optional freeze-window gate, then existence, then `apply`. */
  const subnetSetter = <V>(
    name: string,
    index: number,
    arg: Arg<V>,
    who: Who,
    window: boolean,
    apply: (ctx: DispatchContext, netuid: number, value: V, by: Who) => void,
    ownerLimitTempos?: number,
  ): void => {
    p.call<Record<string, unknown> & { netuid: number }>(name, index, [['netuid', c.u16, 'NetUid'], arg], (ctx, a) => {
      const netuid = a.netuid;
      const by: Who = who === 'root' ? (ensureRoot(ctx), 'root') : ensureOwnerOrRoot(sub.core, ctx, netuid, index, ownerLimitTempos);
      if (!subnetExists(s, ctx.state, netuid)) subnetDoesNotExist();
      if (window) ensureAdminWindowOpen(sub.core, ctx.state, netuid, block(ctx));
      apply(ctx, netuid, a[arg[0]] as V, by);
    });
  };
  const globalSetter = <V>(name: string, index: number, arg: Arg<V>, apply: (ctx: DispatchContext, value: V) => void): void => {
    p.call<Record<string, unknown>>(name, index, [arg], (ctx, a) => {
      ensureRoot(ctx);
      apply(ctx, a[arg[0]] as V);
    });
  };

  subnetSetter('sudo_set_serving_rate_limit', 3, u64('serving_rate_limit'), 'owner', true, (ctx, n, v) => s.ServingRateLimit.set(ctx.state, n, v));
  subnetSetter('sudo_set_weights_version_key', 6, u64('weights_version_key'), 'owner', true, (ctx, n, v) => {
    s.WeightsVersionKey.set(ctx.state, n, v);
    ctx.emit('SubtensorModule', 'WeightsVersionKeySet', [n, v]);
  }, 5);
  subnetSetter('sudo_set_weights_set_rate_limit', 7, u64('weights_set_rate_limit'), 'root', false, (ctx, n, v) => {
    s.WeightsSetRateLimit.set(ctx.state, n, v);
    ctx.emit('SubtensorModule', 'WeightsSetRateLimitSet', [n, v]);
  });
  subnetSetter('sudo_set_immunity_period', 13, u16('immunity_period'), 'owner', true, (ctx, n, v) => s.ImmunityPeriod.set(ctx.state, n, v));
  subnetSetter('sudo_set_min_allowed_weights', 14, u16('min_allowed_weights'), 'owner', true, (ctx, n, v) => s.MinAllowedWeights.set(ctx.state, n, v));
  subnetSetter('sudo_set_max_allowed_uids', 15, u16('max_allowed_uids'), 'owner', true, (ctx, n, v) => {
    if (v < s.MinAllowedUids.get(ctx.state, n)) minAllowedUidsLessThanMin();
    if (v < s.SubnetworkN.get(ctx.state, n)) maxAllowedUidsLessThanCurrentUids();
    if (v > 256) valueNotInBounds();
    s.MaxAllowedUids.set(ctx.state, n, v);
  });
  subnetSetter('sudo_set_kappa', 16, u16('kappa'), 'root', false, (ctx, n, v) => {
    s.Kappa.set(ctx.state, n, v);
    ctx.emit('SubtensorModule', 'KappaSet', [n, v]);
  });
  subnetSetter('sudo_set_rho', 17, u16('rho'), 'owner', true, (ctx, n, v) => s.Rho.set(ctx.state, n, v));
  subnetSetter('sudo_set_activity_cutoff', 18, u16('activity_cutoff'), 'owner', true, (ctx, n, v) => {
    if (v < 360) valueNotInBounds();
    s.ActivityCutoff.set(ctx.state, n, v);
    ctx.emit('SubtensorModule', 'ActivityCutoffSet', [n, v]);
  });
  subnetSetter('sudo_set_network_registration_allowed', 19, bool('registration_allowed'), 'root', false, (ctx, n, v) => s.NetworkRegistrationAllowed.set(ctx.state, n, v));
  subnetSetter('sudo_set_min_burn', 22, u64('min_burn'), 'owner', true, (ctx, n, v) => {
    if (v >= 1_000_000_000n || v >= s.MaxBurn.get(ctx.state, n)) valueNotInBounds();
    s.MinBurn.set(ctx.state, n, v);
  });
  subnetSetter('sudo_set_max_burn', 23, u64('max_burn'), 'owner', true, (ctx, n, v) => {
    if (v <= 100_000_000n || v <= s.MinBurn.get(ctx.state, n)) valueNotInBounds();
    s.MaxBurn.set(ctx.state, n, v);
  });
  subnetSetter('sudo_set_max_allowed_validators', 25, u16('max_allowed_validators'), 'root', true, (ctx, n, v) => {
    if (v > s.MaxAllowedUids.get(ctx.state, n)) maxValidatorsLargerThanMaxUids();
    s.MaxAllowedValidators.set(ctx.state, n, v);
  });
  subnetSetter('sudo_set_bonds_moving_average', 26, u64('bonds_moving_average'), 'owner', true, (ctx, n, v, by) => {
    if (by === 'owner' && v > 975_000n) bondsMovingAverageMaxReached();
    s.BondsMovingAverage.set(ctx.state, n, v);
  });
  if (sub.core.variant.ownerTempo === 'admin-utils') {
    // Spec ≥ 431: the owner sets tempo here (bounded, once per MIN_TEMPO blocks), root anything.
    p.call<{ netuid: number; tempo: number }>('sudo_set_tempo', 30, [['netuid', c.u16, 'NetUid'], u16('tempo')], (ctx, a) => {
      if (!subnetExists(s, ctx.state, a.netuid)) subnetDoesNotExist();
      setTempo(sub.core, ctx, a.netuid, a.tempo, 30);
    });
    p.call<{ netuid: number; factor_milli: number }>('sudo_set_activity_cutoff_factor', 97, [['netuid', c.u16, 'NetUid'], ['factor_milli', c.u32, 'u32']], (ctx, a) => {
      if (!subnetExists(s, ctx.state, a.netuid)) subnetDoesNotExist();
      setActivityCutoffFactor(sub.core, ctx, a.netuid, a.factor_milli, 97);
    });
  } else {
    subnetSetter('sudo_set_tempo', 30, u16('tempo'), 'root', true, (ctx, n, v) => setTempo(sub.core, ctx, n, v, 30));
  }
  subnetSetter('sudo_set_commit_reveal_weights_enabled', 49, bool('enabled'), 'owner', true, (ctx, n, v) => s.CommitRevealWeightsEnabled.set(ctx.state, n, v));
  subnetSetter('sudo_set_liquid_alpha_enabled', 50, bool('enabled'), 'owner', true, (ctx, n, v) => s.LiquidAlphaOn.set(ctx.state, n, v));
  p.call<{ netuid: number; alpha_low: number; alpha_high: number }>('sudo_set_alpha_values', 51, [['netuid', c.u16, 'NetUid'], u16('alpha_low'), u16('alpha_high')], (ctx, a) => {
    const netuid = a.netuid;
    ensureOwnerOrRoot(sub.core, ctx, netuid, 51);
    if (!subnetExists(s, ctx.state, netuid)) subnetDoesNotExist();
    ensureAdminWindowOpen(sub.core, ctx.state, netuid, block(ctx));
    const low = a.alpha_low;
    const high = a.alpha_high;
    if (low < 1638 || low > high || high < 1638) valueNotInBounds();
    s.AlphaValues.set(ctx.state, netuid, [low, high]);
  });
  subnetSetter('sudo_set_commit_reveal_weights_interval', 57, u64('interval'), 'owner', true, (ctx, n, v) => {
    if (v < 1n || v > 100n) valueNotInBounds();
    s.RevealPeriodEpochs.set(ctx.state, n, v);
  });
  subnetSetter('sudo_set_bonds_penalty', 60, u16('bonds_penalty'), 'owner', true, (ctx, n, v) => s.BondsPenalty.set(ctx.state, n, v));
  subnetSetter('sudo_set_subtoken_enabled', 66, bool('subtoken_enabled'), 'root', true, (ctx, n, v) => s.SubtokenEnabled.set(ctx.state, n, v));
  subnetSetter('sudo_set_yuma3_enabled', 69, bool('enabled'), 'owner', true, (ctx, n, v) => s.Yuma3On.set(ctx.state, n, v));
  subnetSetter('sudo_set_subnet_emission_enabled', 94, bool('enabled'), 'root', false, (ctx, n, v) => s.SubnetEmissionEnabled.set(ctx.state, n, v));

  globalSetter('sudo_set_subnet_owner_cut', 28, u16('subnet_owner_cut'), (ctx, v) => s.SubnetOwnerCut.set(ctx.state, v));
  globalSetter('sudo_set_network_rate_limit', 29, u64('rate_limit'), (ctx, v) => s.NetworkRateLimit.set(ctx.state, v));
  globalSetter('sudo_set_network_immunity_period', 35, u64('immunity_period'), (ctx, v) => s.NetworkImmunityPeriod.set(ctx.state, v));
  globalSetter('sudo_set_network_min_lock_cost', 36, u64('lock_cost'), (ctx, v) => s.NetworkMinLockCost.set(ctx.state, v));
  globalSetter('sudo_set_subnet_limit', 37, u16('max_subnets'), (ctx, v) => s.SubnetLimit.set(ctx.state, v));
  globalSetter('sudo_set_lock_reduction_interval', 38, u64('interval'), (ctx, v) => s.NetworkLockReductionInterval.set(ctx.state, v));
  globalSetter('sudo_set_stake_threshold', 42, u64('min_stake'), (ctx, v) => s.StakeThreshold.set(ctx.state, v));
  globalSetter('sudo_set_admin_freeze_window', 74, u16('window'), (ctx, v) => s.AdminFreezeWindow.set(ctx.state, v));
  globalSetter('sudo_set_owner_hparam_rate_limit', 75, u16('epochs'), (ctx, v) => s.OwnerHyperparamRateLimit.set(ctx.state, v));
  globalSetter('sudo_set_start_call_delay', 85, u64('delay'), (ctx, v) => s.StartCallDelay.set(ctx.state, v));
  globalSetter('sudo_set_max_epochs_per_block', 96, ['max_epochs_per_block', c.u8, 'u8'] as Arg<number>, (ctx, v) => {
    if (v < 1) valueNotInBounds();
    s.MaxEpochsPerBlock.set(ctx.state, v);
  });

  if (sub.collateral) defineCollateralSetter(sub.core, sub.collateral, p);

  return { pallet: p };
}
