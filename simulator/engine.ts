/**
 * `flopnet simulate`'s engine: a subnet run epoch by epoch on the real modules, with every input
 * explicit and one seeded random source, so a seed gives the same run anywhere. Pure: no I/O.
 *
 * Per epoch:
 *  1. Rounds. The epoch's slots go to the validators in uid order (docs/protocol.md §12); in each slot
 *     its holder runs one round on every miner (behaviour.ts), scores the results (scores.ts
 *     updateScores) and keeps the pace that sizes the next challenge (store/throughput.ts nextPace).
 *  2. Weights. Each validator turns its scores into the vector it would submit (weights.ts
 *     scoresToWeights, weightsForEmit); a colluding validator weighs its colluders instead.
 *  3. Chain. The block coinbase fills the pending emission (devnet/runtime/emission.ts blockStep), Yuma
 *     runs (shared/math/yuma.ts epoch), and the result is paid out (distribute): miners, validators,
 *     the owner's cut, and what the owner's uid received, which is burned.
 */
import type { Metagraph, Neuron } from '../shared/chain/types.js';
import { PRECISIONS, type Precision } from '../shared/challenge/types.js';
import { UsageError } from '../shared/errors.js';
import { epoch as yumaEpoch, type SparseRow, type YumaParams } from '../shared/math/yuma.js';
import { blockStep, distribute, newSubnetEmissionState, type SubnetEmissionState } from '../devnet/runtime/emission.js';
import { paidClasses, type Incentives } from '../validator/incentives.js';
import type { ChallengeResult } from '../validator/result.js';
import type { ClassTflops } from '../validator/reward.js';
import { updateScores, type ScoreEntry } from '../validator/scores.js';
import { nextPace, type Throughput } from '../validator/store/throughput.js';
import { drawClass } from '../validator/round.js';
import { scoresToWeights, weightsForEmit, type WeightRules } from '../validator/weights.js';
import { deviceRound, type SimDevice, type SimHotkey } from './behaviour.js';
import type { Population, ValidatorGroup } from './population.js';
import { formatStrategy } from './strategies.js';
import { seededRandom } from './random.js';

export interface SimulationInput {
  incentives: Incentives;
  population: Population;
  epochs: number;
  seed: number;
  /** First epochs left out of the totals while scores build up from zero. */
  warmup: number;
  signal?: AbortSignal;
  /** Called after each epoch (progress displays). */
  onEpoch?: (done: number, epochs: number) => void;
}

export interface MinerOutcome {
  uid: number;
  hotkey: string;
  group: string;
  /** Alpha earned over the measured epochs. */
  emission: number;
  /** Share of what all miners earned over the measured epochs. */
  share: number;
  /** Verified TFLOPS per class: the validators' moving averages, averaged over honest validators and measured epochs. */
  ema: ClassTflops;
  /** Its score, averaged the same way. */
  score: number;
}

export interface GroupOutcome {
  label: string;
  device: string;
  strategy: string;
  devices: number;
  hotkeysPerDevice: number;
  /** Alpha per device (all its hotkeys) over the measured epochs. */
  emissionPerDevice: number;
  /** The group's share of what all miners earned. */
  share: number;
  /** Emission per device over that of an honest one-hotkey device of the same model; null without one. */
  relativeToHonest: number | null;
  /** Verified TFLOPS per device and class (the miners' `ema`, summed over the device's hotkeys). */
  tflopsPerDevice: ClassTflops;
  /** Alpha per device in each epoch. */
  perEpoch: number[];
  /** relativeToHonest in each epoch; null without an honest device of the model. */
  relativePerEpoch: number[] | null;
}

export interface ValidatorOutcome {
  uid: number;
  label: string;
  stake: number;
  colluding: boolean;
  /** Alpha earned (take and nominators' part) over the measured epochs. */
  dividends: number;
  /** Validator trust at the last epoch, 0..1. */
  validatorTrust: number;
}

