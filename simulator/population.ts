/**
 * The population file of `flopnet simulate`: who mines with what device and strategy, who validates
 * with what stake, and the subnet's hyperparameters. JSON (`.json`) or YAML. Everything is checked
 * before anything is simulated; an error is one line naming the key or value and what is allowed.
 *
 *   subnet: { tempo: 360 }                  # chain hyperparameters (defaults: a new subtensor subnet)
 *   miners:
 *     - { device: H100, count: 4 }          # strategy honest, one hotkey per device
 *     - { device: H100, strategy: lazy:0.1 }
 *     - { device: RTX4090, strategy: sybil, hotkeysPerDevice: 2 }
 *   validators:
 *     - { stake: 100000, count: 3 }
 *     - { stake: 20000, strategy: colluding }
 */
import { statSync } from 'node:fs';
import { z } from 'zod';
import { readDataFile, suggest } from '../shared/config/file.js';
import { UsageError } from '../shared/errors.js';
import { DEVICE_NAMES, deviceNamed, type DeviceModel } from './devices.js';
import { formatStrategy, parseStrategy, type Strategy } from './strategies.js';

/** Bounds that keep one run in memory and in minutes: a subnet far larger than subtensor's 4096 uids is refused. */
export const LIMITS = { hotkeys: 16_384, validators: 1_024, epochs: 10_000, fileBytes: 1 << 20 } as const;

const int = (min: number, max: number) => z.number('a number').int(`an integer from ${min} to ${max}`).min(min, `an integer from ${min} to ${max}`).max(max, `an integer from ${min} to ${max}`);
const unit = (what: string) => z.number('a number').min(0, `${what} from 0 to 1`).max(1, `${what} from 0 to 1`);

const zSubnet = z.strictObject({
  /** Blocks per epoch (`Tempo`). */
  tempo: int(1, 65_535).prefault(360),
  /** Consensus quantile (`Kappa` / 65535): 0.5 is the stake-weighted median. */
  kappa: unit('a quantile').prefault(32_767 / 65_535),
  /** Share of the old bonds kept each epoch (`BondsMovingAverage` / 10⁶). */
  bondsMovingAverage: unit('a share').prefault(0.9),
  /** Bonds on clipped (1) or raw (0) weights (`BondsPenalty` / 65535). */
  bondsPenalty: unit('a share').prefault(1),
  /** Yuma3 bonds (`Yuma3On`; on for subnets registered at subtensor HEAD). */
  yuma3: z.boolean('true or false').prefault(true),
  /** `MaxAllowedValidators`: the top-stake uids that hold a validator permit. */
  maxAllowedValidators: int(1, 4_096).prefault(64),
  /** Blocks after its last weights before a validator counts inactive (`ActivityCutoff`). */
  activityCutoff: int(1, 1_000_000).prefault(5_000),
  /** Largest share of a weight vector one uid may hold (`MaxWeightsLimit` / 65535). */
  maxWeightsLimit: unit('a share').prefault(1),
  /** Fewest entries a weight vector must have (`MinAllowedWeights`). */
  minAllowedWeights: int(0, 65_535).prefault(1),
  /** Epochs between computing weights and Yuma using them: 1 with commit-reveal (reveal period 1), else 0. */
  commitRevealEpochs: int(0, 100).prefault(0),
  /** Share of each block's alpha paid to the owner (`SubnetOwnerCut` / 65535). */
  ownerCut: unit('a share').prefault(11_796 / 65_535),
});

const zMinerEntry = z.strictObject({
  device: z.string('a device name'),
  count: int(1, LIMITS.hotkeys).prefault(1),
  strategy: z.string('a strategy').prefault('honest'),
  /** Hotkeys each device serves; `sybil` means 2 unless this says otherwise. */
  hotkeysPerDevice: int(1, 64).optional(),
  /** Share of the datasheet peak its GEMMs reach. */
  efficiency: z.number('a number').gt(0, 'a share in (0, 1]').max(1, 'a share in (0, 1]').prefault(1),
  /** Round trip to validators, milliseconds. */
  rttMs: z.number('a number').min(0, 'from 0 to 10000 ms').max(10_000, 'from 0 to 10000 ms').prefault(20),
  label: z.string('a label').min(1).max(64).optional(),
});

const zValidatorEntry = z.strictObject({
  /** Stake, alpha. */
  stake: z.number('a number').gt(0, 'a stake > 0 (alpha)').max(1e12, 'at most 1e12 alpha'),
  count: int(1, LIMITS.validators).prefault(1),
  /** `colluding` validators give all their weight to the `colluder` miners, whatever they do. */
  strategy: z.enum(['honest', 'colluding'], 'honest or colluding').prefault('honest'),
  label: z.string('a label').min(1).max(64).optional(),
});

const zPopulation = z.strictObject({
  subnet: zSubnet.prefault({}),
  miners: z.array(zMinerEntry, 'a list of miner entries').min(1, 'at least one miner entry'),
  validators: z.array(zValidatorEntry, 'a list of validator entries').min(1, 'at least one validator entry'),
  epochs: int(1, LIMITS.epochs).optional(),
  seed: int(0, 2 ** 31 - 1).optional(),
});

export type SubnetParams = z.infer<typeof zSubnet>;

