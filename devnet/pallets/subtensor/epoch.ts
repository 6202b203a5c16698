/**
 * Block step 3, `run_coinbase`, for every subnet, wired to storage: the pure coinbase
 * (devnet/runtime/emission.ts: per-block alpha, owner cut, pending split, epoch schedule and drain),
 * the pure Yuma epoch (shared/math/yuma.ts), and the distribution of its result into stake.
 * This file only maps storage → their inputs and their outputs → storage.
 *
 * SubnetAlphaOut grows when alpha is credited to stake (burned alpha never enters it), so it stays
 * the alpha held by stakers.
 */
import { u8aToHex, hexToU8a, u8aEq } from '@polkadot/util';
import { activityCutoffBlocks, epoch, type YumaInput } from '../../../shared/math/yuma.js';
import { blockStep, distribute, isEpochDue, type DrainedEmission } from '../../runtime/emission.js';
import type { BlockContext } from '../../runtime/pallet.js';
import type { State } from '../../runtime/storage.js';
import type { SubtensorStorage } from './storage.js';
import { ownerOf } from './neurons.js';
import { readEmissionState, writeEmissionState } from './schedule.js';
import { creditHotkey, stakeTo, stakeWeight } from './staking.js';
import { subnetNetuids } from './subnets.js';
import { liveCommits } from './weights.js';

/** The epoch's input, read from storage (one mechanism, stake = alpha + root stake × TaoWeight). */
function readYumaInput(s: SubtensorStorage, st: State, netuid: number, block: number, raoEmission: bigint, lastMechanismStepBlock: number): { input: YumaInput; hotkeys: Uint8Array[] } {
  const n = s.SubnetworkN.get(st, netuid);
  const hotkeys = Array.from({ length: n }, (_, uid) => s.Keys.get(st, netuid, uid));
  const tempo = s.Tempo.get(st, netuid);
  const ownerUid = s.Uids.get(st, netuid, s.SubnetOwnerHotkey.get(st, netuid));
  const [alphaLow, alphaHigh] = s.AlphaValues.get(st, netuid);
  const input: YumaInput = {
    currentBlock: block,
    stake: hotkeys.map((h) => stakeWeight(s, st, h, netuid)),
    weights: hotkeys.map((_, uid) => s.Weights.get(st, netuid, uid)),
    bonds: hotkeys.map((_, uid) => s.Bonds.get(st, netuid, uid)),
    lastUpdate: s.LastUpdate.get(st, netuid).map(Number),
    blockAtRegistration: hotkeys.map((_, uid) => Number(s.BlockAtRegistration.get(st, netuid, uid))),
    validatorPermit: s.ValidatorPermit.get(st, netuid),
    ownerUid,
    lastMechanismStepBlock,
    tempo,
    raoEmission,
    params: {
      kappa: s.Kappa.get(st, netuid),
      bondsMovingAverage: s.BondsMovingAverage.get(st, netuid),
      bondsPenalty: s.BondsPenalty.get(st, netuid),
      maxAllowedValidators: s.MaxAllowedValidators.get(st, netuid),
      activityCutoffBlocks: activityCutoffBlocks(s.ActivityCutoffFactorMilli.get(st, netuid), tempo),
      yuma3: s.Yuma3On.get(st, netuid),
      liquidAlpha: s.LiquidAlphaOn.get(st, netuid) ? { low: alphaLow, high: alphaHigh, steepness: s.AlphaSigmoidSteepness.get(st, netuid) } : null,
      stakeThreshold: s.StakeThreshold.get(st),
    },
  };
  if (s.CommitRevealWeightsEnabled.get(st, netuid)) {
    const epochIndex = s.SubnetEpochIndex.get(st, netuid);
    const period = s.RevealPeriodEpochs.get(st, netuid);
    input.commitBlock = hotkeys.map((h) => {
      const live = liveCommits(s.WeightCommits.get(st, netuid, h), period, epochIndex);
      return live.length ? Math.min(...live.map(([, , cb]) => Number(cb))) : null;
    });
  }
  return { input, hotkeys };
}

