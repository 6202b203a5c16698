/**
 * What a simulated miner does: the strategies of the catalogue (docs/incentives.md, "Simulating a
 * config"), parsed from their written form (`lazy:0.1`, `downgrade:fp32`, `flaky:0.05`).
 */
import { UsageError } from '../shared/errors.js';
import { PRECISIONS, type Precision } from '../shared/challenge/types.js';

export type Strategy =
  /** The reference miner: each class on the device's own units for it; classes it lacks are declined. */
  | { kind: 'honest' }
  /** Each class by the fastest accurate method the device has (native, up-cast, int8 Ozaki): not a cheat. */
  | { kind: 'emulation' }
  /** Invents a fraction of the result rows: that much faster, caught when an invented row is opened. */
  | { kind: 'lazy'; fraction: number }
  /** Computes the listed classes (all, when none listed) from cheaper inputs (§9.2). */
  | { kind: 'downgrade'; classes: readonly Precision[] }
  /** One device behind several hotkeys (`hotkeysPerDevice`, 2 unless given): honest otherwise. */
  | { kind: 'sybil' }
  /** Honest, but the network loses a fraction of its rounds (half before the challenge, half after). */
  | { kind: 'flaky'; dropRate: number }
  /** Honest, but a fraction of its roots arrives after the window (a stalled device or link). */
  | { kind: 'late'; rate: number }
  /** Honest, but declines the listed classes (reports only the others). */
  | { kind: 'hide'; classes: readonly Precision[] }
  /** Serves nothing; paid only by colluding validators, which weigh it whatever it does. */
  | { kind: 'colluder' };

export type StrategyKind = Strategy['kind'];

/** The written forms, for help and error messages. */
export const STRATEGY_FORMS = [
  'honest',
  'emulation',
  'lazy:<fraction>',
  'downgrade',
  'downgrade:<class>[,<class>]',
  'sybil',
  'flaky:<drop rate>',
  'late:<rate>',
  'hide:<class>[,<class>]',
  'colluder',
] as const;

/** Strategies that try to be paid for work not done; the rest are honest work under some condition. */
export const CHEATS: ReadonlySet<StrategyKind> = new Set(['lazy', 'downgrade', 'colluder']);

/** Writes a strategy back in its parsed form (labels, reports). */
export function formatStrategy(s: Strategy): string {
  switch (s.kind) {
    case 'lazy':
      return `lazy:${s.fraction}`;
    case 'downgrade':
      return s.classes.length === PRECISIONS.length ? 'downgrade' : `downgrade:${s.classes.join(',')}`;
    case 'flaky':
      return `flaky:${s.dropRate}`;
    case 'late':
      return `late:${s.rate}`;
    case 'hide':
      return `hide:${s.classes.join(',')}`;
    default:
      return s.kind;
  }
}

/** Parses a strategy; a bad one throws a UsageError naming `where`, what was found and the forms allowed. */
export function parseStrategy(text: string, where: string): Strategy {
  const bad = (why: string): never => {
    throw new UsageError(`${why} in ${where}; allowed: ${STRATEGY_FORMS.join(', ')}`, { code: 'E_POPULATION', hint: 'docs/incentives.md, "Simulating a config", describes each strategy' });
  };
  const [kind, arg, ...rest] = text.trim().split(':');
  if (rest.length) bad(`unknown strategy "${text}"`);
  const fraction = (what: string, lowOpen: boolean): number => {
    const x = Number(arg);
    if (arg === undefined || arg === '' || !Number.isFinite(x) || x > 1 || (lowOpen ? x <= 0 : x < 0)) bad(`strategy "${text}": ${what} must be a number in ${lowOpen ? '(0' : '[0'}, 1]`);
    return x;
  };
  const classes = (): Precision[] => {
    const list = (arg ?? '').split(',').map((c) => c.trim());
    for (const c of list) if (!(PRECISIONS as readonly string[]).includes(c)) bad(`strategy "${text}": unknown class "${c}" (classes: ${PRECISIONS.join(', ')})`);
    return [...new Set(list as Precision[])];
  };
  const none = (): void => {
    if (arg !== undefined) bad(`strategy "${text}": ${kind} takes no argument`);
  };
  switch (kind) {
    case 'honest':
    case 'emulation':
    case 'sybil':
    case 'colluder':
      none();
      return { kind };
    case 'lazy':
      return { kind, fraction: fraction('the fraction of rows invented', true) };
    case 'downgrade':
      return { kind, classes: arg === undefined ? PRECISIONS : classes() };
    case 'flaky':
      return { kind, dropRate: fraction('the drop rate', false) };
    case 'late':
      return { kind, rate: fraction('the late rate', false) };
    case 'hide':
      if (arg === undefined) bad(`strategy "${text}": hide needs the classes it hides`);
      return { kind, classes: classes() };
    default:
      return bad(`unknown strategy "${text}"`);
  }
}
