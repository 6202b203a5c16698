/**
 * Yuma consensus: one subnet epoch as subtensor runs it at HEAD (`epoch/run_epoch.rs::epoch_mechanism`),
 * as a pure function. Plain data in, plain data out, no I/O, so the devnet's block step and an incentive
 * simulator call the same code.
 *
 * Scope (what is bit-exact): one mechanism, stake = the hotkey's alpha on the subnet (no root stake, no
 * child keys). Fixed-point follows subtensor: I32F32 for proportions, I64F64 for stake normalisation,
 * I96F32 for the rao emission, every stored proportion written as ⌊x × 65535⌋.
 */

/** Subnet hyperparameters the epoch reads, in their stored units. */
export interface YumaParams {
  /** `Kappa`, u16: the consensus quantile is kappa/65535 (default 32767, the stake-weighted median). */
  kappa: number;
  /** `BondsMovingAverage`, per million: the EMA keeps this much of the old bonds (default 900000). */
  bondsMovingAverage: number | bigint;
  /** `BondsPenalty`, u16: 65535 bonds on clipped weights, 0 on raw weights. */
  bondsPenalty: number;
  /** `MaxAllowedValidators`: how many uids may hold a validator permit. */
  maxAllowedValidators: number;
  /** Blocks after the last weight set before a uid counts inactive; see {@link activityCutoffBlocks}. */
  activityCutoffBlocks: number;
  /** `Yuma3On`: true for subnets made by `register_network` at HEAD. */
  yuma3: boolean;
  /** `LiquidAlphaOn` with `AlphaValues` (u16 low, high) and `AlphaSigmoidSteepness` (i16); Yuma3 only. */
  liquidAlpha?: { low: number; high: number; steepness: number } | null;
  /** `StakeThreshold`, rao: uids below it count as zero stake (the owner uid is exempt). Default 0. */
  stakeThreshold?: bigint;
}

/** One neuron's stored weight or bond row: (destination uid, u16 value) pairs. */
export type SparseRow = readonly (readonly [uid: number, value: number])[];

/** The subnet's state at the epoch, every vector indexed by uid 0..n−1 (n = `SubnetworkN`). */
export interface YumaInput {
  /** The block the epoch runs in. */
  currentBlock: number;
  /** `TotalHotkeyAlpha` per uid, rao. */
  stake: readonly bigint[];
  /** `Weights[netuid][uid]` as stored (raw u16, max-upscaled by set_weights). */
  weights: readonly SparseRow[];
  /** `Bonds[netuid][uid]` as stored by the last epoch. */
  bonds: readonly SparseRow[];
  /** `LastUpdate`: block of each uid's last weight set (or commit). */
  lastUpdate: readonly number[];
  /** `BlockAtRegistration` per uid. */
  blockAtRegistration: readonly number[];
  /** `ValidatorPermit` as stored by the last epoch: this epoch masks with it (one-epoch lag). */
  validatorPermit: readonly boolean[];
  /** Uid of `SubnetOwnerHotkey` on this subnet, or null when it holds none. */
  ownerUid: number | null;
  /** `LastMechansimStepBlock` (block of the previous epoch), 0 if none yet. */
  lastMechanismStepBlock: number;
  /** `Tempo`. */
  tempo: number;
  /**
   * With commit-reveal on: the earliest commit block among each uid's unrevealed commits, or null. Weights
   * of i to j are dropped when it is < BlockAtRegistration_j. Omit when commit-reveal is off.
   */
  commitBlock?: readonly (number | null)[];
  /** Alpha (rao) distributed by this epoch: the drained pending server + validator (+ root) emission. */
  raoEmission: bigint;
  params: YumaParams;
}

/** Everything the epoch writes, as stored (u16 proportions = ⌊x × 65535⌋), plus the emission per uid. */
export interface YumaOutput {
  /** `Active`. */
  active: boolean[];
  /** `Consensus`, u16. */
  consensus: number[];
  /** `Incentive`, u16. */
  incentive: number[];
  /** `Dividends`, u16. */
  dividends: number[];
  /** `ValidatorTrust`, u16. */
  validatorTrust: number[];
  /** `ValidatorPermit` to store: the new top-k permits, used by the next epoch. */
  validatorPermit: boolean[];
  /** `StakeWeight`, u16: normalised stake after the threshold. */
  stakeWeight: number[];
  /** `Bonds` rows to store, u16. Uids without a new permit get an empty row. */
  bonds: [number, number][][];
  /** Miner (server) emission per uid, rao: incentive share of raoEmission. */
  serverEmission: bigint[];
  /** Validator emission per uid, rao: dividend share of raoEmission. */
  validatorEmission: bigint[];
  /** `Emission`, rao per uid: combined (incentive + dividends) share of raoEmission. */
  emission: bigint[];
}

/** `get_activity_cutoff` at HEAD: max(1, ⌊ActivityCutoffFactorMilli × Tempo / 1000⌋). */
export function activityCutoffBlocks(activityCutoffFactorMilli: number, tempo: number): number {
  return Math.max(1, Math.floor((activityCutoffFactorMilli * tempo) / 1000));
}

/** Runs one Yuma epoch over a subnet's state. Pure: the inputs are not modified. */
export function epoch(input: YumaInput): YumaOutput {
  void input;
  throw new Error('not implemented');
}