function hotkeysDistinct(s: SubtensorStorage, st: State, netuid: number): boolean {
  const n = s.SubnetworkN.get(st, netuid);
  const keys = new Set<string>();
  for (let uid = 0; uid < n; uid++) keys.add(u8aToHex(s.Keys.get(st, netuid, uid)));
  return keys.size === n;
}

/** Runs the coinbase and, when due, the epoch and distribution for every subnet, in netuid order. */
export function runCoinbase(s: SubtensorStorage, ctx: BlockContext): void {
  const st = ctx.state;
  const maxEpochs = s.MaxEpochsPerBlock.get(st);
  let epochsRun = 0;
  for (const netuid of subnetNetuids(s, st)) {
    const state = readEmissionState(s, st, netuid);
    // Duplicate hotkeys skip an epoch; only worth reading all Keys when an epoch is due.
    const due = isEpochDue({ ...state, blocksSinceLastStep: state.blocksSinceLastStep + 1 }, ctx.block);
    const step = blockStep(state, ctx.block, {
      alphaIssuance: s.SubnetAlphaIn.get(st, netuid) + s.SubnetAlphaOut.get(st, netuid),
      subnetOwnerCut: s.SubnetOwnerCut.get(st),
      epochAllowed: epochsRun < maxEpochs,
      inputConsistent: !due || hotkeysDistinct(s, st, netuid),
    });
    writeEmissionState(s, st, netuid, step.state);
    s.SubnetAlphaOutEmission.set(st, netuid, step.alphaOutEmission);
    if (step.epochSkipped) ctx.emit('SubtensorModule', 'EpochSkipped', { netuid, block: BigInt(ctx.block) });
    if (!step.epochDue || !step.drained) continue;
    epochsRun++;
    runEpoch(s, ctx, netuid, step.drained);
  }
}

function runEpoch(s: SubtensorStorage, ctx: BlockContext, netuid: number, drained: DrainedEmission): void {
  const st = ctx.state;
  const { input, hotkeys } = readYumaInput(s, st, netuid, ctx.block, drained.raoEmission, drained.lastMechanismStepBlock);
  const out = epoch(input);
  s.Active.set(st, netuid, out.active);
  s.Consensus.set(st, netuid, out.consensus);
  s.Incentive.set(st, netuid, out.incentive);
  s.Dividends.set(st, netuid, out.dividends);
  s.ValidatorTrust.set(st, netuid, out.validatorTrust);
  s.ValidatorPermit.set(st, netuid, out.validatorPermit);
  s.StakeWeight.set(st, netuid, out.stakeWeight);
  s.Emission.set(st, netuid, out.emission);
  out.bonds.forEach((row, uid) => s.Bonds.set(st, netuid, uid, row));
  ctx.emit('SubtensorModule', 'IncentiveAlphaEmittedToMiners', { netuid, emissions: out.serverEmission });

  const ownerHot = s.SubnetOwnerHotkey.get(st, netuid);
  const result = distribute({
    neurons: hotkeys.map((h) => ({ hotkey: u8aToHex(h), coldkey: u8aToHex(ownerOf(s, st, h) ?? h) })),
    epoch: out,
    drained,
    subnetOwner: u8aToHex(s.SubnetOwner.get(st, netuid)),
    subnetOwnerHotkey: u8aEq(ownerHot, new Uint8Array(32)) ? null : u8aToHex(ownerHot),
  });
  for (const c of result.stakeCredits) stakeTo(s, st, hexToU8a(c.hotkey), hexToU8a(c.coldkey), netuid, c.amount);
  for (const c of result.hotkeyCredits) creditHotkey(s, st, hexToU8a(c.hotkey), netuid, c.amount);
  for (const d of result.alphaDividends) s.AlphaDividendsPerSubnet.set(st, netuid, hexToU8a(d.hotkey), d.amount);
}
