/**
 * `flopnet simulate`'s engine: a subnet run epoch by epoch on the real modules, with every input
 * explicit and one seeded random source, so a seed gives the same run anywhere. Pure: no I/O.
 *
 * Per epoch:
 *  1. Rounds. The epoch's slots go to the validators in uid order (docs/protocol.md §12); in each slot
 *     its holder runs one round on every miner (behaviour.ts), scores the results (scores.ts
 *     ScoreTable, update_scores' rule) and keeps the pace that sizes the next challenge (store/throughput.ts nextPace).
 *  2. Weights. Each validator turns its scores into the vector it would submit (weights.ts
 *     scoresToWeights, weightsForEmit); a colluding validator weighs its colluders instead.
 *  3. Chain. The block coinbase fills the pending emission (devnet/runtime/emission.ts blockStep), Yuma
 *     runs (shared/math/yuma.ts epoch), and the result is paid out (distribute): miners, validators,
 *     the owner's cut, and what the owner's uid received, which is burned.
 */
import type { Metagraph, Neuron } from '../shared/chain/types.js';
import { PRECISIONS } from '../shared/challenge/types.js';
import { UsageError } from '../shared/errors.js';
import { epoch as yumaEpoch, type SparseRow, type YumaParams } from '../shared/math/yuma.js';
import { blockStep, distribute, newSubnetEmissionState, type SubnetEmissionState } from '../devnet/runtime/emission.js';
import { paidClasses, type Incentives } from '../validator/incentives.js';
import type { ChallengeResult } from '../validator/result.js';
import type { ClassTflops } from '../validator/reward.js';
import { ScoreTable } from '../validator/scores.js';
import { nextPace } from '../validator/store/throughput.js';
import { drawClass } from '../validator/round.js';
import { scoresToWeights, weightsForEmit, type WeightRules } from '../validator/weights.js';
import { deviceRate, deviceRound, PaceTable, roundContext, type SimDevice, type SimHotkey } from './behaviour.js';
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
  /** Emission per device over that of an honest one-hotkey device of the same model and efficiency; null without one. */
  relativeToHonest: number | null;
  /** Verified TFLOPS per device and class (the miners' `ema`, summed over the device's hotkeys). */
  tflopsPerDevice: ClassTflops;
  /** Alpha per device in each epoch. */
  perEpoch: number[];
  /** relativeToHonest in each epoch; null without an honest device of the model. */
  relativePerEpoch: number[] | null;
}

/** The groups of one strategy together (strategy written as in the population, × hotkeys when more than one). */
export interface StrategyOutcome {
  strategy: string;
  groups: number;
  devices: number;
  /** Share of what all miners earned. */
  share: number;
  /** Emission per device over an honest device of the same model, averaged over its devices; null without a reference. */
  relativeToHonest: number | null;
  /** The same, each epoch. */
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
  strategies: StrategyOutcome[];
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
  /** Its scores by miner index (read by hotkey as scoresToWeights reads them). */
  scores: ScoreTable;
  paces: PaceTable;
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
  let index = 0;
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
        return { uid: uid(), hotkey: `miner-${g}-${d}${group.hotkeysPerDevice > 1 ? `-${h}` : ''}`, index: index++ };
      });
      devices.push({ group, hotkeys, rates: PRECISIONS.map((p) => deviceRate(group, p)) });
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
 * Sums of TFLOPS per class for many rows (miners, epochs), in one flat array: the ledger adds every
 * validator's average of every miner each epoch. A class is a key of the row's ClassTflops from the
 * first time something is added to it, in that order, as sumClasses adding into an object would.
 */
class ClassSums {
  private readonly sums: Float64Array;
  private readonly order: number[][];

  constructor(rows: number) {
    this.sums = new Float64Array(rows * PRECISIONS.length);
    this.order = Array.from({ length: rows }, () => []);
  }

  /** Adds scale × each class the miner at `index` has an average for in `scores`. */
  add(row: number, scores: ScoreTable, index: number, scale: number): void {
    for (let slot = 0; slot < PRECISIONS.length; slot++) {
      const t = scores.tflops(index, slot);
      if (t === undefined) continue;
      if (!this.order[row]!.includes(slot)) this.order[row]!.push(slot);
      this.sums[row * PRECISIONS.length + slot] += t * scale;
    }
  }

