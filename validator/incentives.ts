/**
 * The subnet owner's incentive config: what a validator pays for and how. It is a file the owner
 * publishes (JSON or YAML) so that every validator on the subnet scores miners the same way;
 * docs/incentives.md documents each key with examples.
 *
 * Every key is validated; an error names the key (`classes.fp16.reward`), what was found and what is
 * expected, and unknown keys are refused with a suggestion, so a typo never silently becomes a default.
 */
import { z } from 'zod';
import { UsageError } from '../shared/errors.js';
import { readDataFile, suggest } from '../shared/config/file.js';
import { PRECISIONS, zPrecision, type Precision } from '../shared/challenge/types.js';
import { SIZING } from '../shared/challenge/sizing.js';
import { DEFAULT_SLOT_BLOCKS } from '../shared/challenge/schedule.js';

/** What happens to a miner's score after a round that earned it nothing. */
export const FAILURE_ACTIONS = ['zero', 'decay'] as const;
export type FailureAction = (typeof FAILURE_ACTIONS)[number];

const nonNegative = z.number('a number').finite().min(0, 'a number ≥ 0');

const zClass = z.strictObject({
  /** Relative chance that this class is drawn for a miner in a round (0 = never asked). */
  draw: nonNegative,
  /** Score per verified TFLOPS at this class. */
  reward: nonNegative,
});

export const zIncentives = z
  .strictObject({
    version: z.literal(1, 'version 1').prefault(1),
    classes: z
      .partialRecord(zPrecision, zClass)
      .prefault({ fp32: { draw: 1, reward: 1 } })
      .refine(
        (classes) => Object.values(classes).some((c) => c !== undefined && c.draw > 0 && c.reward > 0),
        'at least one class with draw > 0 and reward > 0',
      ),
    ema: z
      .strictObject({
        /** Weight of the newest reward in the moving average (the subnet template's 0.1). */
        alpha: z.number('a number').gt(0, 'a number in (0, 1]').max(1, 'a number in (0, 1]').prefault(0.1),
      })
      .prefault({}),
    /**
     * What a round that earned nothing does to the score. Only a failed proof is evidence of a wrong
     * answer, so only it wipes the score by default; a missing answer may be the network's doing, and
     * one late root must not cost months of score (it averages in a 0 for the class drawn).
     */
    failure: z
      .strictObject({
        /** A proof that failed verification: `zero` wipes the score (every class) so the miner re-earns from zero. */
        failedProof: z.enum(FAILURE_ACTIONS, 'zero or decay').prefault('zero'),
        /** No root or openings before the deadline, a refusal, or a malformed answer. */
        noAnswer: z.enum(FAILURE_ACTIONS, 'zero or decay').prefault('decay'),
        /** The axon could not be reached at all (offline, not serving). */
        unreachable: z.enum(FAILURE_ACTIONS, 'zero or decay').prefault('decay'),
      })
      .prefault({}),
    /**
     * Every challenge's window: miners compute GEMMs for this long and are credited the work they
     * finished divided by it. One window for every miner of a round, so hotkeys on one device share it.
     */
    challengeSeconds: z.number('a number').gt(0, 'a number of seconds > 0').max(600, 'at most 600 seconds').prefault(10),
    /** Blocks per round slot; every validator of a subnet must use the same (docs/protocol.md). */
    slotBlocks: z.number('a number').int('an integer number of blocks').min(1, 'at least 1 block').max(100_000).prefault(DEFAULT_SLOT_BLOCKS),
    /** Throughput assumed for a miner never measured at a class: it sizes the GEMMs of its first window. */
    startTflops: z.number('a number').min(1e-9, 'at least 1e-9 TFLOP/s').max(1e4, 'at most 10000 TFLOP/s').prefault(SIZING.startFlopsPerSecond / 1e12),
    timeouts: z
      .strictObject({
        /** Budget for the miner to return the opened rows. */
        openingsMs: z.number('a number').int('an integer number of milliseconds').min(100, 'at least 100 ms').max(600_000).prefault(10_000),
        /** Budget for the device-info and round-trip probes before a challenge. */
        probeMs: z.number('a number').int('an integer number of milliseconds').min(100, 'at least 100 ms').max(60_000).prefault(3_000),
      })
      .prefault({}),
    /** Optional share of every weight vector sent to one uid (the owner's), burning that emission. */
    burn: z
      .strictObject({
        uid: z.number('a uid').int('an integer uid').min(0).max(65535),
        share: z.number('a number').min(0, 'a share from 0 to 1').max(1, 'a share from 0 to 1'),
      })
      .optional(),
    normalization: z
      .strictObject({
        /** weight ∝ score^exponent: 1 pays in proportion to verified compute; > 1 favours the fastest. */
        exponent: z.number('a number').gt(0, 'a number > 0').max(10, 'at most 10').prefault(1),
      })
      .prefault({}),
  })
  .prefault({});

