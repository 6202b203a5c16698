/**
 * What `flopnet simulate` prints: the run's outcome as text tables for people (and as the JSON
 * document the engine returns, with the inputs that produced it), and the device table an owner prices
 * classes from.
 */
import { table } from '../shared/chain/cli.js';
import { PRECISIONS, type Precision } from '../shared/challenge/types.js';
import { paidClasses, type Incentives } from '../validator/incentives.js';
import type { ClassTflops } from '../validator/reward.js';
import { cheapestRate, DEVICES, OZAKI_GEMMS, type ClassRate, type DeviceModel } from './devices.js';
import type { SimulationResult } from './engine.js';

export interface SimulationReport extends SimulationResult {
  /** Where the incentive config came from ("defaults" or a path) and the classes it pays for. */
  incentives: { source: string; classes: Incentives['classes']; burn: Incentives['burn'] | null; exponent: number };
  population: { source: string; hotkeys: number; validators: number };
}

const pct = (x: number) => `${(100 * x).toFixed(x !== 0 && Math.abs(x) < 0.001 ? 3 : 2)} %`;
const num = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
const ratio = (x: number | null) => (x === null ? '-' : x.toFixed(3));

/** The classes a report shows: those the config pays for, then any other that has a value. */
function shownClasses(report: Pick<SimulationReport, 'incentives'>, values: readonly ClassTflops[]): Precision[] {
  const paid = new Set(Object.keys(report.incentives.classes));
  return PRECISIONS.filter((p) => paid.has(p) || values.some((v) => (v[p] ?? 0) > 0));
}

export function renderReport(r: SimulationReport, options: { perMiner?: boolean } = {}): string {
  const measured = r.warmup > 0 ? `epochs ${r.warmup + 1}–${r.epochs}` : `all ${r.epochs} epochs`;
  const classes = shownClasses(r, r.groups.map((g) => g.tflopsPerDevice));
  const lines = [
    `flopnet simulate: ${r.population.hotkeys} miner hotkeys in ${r.groups.length} groups, ${r.population.validators} validators, ${r.epochs} epochs (${r.rounds} validator rounds), seed ${r.seed}`,
    `incentive config: ${r.incentives.source}; population: ${r.population.source}`,
    '',
    `Per group, over ${measured} (first ${r.warmup} left out while scores build up):`,
    table(
      ['group', 'devices', 'hotkeys/device', 'share', 'α per device', 'vs honest', ...classes.map((c) => `${c} TFLOPS`)],
      r.groups.map((g) => [g.label, String(g.devices), String(g.hotkeysPerDevice), pct(g.share), num(g.emissionPerDevice), ratio(g.relativeToHonest), ...classes.map((c) => num(g.tflopsPerDevice[c] ?? 0))]),
      new Set(Array.from({ length: 5 + classes.length }, (_, i) => i + 1)),
    ),
    'share: of all miners\' emission; vs honest: emission per device over an honest one-hotkey device of the same model; TFLOPS: verified per device (moving averages)',
    '',
    'Per strategy (its groups together; vs honest averaged over their devices):',
    table(
      ['strategy', 'groups', 'devices', 'share', 'vs honest'],
      r.strategies.map((s) => [s.strategy, String(s.groups), String(s.devices), pct(s.share), ratio(s.relativeToHonest)]),
      new Set([1, 2, 3, 4]),
    ),
  ];
  if (options.perMiner) {
    lines.push(
      '',
      'Per miner:',
      table(
        ['uid', 'hotkey', 'group', 'α', 'share', 'score', ...classes.map((c) => `${c} EMA`)],
        r.miners.map((m) => [String(m.uid), m.hotkey, m.group, num(m.emission), pct(m.share), num(m.score), ...classes.map((c) => num(m.ema[c] ?? 0))]),
        new Set(Array.from({ length: 3 + classes.length }, (_, i) => i + 3).concat(0)),
      ),
    );
  }
  const e = r.emission;
  const of = (x: number) => (e.minted > 0 ? pct(x / e.minted) : '-');
  lines.push(
    '',
    `Emission over ${measured}: ${num(e.minted)} α minted — miners ${of(e.miners)}, validators ${of(e.validators)}, owner cut ${of(e.ownerCut)}, burned ${of(e.burned)}`,
    `Verified capacity at the end: ${PRECISIONS.filter((p) => r.capacity[p] !== undefined).map((p) => `${p} ${num(r.capacity[p]!)}`).join(', ') || 'none'} TFLOPS`,
    '',
    table(
      ['validator uid', 'group', 'stake α', 'dividends α', 'vtrust'],
      r.validators.map((v) => [String(v.uid), v.label, num(v.stake), num(v.dividends), v.validatorTrust.toFixed(3)]),
      new Set([0, 2, 3, 4]),
    ),
  );
  return lines.join('\n');
}