  get(row: number): ClassTflops {
    const out: ClassTflops = {};
    for (const slot of this.order[row]!) out[PRECISIONS[slot]!] = this.sums[row * PRECISIONS.length + slot]!;
    return out;
  }
}

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

/** Everything a run carries from epoch to epoch. */
interface Subnet {
  input: SimulationInput;
  size: number;
  ownerUid: number;
  neurons: Neuron[];
  metagraph: Metagraph;
  devices: SimDevice[];
  miners: SimHotkey[];
  /** Population group of each miner hotkey, by index. */
  minerGroup: number[];
  validators: SimValidator[];
  random: () => number;
  rules: WeightRules;
  params: YumaParams;
  colluderUids: number[];
  chain: { coinbase: SubnetEmissionState; bonds: SparseRow[]; permits: boolean[]; lastStep: number; pending: SparseRow[][]; trust: number[] };
}

const OWNER_HOTKEY = 'owner';
const OWNER_COLDKEY = 'owner/cold';

function createSubnet(input: SimulationInput): Subnet {
  const { incentives, population } = input;
  const { size, ownerUid, validators: placed, devices, minerGroup } = layout(population, incentives);
  const miners = devices.flatMap((d) => d.hotkeys);
  const validators: SimValidator[] = placed.map((v) => ({
    ...v,
    stake: BigInt(Math.round(v.group.stake * RAO)),
    scores: new ScoreTable(miners.map((m) => m.hotkey)),
    paces: new PaceTable(miners.length),
    rounds: 0,
    lastUpdate: 0,
  }));
  const neurons: Neuron[] = new Array(size);
  neurons[ownerUid] = neuron(ownerUid, OWNER_HOTKEY, 0n);
  for (const v of validators) neurons[v.uid] = neuron(v.uid, v.hotkey, v.stake);
  for (const m of miners) neurons[m.uid] = neuron(m.uid, m.hotkey, 0n);
  const { subnet } = population;
  return {
    input,
    size,
    ownerUid,
    neurons,
    metagraph: { netuid: 1, block: 0, neurons },
    devices,
    miners,
    minerGroup,
    validators,
    random: seededRandom(input.seed),
    rules: { minAllowedWeights: Math.min(subnet.minAllowedWeights, size), maxWeightLimit: Math.round(subnet.maxWeightsLimit * 65_535) },
    params: yumaParams(subnet),
    colluderUids: devices.filter((d) => d.group.strategy.kind === 'colluder').flatMap((d) => d.hotkeys.map((h) => h.uid)),
    chain: {
      coinbase: { ...newSubnetEmissionState(1, subnet.tempo, 0), firstEmissionBlockNumber: 0, subtokenEnabled: true },
      bonds: Array.from({ length: size }, () => []),
      permits: neurons.map((n) => n.stake > 0n),
      lastStep: 0,
      pending: [],
      trust: new Array(size).fill(0),
    },
  };
}

/** 1. One round per slot that starts in the epoch, by the slot's holder (validators in uid order). */
function runRounds(net: Subnet, epochStart: number, epochBlock: number): void {
  const { incentives } = net.input;
  const holders = [...net.validators].sort((a, b) => a.uid - b.uid);
  for (let slot = Math.ceil(epochStart / incentives.slotBlocks); slot < Math.ceil(epochBlock / incentives.slotBlocks); slot++) {
    const v = holders[slot % holders.length]!;
    if (v.group.colluding) continue;
    const round = ++v.rounds;
    const precision = drawClass(incentives, net.random());
    const context = roundContext(round, precision, incentives, v.paces, net.random);
    // A device at a time: its results are scored and forgotten before the next device runs, so they
    // die young (scoring and sizing read only the hotkey's own state, and draw nothing at random).
    // One array for them all, emptied by pop: a new array per device allocated its backing store,
    // and truncating by `length = 0` is a runtime call.
    const results: ChallengeResult[] = [];
    for (const device of net.devices) {
      while (results.length > 0) results.pop();
      deviceRound(device, context, results);
      for (let j = 0; j < results.length; j++) {
        const r = results[j]!;
        const h = device.hotkeys[j]!;
        v.scores.update(h.index, r, round, incentives);
        if (!r.challenge) continue;
        const last = v.paces.get(h.index, context.slot);
        const pace = nextPace(r, last === undefined ? undefined : { tflops: last });
        if (pace) v.paces.set(h.index, context.slot, pace.tflops);
      }
    }
  }
}