export type Incentives = z.infer<typeof zIncentives>;
export type IncentivesInput = z.input<typeof zIncentives>;
export type ClassIncentive = z.infer<typeof zClass>;

/** The config a validator uses when the owner published none: fp32 only, EMA 0.1, only a failed proof zeroes. */
export const DEFAULT_INCENTIVES: Incentives = zIncentives.parse(undefined);

const KNOWN_KEYS = [
  'version',
  'classes',
  'ema',
  'failure',
  'timeouts',
  'burn',
  'normalization',
  ...PRECISIONS.flatMap((p) => [`classes.${p}`, `classes.${p}.draw`, `classes.${p}.reward`]),
  'ema.alpha',
  'failure.failedProof',
  'failure.noAnswer',
  'failure.unreachable',
  'challengeSeconds',
  'slotBlocks',
  'startTflops',
  'timeouts.openingsMs',
  'timeouts.probeMs',
  'burn.uid',
  'burn.share',
  'normalization.exponent',
];

/** Keys of protocol v1's fixed-work challenges, with what replaced them (docs/incentives.md). */
const RETIRED_KEYS: Readonly<Record<string, string>> = {
  targetChallengeSeconds: 'challenges are now windows; use "challengeSeconds"',
  firstChallengeFlops: 'a new miner now shows what it does in its first window; use "startTflops" (the throughput its first GEMMs are sized for)',
  'timeouts.deadlineFactor': 'remove it: the deadline is the window ("challengeSeconds")',
  'timeouts.minDeadlineMs': 'remove it: the deadline is the window ("challengeSeconds")',
};

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let node = data;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown, source: string): string {
  const key = issue.path.map(String).join('.');
  if (key === '' && issue.code === 'invalid_type') {
    return `${source} must hold a mapping of keys (see docs/incentives.md), not ${Array.isArray(data) ? 'a list' : typeof data}`;
  }
  if (issue.code === 'unrecognized_keys') {
    const where = key ? `${key}.` : '';
    const names = issue.keys.map((k) => `"${where}${k}"`).join(', ');
    const retired = issue.keys.map((k) => RETIRED_KEYS[`${where}${k}`]).find((s) => s !== undefined);
    if (retired) return `key ${names} in ${source} is from protocol v1: ${retired}`;
    const near = issue.keys.map((k) => suggest(`${where}${k}`, KNOWN_KEYS)).find((s) => s !== undefined);
    return `unknown key ${names} in ${source}${near ? ` (did you mean "${near}"?)` : ''}`;
  }
  if (issue.code === 'invalid_key' && key === 'classes') {
    return `unknown precision class in "classes" of ${source}: expected one of ${PRECISIONS.join(', ')}`;
  }
  const found = valueAt(data, issue.path);
  const what = found === undefined ? 'missing' : `got ${JSON.stringify(found)}`;
  return `"${key}" in ${source}: expected ${issue.message} (${what})`;
}

/** Validates an incentive config already parsed from JSON or YAML. */
export function parseIncentives(data: unknown, source = 'the incentive config'): Incentives {
  const parsed = zIncentives.safeParse(data ?? undefined);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => describeIssue(issue, data, source));
  throw new UsageError(`Invalid incentive config: ${lines[0]}`, {
    code: 'E_INCENTIVES',
    hint: 'fix the key named above; docs/incentives.md lists every key with its accepted values',
    details: lines.slice(1),
  });
}

/** Reads and validates an incentive config file (`.json`, else YAML). */
export function loadIncentives(path: string): Incentives {
  const { path: full, data } = readDataFile(path, 'Incentive config', 'E_INCENTIVES_FILE', '--incentives');
  return parseIncentives(data, full);
}

/** The classes a validator may ask for, with their draw and reward weights. */
export function classEntries(incentives: Incentives): Array<[Precision, ClassIncentive]> {
  return PRECISIONS.flatMap((p) => {
    const c = incentives.classes[p];
    return c ? [[p, c] as [Precision, ClassIncentive]] : [];
  });
}

const paid = new WeakMap<Incentives, ReadonlyArray<readonly [Precision, ClassIncentive]>>();

/**
 * The classes the subnet pays for: asked (draw > 0) and worth something (reward > 0). Validators draw
 * only these and a score sums only these: a class paid but never asked would pay a stale average
 * forever. Cached per config object (rounds call it once per miner).
 */
export function paidClasses(incentives: Incentives): ReadonlyArray<readonly [Precision, ClassIncentive]> {
  let entries = paid.get(incentives);
  if (!entries) paid.set(incentives, (entries = classEntries(incentives).filter(([, c]) => c.draw > 0 && c.reward > 0)));
  return entries;
}
