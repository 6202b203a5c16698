/**
 * Subnet hyperparameters by the names btcli uses, with where each is stored and which AdminUtils
 * call sets it (research/subtensor.md §1.5, §2.3). `root` setters need the sudo key (sent through
 * Sudo.sudo); the others may be sent by the subnet owner coldkey directly. `global` ones take no netuid.
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
  activity_cutoff_factor_milli: { storage: 'ActivityCutoffFactorMilli' },
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
  liquid_alpha_enabled: { storage: 'LiquidAlphaOn', setter: 'sudo_set_liquid_alpha_enabled' },
  yuma3_enabled: { storage: 'Yuma3On', setter: 'sudo_set_yuma3_enabled' },
  subnet_is_active: { storage: 'SubtokenEnabled', setter: 'sudo_set_subtoken_enabled', root: true },
  subnet_emission_enabled: { storage: 'SubnetEmissionEnabled', setter: 'sudo_set_subnet_emission_enabled', root: true },
  stake_threshold: { storage: 'StakeThreshold', setter: 'sudo_set_stake_threshold', root: true, global: true },
  admin_freeze_window: { storage: 'AdminFreezeWindow', setter: 'sudo_set_admin_freeze_window', root: true, global: true },
  network_rate_limit: { storage: 'NetworkRateLimit', setter: 'sudo_set_network_rate_limit', root: true, global: true },
};