/** 2. The weight rows as each validator submits them before the epoch (a colluder weighs its colluders). */
function submitWeights(net: Subnet, block: number): SparseRow[] {
  const rows: SparseRow[] = Array.from({ length: net.size }, () => []);
  for (const v of net.validators) {
    let floats: Float64Array | undefined;
    if (v.group.colluding) {
      floats = new Float64Array(net.size);
      for (const uid of net.colluderUids) floats[uid] = 1 / net.colluderUids.length;
    } else {
      floats = scoresToWeights(v.scores, net.metagraph, net.input.incentives);
    }
    if (!floats) continue;
    const emit = weightsForEmit(floats, net.rules);
    rows[v.uid] = emit.uids.map((uid, i) => [uid, emit.values[i]!] as const);
    v.lastUpdate = block;
  }
  return rows;
}

/** 3. The chain: a tempo of coinbase, Yuma on the weights due (commit-reveal delays them), the payout. */
function runChain(net: Subnet, epochStart: number, epochBlock: number, rows: SparseRow[]) {
  const { subnet } = net.input.population;
  const chain = net.chain;
  chain.pending.push(rows);
  const weights = chain.pending.length > subnet.commitRevealEpochs ? chain.pending.shift()! : Array.from({ length: net.size }, (): SparseRow => []);
  let drained;
  for (let block = epochStart + 1; block <= epochBlock; block++) {
    const step = blockStep(chain.coinbase, block, { subnetOwnerCut: Math.round(subnet.ownerCut * 65_535) });
    chain.coinbase = step.state;
    if (step.epochDue) drained = step.drained;
  }
  if (!drained) throw new Error(`internal: no epoch was due at block ${epochBlock}`);
  const lastUpdate = new Array<number>(net.size).fill(0);
  for (const v of net.validators) lastUpdate[v.uid] = v.lastUpdate;
  const out = yumaEpoch({
    currentBlock: epochBlock,
    stake: net.neurons.map((n) => n.stake),
    weights,
    bonds: chain.bonds,
    lastUpdate,
    blockAtRegistration: new Array(net.size).fill(0),
    validatorPermit: chain.permits,
    ownerUid: net.ownerUid,
    lastMechanismStepBlock: chain.lastStep,
    tempo: subnet.tempo,
    raoEmission: drained.raoEmission,
    params: net.params,
  });
  chain.bonds = out.bonds;
  chain.permits = out.validatorPermit;
  chain.lastStep = epochBlock;
  chain.trust = out.validatorTrust.map((t) => t / 65_535);
  const paid = distribute({
    neurons: net.neurons.map((n) => ({ hotkey: n.hotkey, coldkey: n.hotkey === OWNER_HOTKEY ? OWNER_COLDKEY : n.coldkey })),
    epoch: out,
    drained,
    subnetOwner: OWNER_COLDKEY,
    subnetOwnerHotkey: OWNER_HOTKEY,
  });
  return { drained, paid };
}

/** What the run adds up over its measured epochs. */
class Ledger {
  readonly minerEmission: Float64Array;
  readonly minerEma: ClassSums;
  readonly minerScore: Float64Array;
  readonly groupPerEpoch: number[][];
  readonly dividends: Float64Array;
  readonly split: EmissionSplit = { minted: 0, miners: 0, validators: 0, ownerCut: 0, burned: 0 };
  readonly capacityPerEpoch: ClassTflops[] = [];
  private readonly minerIndex: Map<string, number>;
  private readonly validatorIndex: Map<string, number>;
  private readonly honest: SimValidator[];