export interface EmissionSplit {
  minted: number;
  miners: number;
  validators: number;
  ownerCut: number;
  /** Incentive paid to the owner's uid (burn.uid): burned. */
  burned: number;
}

export interface SimulationResult {
  seed: number;
  epochs: number;
  warmup: number;
  /** Validator rounds run in all. */
  rounds: number;
  ownerUid: number;
  groups: GroupOutcome[];
  miners: MinerOutcome[];
  validators: ValidatorOutcome[];
  /** Alpha over the measured epochs. */
  emission: EmissionSplit;
  /** The subnet's verified TFLOPS per class at the end: Σ over miners of the moving averages. */
  capacity: ClassTflops;
  /** Per epoch: verified TFLOPS per class (mean over honest validators). */
  capacityPerEpoch: ClassTflops[];
}

interface SimValidator {
  uid: number;
  hotkey: string;
  group: ValidatorGroup;
  stake: bigint;
  scores: Map<string, ScoreEntry>;
  history: Map<string, Map<Precision, Throughput>>;
  rounds: number;
  lastUpdate: number;
}

const RAO = 1e9;
const alpha = (rao: bigint): number => Number(rao) / RAO;

function neuron(uid: number, hotkey: string, stake: bigint): Neuron {
  return {
    uid, hotkey, coldkey: `${hotkey}/cold`, active: true, stake,
    axon: { block: 0, version: 0, ip: '0.0.0.0', port: 0, ipType: 4, protocol: 4 },
    validatorPermit: false, rank: 0, trust: 0, consensus: 0, incentive: 0, dividends: 0, validatorTrust: 0,
    emission: 0n, lastUpdate: 0, blockAtRegistration: 0,
  };
}

/** uids: the owner's (burn.uid, else 0), then validators, then miners, in population order. */
function layout(population: Population, incentives: Incentives) {
  const validatorCount = population.validators.reduce((n, v) => n + v.count, 0);
  const hotkeyCount = population.miners.reduce((n, m) => n + m.count * m.hotkeysPerDevice, 0);
  const size = 1 + validatorCount + hotkeyCount;
  const ownerUid = incentives.burn?.uid ?? 0;
  if (ownerUid >= size) {
    throw new UsageError(`burn.uid ${ownerUid} of the incentive config is not a uid of the simulated subnet (0..${size - 1})`, {
      code: 'E_POPULATION',
      hint: 'the simulator places the subnet owner, who receives the burn, at burn.uid: use a uid below the subnet size',
    });
  }
  let next = 0;
  const uid = (): number => (next === ownerUid ? ((next += 2), next - 1) : next++);
  const validators = population.validators.flatMap((group, g) =>
    Array.from({ length: group.count }, (_, i) => ({ uid: uid(), hotkey: `validator-${g}-${i}`, group })),
  );
  const devices: SimDevice[] = [];
  const minerGroup: number[] = [];
  population.miners.forEach((group, g) => {
    for (let d = 0; d < group.count; d++) {
      const hotkeys: SimHotkey[] = Array.from({ length: group.hotkeysPerDevice }, (_, h) => {
        minerGroup.push(g);
        return { uid: uid(), hotkey: `miner-${g}-${d}${group.hotkeysPerDevice > 1 ? `-${h}` : ''}` };
      });
      devices.push({ group, hotkeys });
    }
  });
  return { size, ownerUid, validators, devices, minerGroup };
}

function yumaParams(p: Population['subnet']): YumaParams {
  return {
    kappa: Math.round(p.kappa * 65_535),
    bondsMovingAverage: Math.round(p.bondsMovingAverage * 1_000_000),
    bondsPenalty: Math.round(p.bondsPenalty * 65_535),
    maxAllowedValidators: p.maxAllowedValidators,
    activityCutoffBlocks: p.activityCutoff,
    yuma3: p.yuma3,
    liquidAlpha: null,
  };
}

const sumClasses = (into: ClassTflops, ema: ClassTflops, scale = 1): void => {
  for (const p of PRECISIONS) if (ema[p] !== undefined) into[p] = (into[p] ?? 0) + ema[p]! * scale;
};

