/**
 * Subtensor's per-block step for every subnet, wired to storage: the pure coinbase
 * (devnet/runtime/emission.ts: per-block alpha, owner cut, pending split, epoch schedule and drain),
 * the pure Yuma epoch (shared/math/yuma.ts), and the distribution of its result into stake.
 * This file only maps storage → their inputs and their outputs → storage.
 *
 * SubnetAlphaOut grows when alpha is credited to stake (burned alpha never enters it), so it stays
 * the alpha held by stakers.
 */
import { u8aToHex, hexToU8a, u8aEq } from '@polkadot/util';
import { activityCutoffBlocks, epoch, type YumaInput } from '../../shared/math/yuma.js';
import { blockStep, distribute, isEpochDue, type SubnetEmissionState } from '../runtime/emission.js';
import type { BlockContext } from '../runtime/pallet.js';
import type { State } from '../runtime/storage.js';
import type { SubtensorPallet } from './subtensor.js';

const num = (v: unknown): number => Number(v as bigint | number);

function readEmissionState(sub: SubtensorPallet, st: State, netuid: number): SubnetEmissionState {
  const s = sub.storage;
  const first = s.FirstEmissionBlockNumber.get(st, netuid);
  return {
    tempo: s.Tempo.get(st, netuid),
    lastEpochBlock: num(s.LastEpochBlock.get(st, netuid)),
    pendingEpochAt: num(s.PendingEpochAt.get(st, netuid)),
    subnetEpochIndex: num(s.SubnetEpochIndex.get(st, netuid)),
    blocksSinceLastStep: num(s.BlocksSinceLastStep.get(st, netuid)),
    lastMechanismStepBlock: num(s.LastMechansimStepBlock.get(st, netuid)),
    pendingServerEmission: s.PendingServerEmission.get(st, netuid),
    pendingValidatorEmission: s.PendingValidatorEmission.get(st, netuid),
    pendingOwnerCut: s.PendingOwnerCut.get(st, netuid),
    firstEmissionBlockNumber: first === null ? null : Number(first),
    subtokenEnabled: s.SubtokenEnabled.get(st, netuid),
    networkRegistrationAllowed: s.NetworkRegistrationAllowed.get(st, netuid),
    ownerCutEnabled: s.OwnerCutEnabled.get(st, netuid),
  };
}

function writeEmissionState(sub: SubtensorPallet, st: State, netuid: number, e: SubnetEmissionState): void {
  const s = sub.storage;
  s.LastEpochBlock.set(st, netuid, BigInt(e.lastEpochBlock));
  s.PendingEpochAt.set(st, netuid, BigInt(e.pendingEpochAt));
  s.SubnetEpochIndex.set(st, netuid, BigInt(e.subnetEpochIndex));
  s.BlocksSinceLastStep.set(st, netuid, BigInt(e.blocksSinceLastStep));
  s.LastMechansimStepBlock.set(st, netuid, BigInt(e.lastMechanismStepBlock));
  s.PendingServerEmission.set(st, netuid, e.pendingServerEmission);
  s.PendingValidatorEmission.set(st, netuid, e.pendingValidatorEmission);
  s.PendingOwnerCut.set(st, netuid, e.pendingOwnerCut);
}

/** The epoch's input, read from storage (one mechanism, stake = TotalHotkeyAlpha). */
export function readYumaInput(sub: SubtensorPallet, st: State, netuid: number, block: number, raoEmission: bigint, lastMechanismStepBlock: number): { input: YumaInput; hotkeys: Uint8Array[] } {
  const s = sub.storage;
  const n = s.SubnetworkN.get(st, netuid) as number;
  const hotkeys = Array.from({ length: n }, (_, uid) => s.Keys.get(st, netuid, uid));
  const tempo = s.Tempo.get(st, netuid) as number;
  const ownerHot = s.SubnetOwnerHotkey.get(st, netuid) as Uint8Array;
  const ownerUid = s.Uids.get(st, netuid, ownerHot);
  const crOn = s.CommitRevealWeightsEnabled.get(st, netuid) as boolean;
  const [alphaLow, alphaHigh] = s.AlphaValues.get(st, netuid) as [number, number];
  const input: YumaInput = {
    currentBlock: block,
    stake: hotkeys.map((h) => s.TotalHotkeyAlpha.get(st, h, netuid)),
    weights: hotkeys.map((_, uid) => s.Weights.get(st, netuid, uid)),
    bonds: hotkeys.map((_, uid) => s.Bonds.get(st, netuid, uid)),
    lastUpdate: (s.LastUpdate.get(st, netuid) as bigint[]).map(Number),
    blockAtRegistration: hotkeys.map((_, uid) => Number(s.BlockAtRegistration.get(st, netuid, uid))),
    validatorPermit: s.ValidatorPermit.get(st, netuid) as boolean[],
    ownerUid,
    lastMechanismStepBlock,
    tempo,
    raoEmission,
    params: {
      kappa: s.Kappa.get(st, netuid) as number,
      bondsMovingAverage: s.BondsMovingAverage.get(st, netuid) as bigint,
      bondsPenalty: s.BondsPenalty.get(st, netuid) as number,
      maxAllowedValidators: s.MaxAllowedValidators.get(st, netuid) as number,
      activityCutoffBlocks: activityCutoffBlocks(s.ActivityCutoffFactorMilli.get(st, netuid) as number, tempo),
      yuma3: s.Yuma3On.get(st, netuid),
      liquidAlpha: s.LiquidAlphaOn.get(st, netuid) ? { low: alphaLow, high: alphaHigh, steepness: s.AlphaSigmoidSteepness.get(st, netuid) as number } : null,
      stakeThreshold: s.StakeThreshold.get(st),
    },
  };
  if (crOn) {
    const epochIndex = s.SubnetEpochIndex.get(st, netuid) as bigint;
    const period = s.RevealPeriodEpochs.get(st, netuid);
    input.commitBlock = hotkeys.map((h) => {
      const live = (s.WeightCommits.get(st, netuid, h) ?? []).filter(([, ce]) => ce + period >= epochIndex);
      return live.length ? Math.min(...live.map(([, , cb]) => Number(cb))) : null;
    });
  }
  return { input, hotkeys };
}