  constructor(
    private readonly net: Subnet,
    private readonly warmup: number,
  ) {
    const { epochs, population } = net.input;
    this.minerEmission = new Float64Array(net.miners.length);
    this.minerEma = new ClassSums(net.miners.length);
    this.minerScore = new Float64Array(net.miners.length);
    this.groupPerEpoch = population.miners.map(() => new Array<number>(epochs).fill(0));
    this.dividends = new Float64Array(net.validators.length);
    this.minerIndex = new Map(net.miners.map((m, i) => [m.hotkey, i]));
    this.validatorIndex = new Map(net.validators.map((v, i) => [v.hotkey, i]));
    this.honest = net.validators.filter((v) => !v.group.colluding);
  }

  /** One epoch's payout, and the validators' averages after it. */
  record(e: number, { drained, paid }: ReturnType<typeof runChain>): void {
    const measured = e >= this.warmup;
    const add = (key: keyof EmissionSplit, rao: bigint) => measured && (this.split[key] += alpha(rao));
    add('minted', drained.raoEmission + drained.pendingOwnerCut);
    add('burned', paid.burned);
    const toValidator = (hotkey: string, rao: bigint) => {
      add('validators', rao);
      if (measured) this.dividends[this.validatorIndex.get(hotkey)!] += alpha(rao);
    };
    for (const c of paid.stakeCredits) {
      const m = this.minerIndex.get(c.hotkey);
      if (c.reason === 'owner-cut') add('ownerCut', c.amount);
      else if (m === undefined) toValidator(c.hotkey, c.amount);
      else {
        add('miners', c.amount);
        this.groupPerEpoch[this.net.minerGroup[m]!]![e]! += alpha(c.amount);
        if (measured) this.minerEmission[m] += alpha(c.amount);
      }
    }
    for (const c of paid.hotkeyCredits) toValidator(c.hotkey, c.amount);
    const capacity = new ClassSums(1);
    const samples = this.honest.length * (this.net.input.epochs - this.warmup);
    for (const v of this.honest) {
      for (const i of v.scores.order) capacity.add(0, v.scores, i, 1 / this.honest.length);
      if (!measured) continue;
      for (let i = 0; i < this.net.miners.length; i++) {
        if (!v.scores.has(i)) continue;
        this.minerEma.add(i, v.scores, i, 1 / samples);
        this.minerScore[i] += v.scores.score(i) / samples;
      }
    }
    this.capacityPerEpoch.push(capacity.get(0));
  }
}

export function simulate(input: SimulationInput): SimulationResult {
  const { population, epochs, signal } = input;
  const warmup = Math.min(input.warmup, epochs - 1);
  const net = createSubnet(input);
  const ledger = new Ledger(net, warmup);
  for (let e = 0; e < epochs; e++) {
    signal?.throwIfAborted();
    const epochStart = e * population.subnet.tempo;
    const epochBlock = epochStart + population.subnet.tempo;
    runRounds(net, epochStart, epochBlock);
    ledger.record(e, runChain(net, epochStart, epochBlock, submitWeights(net, epochBlock - 1)));
    input.onEpoch?.(e + 1, epochs);
  }
  return outcome(net, ledger, warmup);
}