/**
 * Epochs until every honest validator has measured each paid class often enough for its average to
 * reach 95 % of a steady miner's: (1 − α)^n ≤ 0.05 rounds at the least-drawn class, each validator
 * holding one slot in V. At most half the run.
 */
export function warmupEpochs(incentives: Incentives, population: Population, epochs: number): number {
  const paid = paidClasses(incentives);
  const total = paid.reduce((a, [, c]) => a + c.draw, 0);
  const rarest = Math.min(...paid.map(([, c]) => c.draw / total));
  const validators = population.validators.reduce((a, v) => a + v.count, 0);
  const roundsPerEpoch = Math.ceil(population.subnet.tempo / incentives.slotBlocks) / validators;
  const needed = Math.ceil(Math.log(0.05) / Math.log(1 - incentives.ema.alpha));
  return Math.min(Math.floor(epochs / 2), Math.ceil(needed / (roundsPerEpoch * rarest)));
}

export function simulate(input: SimulationInput): SimulationResult {
  const { incentives, population, epochs, signal } = input;
  const warmup = Math.min(input.warmup, epochs - 1);
  const { subnet } = population;
  const random = seededRandom(input.seed);
  const { size, ownerUid, validators: placed, devices, minerGroup } = layout(population, incentives);
  const miners = devices.flatMap((d) => d.hotkeys);
  const ownerHotkey = 'owner';

  const validators: SimValidator[] = placed.map((v) => ({
    ...v,
    stake: BigInt(Math.round(v.group.stake * RAO)),
    scores: new Map(),
    history: new Map(),
    rounds: 0,
    lastUpdate: 0,
  }));
  const neurons: Neuron[] = new Array(size);
  neurons[ownerUid] = neuron(ownerUid, ownerHotkey, 0n);
  for (const v of validators) neurons[v.uid] = neuron(v.uid, v.hotkey, v.stake);
  for (const m of miners) neurons[m.uid] = neuron(m.uid, m.hotkey, 0n);
  const metagraph: Metagraph = { netuid: 1, block: 0, neurons };
  const rules: WeightRules = { minAllowedWeights: Math.min(subnet.minAllowedWeights, size), maxWeightLimit: Math.round(subnet.maxWeightsLimit * 65_535) };
  const colluderUids = devices.filter((d) => d.group.strategy.kind === 'colluder').flatMap((d) => d.hotkeys.map((h) => h.uid));
  const slotHolders = [...validators].sort((a, b) => a.uid - b.uid);
  const honest = validators.filter((v) => !v.group.colluding);
  const minerIndex = new Map(miners.map((m, i) => [m.hotkey, i]));
  const validatorIndex = new Map(validators.map((v, i) => [v.hotkey, i]));

  const params = yumaParams(subnet);
  const stake = neurons.map((n) => n.stake);
  let bonds: SparseRow[] = Array.from({ length: size }, () => []);
  let permits = neurons.map((n) => n.stake > 0n);
  let lastStep = 0;
  let coinbase: SubnetEmissionState = { ...newSubnetEmissionState(1, subnet.tempo, 0), firstEmissionBlockNumber: 0, subtokenEnabled: true };
  const pendingWeights: SparseRow[][] = [];

  const minerEmission = new Float64Array(miners.length);
  const minerEma: ClassTflops[] = miners.map(() => ({}));
  const minerScore = new Float64Array(miners.length);
  const samples = honest.length * (epochs - warmup);
  const groupPerEpoch = population.miners.map(() => new Array<number>(epochs).fill(0));
  const dividends = new Float64Array(validators.length);
  const split: EmissionSplit = { minted: 0, miners: 0, validators: 0, ownerCut: 0, burned: 0 };
  const capacityPerEpoch: ClassTflops[] = [];
  let lastTrust: number[] = new Array(size).fill(0);

  for (let e = 0; e < epochs; e++) {
    signal?.throwIfAborted();
    const epochStart = e * subnet.tempo;
    const epochBlock = epochStart + subnet.tempo;

    // 1. One round per slot that starts in this epoch, by the slot's holder.
    const firstSlot = Math.ceil(epochStart / incentives.slotBlocks);
    const endSlot = Math.ceil(epochBlock / incentives.slotBlocks);
    for (let slot = firstSlot; slot < endSlot; slot++) {
      const v = slotHolders[slot % slotHolders.length]!;
      if (v.group.colluding) continue;
      const round = ++v.rounds;
      const results: ChallengeResult[] = [];
      const context = { round, precision: drawClass(incentives, random()), incentives, history: v.history, random };
      for (const device of devices) deviceRound(device, context, results);
      v.scores = updateScores(v.scores, results, round, incentives);
      for (const r of results) {
        if (!r.challenge) continue;
        let paces = v.history.get(r.hotkey);
        const pace = nextPace(r, paces?.get(r.challenge.precision));
        if (!pace) continue;
        if (!paces) v.history.set(r.hotkey, (paces = new Map()));
        paces.set(r.challenge.precision, pace);
      }
    }

    // 2. Weights, as each validator would submit them before the epoch.
    const rows: SparseRow[] = Array.from({ length: size }, () => []);
    for (const v of validators) {
      let floats: Float64Array | undefined;
      if (v.group.colluding) {
        floats = new Float64Array(size);
        for (const uid of colluderUids) floats[uid] = 1 / colluderUids.length;
      } else {
        floats = scoresToWeights(v.scores, metagraph, incentives);
      }
      if (!floats) continue;
      const emit = weightsForEmit(floats, rules);
      rows[v.uid] = emit.uids.map((uid, i) => [uid, emit.values[i]!] as const);
      v.lastUpdate = epochBlock - 1;
    }
    pendingWeights.push(rows);
    const weights = pendingWeights.length > subnet.commitRevealEpochs ? pendingWeights.shift()! : Array.from({ length: size }, (): SparseRow => []);

    // 3. The chain: a tempo of coinbase, then Yuma and the payout.
    let drained;
    for (let block = epochStart + 1; block <= epochBlock; block++) {
      const step = blockStep(coinbase, block, { subnetOwnerCut: Math.round(subnet.ownerCut * 65_535) });
      coinbase = step.state;
      if (step.epochDue) drained = step.drained;
    }
    if (!drained) throw new Error(`internal: no epoch was due at block ${epochBlock}`);
    const lastUpdate = new Array<number>(size).fill(0);
    for (const v of validators) lastUpdate[v.uid] = v.lastUpdate;
    const out = yumaEpoch({
      currentBlock: epochBlock,
      stake,
      weights,
      bonds,
      lastUpdate,
      blockAtRegistration: new Array(size).fill(0),
      validatorPermit: permits,
      ownerUid,
      lastMechanismStepBlock: lastStep,
      tempo: subnet.tempo,
      raoEmission: drained.raoEmission,
      params,
    });
    bonds = out.bonds;
    permits = out.validatorPermit;
    lastStep = epochBlock;
    lastTrust = out.validatorTrust.map((t) => t / 65_535);
    const paid = distribute({
      neurons: neurons.map((n) => ({ hotkey: n.hotkey, coldkey: n.hotkey === ownerHotkey ? 'owner/cold' : n.coldkey })),
      epoch: out,
      drained,
      subnetOwner: 'owner/cold',
      subnetOwnerHotkey: ownerHotkey,
    });

    const measured = e >= warmup;
    const add = (key: keyof EmissionSplit, rao: bigint) => measured && (split[key] += alpha(rao));
    add('minted', drained.raoEmission + drained.pendingOwnerCut);
    add('burned', paid.burned);
    for (const c of paid.stakeCredits) {
      const m = minerIndex.get(c.hotkey);
      if (c.reason === 'owner-cut') add('ownerCut', c.amount);
      else if (m !== undefined) {
        add('miners', c.amount);
        groupPerEpoch[minerGroup[m]!]![e]! += alpha(c.amount);
        if (measured) minerEmission[m] += alpha(c.amount);
      } else {
        add('validators', c.amount);
        if (measured) dividends[validatorIndex.get(c.hotkey)!] += alpha(c.amount);
      }
    }
    for (const c of paid.hotkeyCredits) {
      add('validators', c.amount);
      if (measured) dividends[validatorIndex.get(c.hotkey)!] += alpha(c.amount);
    }
    const capacity: ClassTflops = {};
    for (const v of honest) {
      for (const s of v.scores.values()) sumClasses(capacity, s.ema, 1 / honest.length);
      if (!measured) continue;
      miners.forEach((m, i) => {
        const s = v.scores.get(m.hotkey);
        if (!s) return;
        sumClasses(minerEma[i]!, s.ema, 1 / samples);
        minerScore[i] += s.score / samples;
      });
    }
    capacityPerEpoch.push(capacity);
    input.onEpoch?.(e + 1, epochs);
  }

  const minersTotal = minerEmission.reduce((a, b) => a + b, 0);
  const minerOutcomes = miners.map((m, i): MinerOutcome => ({
    uid: m.uid,
    hotkey: m.hotkey,
    group: population.miners[minerGroup[i]!]!.label,
    emission: minerEmission[i]!,
    share: minersTotal > 0 ? minerEmission[i]! / minersTotal : 0,
    ema: minerEma[i]!,
    score: minerScore[i]!,
  }));
  const groups = population.miners.map((group, g): Omit<GroupOutcome, 'relativeToHonest' | 'relativePerEpoch'> => {
    const own = minerOutcomes.filter((_, i) => minerGroup[i] === g);
    const tflops: ClassTflops = {};
    for (const m of own) sumClasses(tflops, m.ema, 1 / group.count);
    const total = own.reduce((a, m) => a + m.emission, 0);
    return {
      label: group.label,
      device: group.device.name,
      strategy: formatStrategy(group.strategy),
      devices: group.count,
      hotkeysPerDevice: group.hotkeysPerDevice,
      emissionPerDevice: total / group.count,
      share: minersTotal > 0 ? total / minersTotal : 0,
      tflopsPerDevice: tflops,
      perEpoch: groupPerEpoch[g]!.map((x) => x / group.count),
    };
  });
  // The reference for a model: its honest one-hotkey devices at full efficiency, weighted by count.
  const honestOf = (device: string) => {
    const refs = groups.filter((g, i) => g.device === device && population.miners[i]!.strategy.kind === 'honest' && g.hotkeysPerDevice === 1 && population.miners[i]!.efficiency === 1);
    const devicesTotal = refs.reduce((n, g) => n + g.devices, 0);
    if (!devicesTotal) return undefined;
    const mean = (value: (g: (typeof refs)[number]) => number) => refs.reduce((a, g) => a + value(g) * g.devices, 0) / devicesTotal;
    return { total: mean((g) => g.emissionPerDevice), perEpoch: Array.from({ length: epochs }, (_, e) => mean((g) => g.perEpoch[e]!)) };
  };
  const ratio = (x: number, ref: number) => (ref > 0 ? x / ref : 0);
  return {
    seed: input.seed,
    epochs,
    warmup,
    rounds: validators.reduce((n, v) => n + v.rounds, 0),
    ownerUid,
    groups: groups.map((g) => {
      const ref = honestOf(g.device);
      return {
        ...g,
        relativeToHonest: ref ? ratio(g.emissionPerDevice, ref.total) : null,
        relativePerEpoch: ref ? g.perEpoch.map((x, e) => ratio(x, ref.perEpoch[e]!)) : null,
      };
    }),
    miners: minerOutcomes,
    validators: validators.map((v, i) => ({ uid: v.uid, label: v.group.label, stake: v.group.stake, colluding: v.group.colluding, dividends: dividends[i]!, validatorTrust: lastTrust[v.uid] ?? 0 })),
    emission: split,
    capacity: capacityPerEpoch.at(-1) ?? {},
    capacityPerEpoch,
  };
}
