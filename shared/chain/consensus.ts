/**
 * Whether Yuma consensus can form on a subnet, and if not, why, in stake figures. A miner's consensus
 * weight is non-zero only when the validators weighting it hold at least kappa of the active validator
 * stake (shared/math/yuma.ts weightedMedianCol: the stake giving it no weight must not exceed 1 − κ).
 * Active validator stake is the stake weight of uids with a permit (the owner always has one) whose
 * LastUpdate is within the activity cutoff. A validator with a permit that sets no weights therefore
 * holds consensus down for everyone: the usual case is the subnet owner's hotkey, which holds a permit and
 * often most of the stake, and counts as active for a whole activity cutoff after registering.
 *
 * Pure; `diagnoseConsensus` in actions/getConsensus.ts gathers the inputs from the chain.
 */
import { formatTao } from './units.js';

export interface ConsensusNeuron {
  uid: number;
  hotkey: string;
  /** Stake weight, rao (alpha + root × TaoWeight). */
  stake: bigint;
  validatorPermit: boolean;
  lastUpdate: number;
  /** Has a weights row with weight on some uid other than itself. */
  setsWeights: boolean;
}

export interface ConsensusInput {
  neurons: readonly ConsensusNeuron[];
  /** `Kappa`, u16 (32767 ≈ 0.5). */
  kappa: number;
  activityCutoffBlocks: number;
  currentBlock: number;
  ownerHotkey?: string;
  /**
   * A validator about to set weights (the one starting): counted as setting them, and as permitted when
   * it has stake but no permit yet (permits are granted at the next epoch to the top stakes).
   */
  assumeSetting?: string;
}

export interface SilentValidator {
  uid: number;
  hotkey: string;
  stake: bigint;
  /** Its part of the active validator stake, 0..1. */
  share: number;
  owner: boolean;
  /** The first block at which it no longer counts as active, unless it sets weights. */
  inactiveFrom: number;
}

export interface ConsensusDiagnosis {
  canForm: boolean;
  /** κ as a fraction. */
  kappa: number;
  /** Active validator stake (permitted, within the activity cutoff), rao. */
  activeStake: bigint;
  /** The part of it that sets weights, rao. */
  settingStake: bigint;
  settingShare: number;
  /** Active validators with a permit that set no weights, largest stake first. */
  silent: SilentValidator[];
  /** One line: whether consensus forms, with the figures. */
  summary: string;
  /** What to do, when it cannot form. */
  fix?: string;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const tao = (rao: bigint): string => `${formatTao(rao, 2)} τ`;

export function diagnoseConsensus(input: ConsensusInput): ConsensusDiagnosis {
  const kappa = input.kappa / 65535;
  const counted = input.neurons.filter(
    (n) =>
      (n.validatorPermit || n.hotkey === input.ownerHotkey || n.hotkey === input.assumeSetting) &&
      n.stake > 0n &&
      (n.lastUpdate + input.activityCutoffBlocks >= input.currentBlock || n.hotkey === input.assumeSetting),
  );
  const setting = (n: ConsensusNeuron) => n.setsWeights || n.hotkey === input.assumeSetting;
  const activeStake = counted.reduce((s, n) => s + n.stake, 0n);
  const settingStake = counted.filter(setting).reduce((s, n) => s + n.stake, 0n);
  const settingShare = activeStake === 0n ? 0 : Number((settingStake * 1_000_000n) / activeStake) / 1_000_000;
  const silent = counted
    .filter((n) => !setting(n))
    .map((n) => ({
      uid: n.uid,
      hotkey: n.hotkey,
      stake: n.stake,
      share: Number((n.stake * 1_000_000n) / activeStake) / 1_000_000,
      owner: n.hotkey === input.ownerHotkey,
      inactiveFrom: n.lastUpdate + input.activityCutoffBlocks + 1,
    }))
    .sort((a, b) => (a.stake === b.stake ? a.uid - b.uid : a.stake > b.stake ? -1 : 1));
  const base = { kappa, activeStake, settingStake, settingShare, silent };

  if (activeStake === 0n) {
    return {
      ...base,
      canForm: false,
      summary: 'consensus cannot form: no validator with a permit and stake is active',
      fix: 'stake to a validator hotkey and let it set weights; permits are granted at the next epoch to the top stakes',
    };
  }
  if (settingStake * 65535n >= BigInt(input.kappa) * activeStake) {
    return { ...base, canForm: true, summary: `consensus forms: validators setting weights hold ${pct(settingShare)} of the active validator stake (${tao(settingStake)} of ${tao(activeStake)}), at least kappa ${pct(kappa)}` };
  }
  const top = silent[0]!;
  const who = top.owner ? `the subnet owner's hotkey ${top.hotkey} (uid ${top.uid})` : `hotkey ${top.hotkey} (uid ${top.uid})`;
  const fix =
    `${who} holds ${pct(top.share)} of the active validator stake (${tao(top.stake)}) and a permit but sets no weights, so miners get no consensus and earn 0. ` +
    `Fix: run a validator with that hotkey (${top.owner ? 'the owner hotkey may weight miners without staking further' : 'flopnet validator start'}), ` +
    `or move its stake to validators that set weights, or stake more to them until they hold kappa (${pct(kappa)}); ` +
    `without weights it stops counting from block ${top.inactiveFrom}, when its activity cutoff runs out.`;
  return {
    ...base,
    canForm: false,
    summary: `consensus cannot form: validators setting weights hold ${pct(settingShare)} of the active validator stake (${tao(settingStake)} of ${tao(activeStake)}), below kappa ${pct(kappa)}`,
    fix,
  };
}