function outcome(net: Subnet, ledger: Ledger, warmup: number): SimulationResult {
  const { input } = net;
  const { population, epochs } = input;
  const { minerEmission } = ledger;
  const minersTotal = minerEmission.reduce((a, b) => a + b, 0);
  const minerOutcomes = net.miners.map((m, i): MinerOutcome => ({
    uid: m.uid,
    hotkey: m.hotkey,
    group: population.miners[net.minerGroup[i]!]!.label,
    emission: minerEmission[i]!,
    share: minersTotal > 0 ? minerEmission[i]! / minersTotal : 0,
    ema: ledger.minerEma.get(i),
    score: ledger.minerScore[i]!,
  }));
  const byGroup = population.miners.map((): MinerOutcome[] => []);
  minerOutcomes.forEach((m, i) => byGroup[net.minerGroup[i]!]!.push(m));
  const groups = population.miners.map((group, g): Omit<GroupOutcome, 'relativeToHonest' | 'relativePerEpoch'> => {
    const tflops: ClassTflops = {};
    for (const m of byGroup[g]!) sumClasses(tflops, m.ema, 1 / group.count);
    const total = byGroup[g]!.reduce((a, m) => a + m.emission, 0);
    return {
      label: group.label,
      device: group.device.name,
      strategy: formatStrategy(group.strategy),
      devices: group.count,
      hotkeysPerDevice: group.hotkeysPerDevice,
      emissionPerDevice: total / group.count,
      share: minersTotal > 0 ? total / minersTotal : 0,
      tflopsPerDevice: tflops,
      perEpoch: ledger.groupPerEpoch[g]!.map((x) => x / group.count),
    };
  });
  // The reference for a group: the honest one-hotkey devices of its model and efficiency, weighted by count.
  const honestOf = (g: number) => {
    const { device, efficiency } = population.miners[g]!;
    const refs = groups.filter((_, i) => {
      const m = population.miners[i]!;
      return m.device === device && m.efficiency === efficiency && m.strategy.kind === 'honest' && m.hotkeysPerDevice === 1;
    });
    const devicesTotal = refs.reduce((n, g) => n + g.devices, 0);
    if (!devicesTotal) return undefined;
    const mean = (value: (g: (typeof refs)[number]) => number) => refs.reduce((a, g) => a + value(g) * g.devices, 0) / devicesTotal;
    return { total: mean((g) => g.emissionPerDevice), perEpoch: Array.from({ length: epochs }, (_, e) => mean((g) => g.perEpoch[e]!)) };
  };
  const ratio = (x: number, ref: number) => (ref > 0 ? x / ref : 0);
  const compared = groups.map((g, i): GroupOutcome => {
    const ref = honestOf(i);
    return {
      ...g,
      relativeToHonest: ref ? ratio(g.emissionPerDevice, ref.total) : null,
      relativePerEpoch: ref ? g.perEpoch.map((x, e) => ratio(x, ref.perEpoch[e]!)) : null,
    };
  });
  return {
    seed: input.seed,
    epochs,
    warmup,
    rounds: net.validators.reduce((n, v) => n + v.rounds, 0),
    ownerUid: net.ownerUid,
    groups: compared,
    strategies: byStrategy(compared, epochs),
    miners: minerOutcomes,
    validators: net.validators.map((v, i) => ({ uid: v.uid, label: v.group.label, stake: v.group.stake, colluding: v.group.colluding, dividends: ledger.dividends[i]!, validatorTrust: net.chain.trust[v.uid] ?? 0 })),
    emission: ledger.split,
    capacity: ledger.capacityPerEpoch.at(-1) ?? {},
    capacityPerEpoch: ledger.capacityPerEpoch,
  };
}

function byStrategy(groups: readonly GroupOutcome[], epochs: number): StrategyOutcome[] {
  const out = new Map<string, GroupOutcome[]>();
  for (const g of groups) {
    const name = g.hotkeysPerDevice > 1 && g.strategy !== 'sybil' ? `${g.strategy} ×${g.hotkeysPerDevice} hotkeys` : g.strategy;
    out.set(name, [...(out.get(name) ?? []), g]);
  }
  return [...out].map(([strategy, members]) => {
    const compared = members.filter((g) => g.relativePerEpoch !== null);
    const devices = compared.reduce((n, g) => n + g.devices, 0);
    const mean = (value: (g: GroupOutcome) => number) => compared.reduce((a, g) => a + value(g) * g.devices, 0) / devices;
    return {
      strategy,
      groups: members.length,
      devices: members.reduce((n, g) => n + g.devices, 0),
      share: members.reduce((a, g) => a + g.share, 0),
      relativeToHonest: devices ? mean((g) => g.relativeToHonest!) : null,
      relativePerEpoch: devices ? Array.from({ length: epochs }, (_, e) => mean((g) => g.relativePerEpoch![e]!)) : null,
    };
  });
}