export interface DeviceRow {
  name: string;
  description: string;
  memoryGB: number;
  native: ClassTflops;
  cheapest: Partial<Record<Precision, ClassRate>>;
  source: string;
  estimates: DeviceModel['estimates'];
}

export function deviceRows(devices: readonly DeviceModel[] = DEVICES): DeviceRow[] {
  return devices.map((d) => ({
    name: d.name,
    description: d.description,
    memoryGB: d.memoryBytes / 1e9,
    native: d.native,
    cheapest: Object.fromEntries(PRECISIONS.flatMap((p) => {
      const c = cheapestRate(d, p);
      return c ? [[p, c]] : [];
    })),
    source: d.source,
    estimates: d.estimates,
  }));
}

/**
 * The pricing table: per device and class the native dense TFLOPS and, where another method is
 * faster, the cheapest accurate one (↑class: up-cast to that class's units; int8×g: Ozaki on int8).
 * Marks the numbers that are estimates with *.
 */
export function renderDevices(rows: readonly DeviceRow[], incentives?: Incentives): string {
  const cell = (r: DeviceRow, p: Precision): string => {
    const native = r.native[p];
    const best = r.cheapest[p];
    const star = (key: Precision | 'int8') => (r.estimates[key] ? '*' : '');
    const base = native === undefined ? '-' : `${num(native)}${star(p)}`;
    if (!best || best.method === 'native') return base;
    const from = best.method === 'up-cast' ? (best.via as Precision) : 'int8';
    const how = best.method === 'up-cast' ? `↑${best.via}` : `int8×${OZAKI_GEMMS[p]}`;
    return `${base} → ${num(best.tflops)}${star(from)} ${how}`;
  };
  const lines = [
    'Dense TFLOPS per class: native → the fastest accurate method where it is faster (↑class: on that wider class\'s units; int8×g: g int8 GEMMs, the Ozaki scheme). * estimate.',
    table(['device', 'memory GB', ...PRECISIONS], rows.map((r) => [r.name, String(r.memoryGB), ...PRECISIONS.map((p) => cell(r, p))]), new Set([1])),
    '',
    ...rows.map((r) => {
      const estimates = Object.entries(r.estimates).map(([key, why]) => `${key} ${why}`);
      return `${r.name}: ${r.description}. Source: ${r.source}.${estimates.length ? ` Estimates: ${estimates.join('; ')}.` : ''}`;
    }),
  ];
  if (incentives) {
    const paid = paidClasses(incentives);
    lines.push('', 'Score per device under this config (Σ reward × cheapest TFLOPS, before efficiency):');
    lines.push(
      table(
        ['device', 'honest (native)', 'cheapest method'],
        rows.map((r) => [
          r.name,
          num(paid.reduce((s, [p, c]) => s + c.reward * (r.native[p] ?? 0), 0)),
          num(paid.reduce((s, [p, c]) => s + c.reward * (r.cheapest[p]?.tflops ?? 0), 0)),
        ]),
        new Set([1, 2]),
      ),
    );
  }
  return lines.join('\n');
}
