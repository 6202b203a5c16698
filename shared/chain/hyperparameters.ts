/**
 * Subnet hyperparameters by the names btcli uses, with where each is stored and which AdminUtils
 * call sets it (research/subtensor.md §1.5, §2.3). `root` setters need the sudo key (sent through
 * Sudo.sudo); the others may be sent by the subnet owner coldkey directly. `global` ones take no netuid.
 *
 * Runtimes moved some setters: `setterFor` decides from the connected runtime's calls and storage
 * (its metadata) which call sets a hyperparameter there and whether the owner may send it.
 */
export interface Hyperparameter {
  /** SubtensorModule storage item (per netuid unless global). */
  storage?: string;
  /** AdminUtils call that sets it. */
  setter?: string;
  root?: boolean;
  global?: boolean;
}

export const HYPERPARAMETERS: Readonly<Record<string, Hyperparameter>> = {
  tempo: { storage: 'Tempo', setter: 'sudo_set_tempo', root: true },
  rho: { storage: 'Rho', setter: 'sudo_set_rho' },
  kappa: { storage: 'Kappa', setter: 'sudo_set_kappa', root: true },
  immunity_period: { storage: 'ImmunityPeriod', setter: 'sudo_set_immunity_period' },
  min_allowed_weights: { storage: 'MinAllowedWeights', setter: 'sudo_set_min_allowed_weights' },
  max_weights_limit: { storage: 'MaxWeightsLimit', setter: 'sudo_set_max_weight_limit' },
  weights_version: { storage: 'WeightsVersionKey', setter: 'sudo_set_weights_version_key' },
  weights_rate_limit: { storage: 'WeightsSetRateLimit', setter: 'sudo_set_weights_set_rate_limit', root: true },
  activity_cutoff: { storage: 'ActivityCutoff', setter: 'sudo_set_activity_cutoff' },
  activity_cutoff_factor_milli: { storage: 'ActivityCutoffFactorMilli', setter: 'sudo_set_activity_cutoff_factor' },
  registration_allowed: { storage: 'NetworkRegistrationAllowed', setter: 'sudo_set_network_registration_allowed', root: true },
  target_regs_per_interval: { storage: 'TargetRegistrationsPerInterval', setter: 'sudo_set_target_registrations_per_interval', root: true },
  max_regs_per_block: { storage: 'MaxRegistrationsPerBlock', setter: 'sudo_set_max_registrations_per_block', root: true },
  burn: { storage: 'Burn' },
  min_burn: { storage: 'MinBurn', setter: 'sudo_set_min_burn' },
  max_burn: { storage: 'MaxBurn', setter: 'sudo_set_max_burn' },
  bonds_moving_avg: { storage: 'BondsMovingAverage', setter: 'sudo_set_bonds_moving_average' },
  bonds_penalty: { storage: 'BondsPenalty', setter: 'sudo_set_bonds_penalty' },
  serving_rate_limit: { storage: 'ServingRateLimit', setter: 'sudo_set_serving_rate_limit' },
  max_validators: { storage: 'MaxAllowedValidators', setter: 'sudo_set_max_allowed_validators', root: true },
  max_allowed_uids: { storage: 'MaxAllowedUids', setter: 'sudo_set_max_allowed_uids' },
  commit_reveal_weights_enabled: { storage: 'CommitRevealWeightsEnabled', setter: 'sudo_set_commit_reveal_weights_enabled' },
  commit_reveal_period: { storage: 'RevealPeriodEpochs', setter: 'sudo_set_commit_reveal_weights_interval' },
  /** Spec ≥ 435: the share (65535 = 100 %, at most 95 %) of the registration price locked as miner collateral. */
  collateral_lock_share: { storage: 'CollateralLockShare', setter: 'sudo_set_collateral_lock_share' },
  liquid_alpha_enabled: { storage: 'LiquidAlphaOn', setter: 'sudo_set_liquid_alpha_enabled' },
  yuma3_enabled: { storage: 'Yuma3On', setter: 'sudo_set_yuma3_enabled' },
  subnet_is_active: { storage: 'SubtokenEnabled', setter: 'sudo_set_subtoken_enabled', root: true },
  subnet_emission_enabled: { storage: 'SubnetEmissionEnabled', setter: 'sudo_set_subnet_emission_enabled', root: true },
  stake_threshold: { storage: 'StakeThreshold', setter: 'sudo_set_stake_threshold', root: true, global: true },
  admin_freeze_window: { storage: 'AdminFreezeWindow', setter: 'sudo_set_admin_freeze_window', root: true, global: true },
  network_rate_limit: { storage: 'NetworkRateLimit', setter: 'sudo_set_network_rate_limit', root: true, global: true },
};