function hotkeysDistinct(sub: SubtensorPallet, st: State, netuid: number): boolean {
  const n = sub.storage.SubnetworkN.get(st, netuid) as number;
  const keys = new Set<string>();
  for (let uid = 0; uid < n; uid++) keys.add(u8aToHex(sub.storage.Keys.get(st, netuid, uid)));
  return keys.size === n;
}

/** Runs the coinbase and, when due, the epoch and distribution for every subnet, in netuid order. */
export function subnetBlockStep(sub: SubtensorPallet, ctx: BlockContext): void {
  const st = ctx.state;
  const s = sub.storage;
  const maxEpochs = s.MaxEpochsPerBlock.get(st);
  let epochsRun = 0;
  for (const netuid of sub.subnets(st)) {
    const state = readEmissionState(sub, st, netuid);
    // Duplicate hotkeys skip an epoch; only worth reading all Keys when an epoch is due.
    const due = isEpochDue({ ...state, blocksSinceLastStep: state.blocksSinceLastStep + 1 }, ctx.block);
    const step = blockStep(state, ctx.block, {
      alphaIssuance: (s.SubnetAlphaIn.get(st, netuid) as bigint) + (s.SubnetAlphaOut.get(st, netuid) as bigint),
      subnetOwnerCut: s.SubnetOwnerCut.get(st),
      epochAllowed: epochsRun < maxEpochs,
      inputConsistent: !due || hotkeysDistinct(sub, st, netuid),
    });
    writeEmissionState(sub, st, netuid, step.state);
    s.SubnetAlphaOutEmission.set(st, netuid, step.alphaOutEmission);
    if (step.epochSkipped) ctx.emit('SubtensorModule', 'EpochSkipped', { netuid, block: BigInt(ctx.block) });
    if (!step.epochDue || !step.drained) continue;
    epochsRun++;
    runEpoch(sub, ctx, netuid, step.drained);
  }
}

function runEpoch(sub: SubtensorPallet, ctx: BlockContext, netuid: number, drained: NonNullable<ReturnType<typeof blockStep>['drained']>): void {
  const st = ctx.state;
  const s = sub.storage;
  const { input, hotkeys } = readYumaInput(sub, st, netuid, ctx.block, drained.raoEmission, drained.lastMechanismStepBlock);
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

  const ownerHot = s.SubnetOwnerHotkey.get(st, netuid) as Uint8Array;
  const result = distribute({
    neurons: hotkeys.map((h) => ({ hotkey: u8aToHex(h), coldkey: u8aToHex(sub.ownerOf(st, h) ?? h) })),
    epoch: out,
    drained,
    subnetOwner: u8aToHex(s.SubnetOwner.get(st, netuid)),
    subnetOwnerHotkey: u8aEq(ownerHot, new Uint8Array(32)) ? null : u8aToHex(ownerHot),
  });
  for (const c of result.stakeCredits) sub.stakeTo(st, hexToU8a(c.hotkey), hexToU8a(c.coldkey), netuid, c.amount);
  for (const c of result.hotkeyCredits) sub.creditHotkey(st, hexToU8a(c.hotkey), netuid, c.amount);
  for (const d of result.alphaDividends) s.AlphaDividendsPerSubnet.set(st, netuid, hexToU8a(d.hotkey), d.amount);
}