export interface MinerGroup {
  label: string;
  device: DeviceModel;
  count: number;
  strategy: Strategy;
  hotkeysPerDevice: number;
  efficiency: number;
  rttMs: number;
}

export interface ValidatorGroup {
  label: string;
  stake: number;
  count: number;
  colluding: boolean;
}

export interface Population {
  subnet: SubnetParams;
  miners: MinerGroup[];
  validators: ValidatorGroup[];
  epochs?: number;
  seed?: number;
}

const KEYS: Record<string, readonly string[]> = {
  '': Object.keys(zPopulation.shape),
  subnet: Object.keys(zSubnet.shape),
  miner: Object.keys(zMinerEntry.shape),
  validator: Object.keys(zValidatorEntry.shape),
};

function fail(message: string): never {
  throw new UsageError(`Invalid population: ${message}`, { code: 'E_POPULATION', hint: 'docs/incentives.md, "Simulating a config", lists every key and strategy' });
}

/** `miners.2.device` → `miners[2].device`. */
const keyPath = (path: readonly PropertyKey[]) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');

function describe(issue: z.core.$ZodIssue, data: unknown, source: string): string {
  const where = keyPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const section = issue.path.length === 0 ? '' : issue.path[0] === 'subnet' ? 'subnet' : issue.path[0] === 'miners' ? 'miner' : 'validator';
    const allowed = KEYS[section]!;
    const near = issue.keys.map((k) => suggest(k, allowed)).find((s) => s !== undefined);
    return `unknown key "${issue.keys.join('", "')}"${where ? ` in ${where}` : ''} of ${source}${near ? ` (did you mean "${near}"?)` : ''}; allowed: ${allowed.join(', ')}`;
  }
  if (where === '' && issue.code === 'invalid_type') return `${source} must hold a mapping with "miners" and "validators"`;
  let found: unknown = data;
  for (const p of issue.path) found = found !== null && typeof found === 'object' ? (found as Record<PropertyKey, unknown>)[p] : undefined;
  return `"${where}" in ${source}: expected ${issue.message} (${found === undefined ? 'missing' : `got ${JSON.stringify(found)}`})`;
}

/** Validates a population already read from JSON or YAML. */
export function parsePopulation(data: unknown, source = 'the population'): Population {
  const parsed = zPopulation.safeParse(data ?? undefined);
  if (!parsed.success) fail(describe(parsed.error.issues[0]!, data, source));
  const p = parsed.data;
  const labels = new Set<string>();
  const unique = (label: string): string => {
    let name = label;
    for (let i = 2; labels.has(name); i++) name = `${label} #${i}`;
    labels.add(name);
    return name;
  };
  const miners = p.miners.map((m, i): MinerGroup => {
    const where = `miners[${i}]`;
    const device = deviceNamed(m.device);
    if (!device) fail(`unknown device "${m.device}" in ${where}.device of ${source}; allowed: ${DEVICE_NAMES.join(', ')}`);
    let strategy: Strategy;
    try {
      strategy = parseStrategy(m.strategy, `${where}.strategy of ${source}`);
    } catch (error) {
      fail((error as Error).message);
    }
    const hotkeysPerDevice = m.hotkeysPerDevice ?? (strategy.kind === 'sybil' ? 2 : 1);
    if (strategy.kind === 'sybil' && hotkeysPerDevice < 2) fail(`${where} of ${source}: a sybil needs hotkeysPerDevice ≥ 2 (got ${hotkeysPerDevice})`);
    return { label: unique(m.label ?? `${device.name} ${formatStrategy(strategy)}`), device, count: m.count, strategy, hotkeysPerDevice, efficiency: m.efficiency, rttMs: m.rttMs };
  });
  const validators = p.validators.map((v): ValidatorGroup => ({ label: unique(v.label ?? `validator ${v.strategy} ${v.stake}`), stake: v.stake, count: v.count, colluding: v.strategy === 'colluding' }));
  const hotkeys = miners.reduce((n, m) => n + m.count * m.hotkeysPerDevice, 0);
  const validatorCount = validators.reduce((n, v) => n + v.count, 0);
  if (hotkeys > LIMITS.hotkeys) fail(`${hotkeys} miner hotkeys in ${source}; at most ${LIMITS.hotkeys}`);
  if (validatorCount > LIMITS.validators) fail(`${validatorCount} validators in ${source}; at most ${LIMITS.validators}`);
  if (validators.some((v) => v.colluding) && !miners.some((m) => m.strategy.kind === 'colluder')) {
    fail(`${source} has colluding validators but no miner with strategy colluder for them to pay`);
  }
  if (!validators.some((v) => !v.colluding)) fail(`${source} needs at least one honest validator: nobody would measure anything`);
  return { subnet: p.subnet, miners, validators, ...(p.epochs !== undefined ? { epochs: p.epochs } : {}), ...(p.seed !== undefined ? { seed: p.seed } : {}) };
}

/** Reads and validates a population file. */
export function loadPopulation(path: string): Population {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    // readDataFile names a missing or unreadable file.
  }
  if (size > LIMITS.fileBytes) fail(`${path} is ${size} bytes; a population file is at most ${LIMITS.fileBytes}`);
  const { path: full, data } = readDataFile(path, 'Population file', 'E_POPULATION', '--population');
  return parsePopulation(data, full);
}