/** What a runtime offers, as its metadata says. */
export interface RuntimeSurface {
  specVersion: number;
  hasCall(pallet: string, call: string): boolean;
  hasStorage(pallet: string, item: string): boolean;
}

export type SetterPlan = { pallet: 'AdminUtils' | 'SubtensorModule'; call: string; root: boolean } | { refused: string; hint: string };

/** Setters subtensor took out, and what became of the value. */
const REMOVED: Readonly<Record<string, string>> = {
  max_weights_limit: 'subtensor removed sudo_set_max_weight_limit (about spec 330): MaxWeightsLimit stays 65535, so no per-weight limit applies',
};

/**
 * Which call sets `name` on this runtime, and whether it needs root:
 * - tempo: the owner's `AdminUtils.sudo_set_tempo` from spec 431 (where AdminUtils also has
 *   sudo_set_activity_cutoff_factor), `SubtensorModule.set_tempo` on 404–430, else root only;
 * - activity_cutoff_factor_milli: `AdminUtils.sudo_set_activity_cutoff_factor` (≥ 431) or
 *   `SubtensorModule.set_activity_cutoff_factor` (404–430), owner or root;
 * - activity_cutoff: refused where the epoch reads the factor instead (ActivityCutoffFactorMilli exists);
 * - a setter the runtime lacks: refused, saying what became of it when subtensor removed it.
 * `asRoot` (the call goes through Sudo.sudo) prefers root's setter where the owner's is another call:
 * on 404–430 root still sets any tempo through `AdminUtils.sudo_set_tempo`, without the owner's bounds.
 */
export function setterFor(name: string, runtime: RuntimeSurface, asRoot = false): SetterPlan {
  const hp = HYPERPARAMETERS[name];
  const spec = `spec ${runtime.specVersion}`;
  if (!hp?.setter) {
    const settable = Object.entries(HYPERPARAMETERS).filter(([, h]) => h.setter).map(([n]) => n);
    return { refused: `"${name}" is not a hyperparameter flopnet can set`, hint: `one of: ${settable.join(', ')}` };
  }
  const adminFactor = runtime.hasCall('AdminUtils', 'sudo_set_activity_cutoff_factor');
  if (name === 'tempo') {
    if (adminFactor) return { pallet: 'AdminUtils', call: 'sudo_set_tempo', root: false };
    if (!asRoot && runtime.hasCall('SubtensorModule', 'set_tempo')) return { pallet: 'SubtensorModule', call: 'set_tempo', root: false };
    return { pallet: 'AdminUtils', call: 'sudo_set_tempo', root: true };
  }
  if (name === 'activity_cutoff_factor_milli') {
    if (adminFactor) return { pallet: 'AdminUtils', call: 'sudo_set_activity_cutoff_factor', root: false };
    if (runtime.hasCall('SubtensorModule', 'set_activity_cutoff_factor')) return { pallet: 'SubtensorModule', call: 'set_activity_cutoff_factor', root: false };
    return { refused: `${spec} has no activity-cutoff factor`, hint: 'set activity_cutoff (in blocks) instead' };
  }
  if (name === 'activity_cutoff' && runtime.hasStorage('SubtensorModule', 'ActivityCutoffFactorMilli')) {
    return {
      refused: `on ${spec} the epoch reads activity_cutoff_factor_milli (cutoff = factor × tempo / 1000), not activity_cutoff`,
      hint: 'flopnet subnet hyperparams set activity_cutoff_factor_milli <per-mille of a tempo, 1000-50000> --netuid N',
    };
  }
  if (!runtime.hasCall('AdminUtils', hp.setter)) {
    return { refused: `${spec} has no AdminUtils.${hp.setter} (to set ${name})`, hint: REMOVED[name] ?? 'connect to a runtime that has it' };
  }
  return { pallet: 'AdminUtils', call: hp.setter, root: hp.root === true };
}
