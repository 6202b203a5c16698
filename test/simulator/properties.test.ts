/**
 * What the shipped default config and docs/incentives.md's example configs must do, as `flopnet
 * simulate` shows it (issue 16). Each property is checked on every config, with the tolerance stated
 * and why.
 */
import { describe, expect, it } from 'vitest';
import { sizeChallenge } from '../../shared/challenge/sizing.js';
import type { Precision } from '../../shared/challenge/types.js';
import { DEFAULT_INCENTIVES, loadIncentives, paidClasses, parseIncentives, type Incentives } from '../../validator/incentives.js';
import { deviceNamed, DEVICES } from '../../simulator/devices.js';
import { simulate, type GroupOutcome, type SimulationResult } from '../../simulator/engine.js';
import { loadPopulation, parsePopulation } from '../../simulator/population.js';
import { deviceRate } from '../../simulator/behaviour.js';

const example = (file: string) => new URL(`../../simulator/examples/${file}`, import.meta.url).pathname;
const CONFIGS: Array<[string, Incentives]> = [
  ['the default config', DEFAULT_INCENTIVES],
  ['tensor-cores.yaml', loadIncentives(example('tensor-cores.yaml'))],
  ['bf16-mostly.yaml', loadIncentives(example('bf16-mostly.yaml'))],
  ['fp64-hpc.yaml', loadIncentives(example('fp64-hpc.yaml'))],
  ['burn-half.json', loadIncentives(example('burn-half.json'))],
];
const catalogue = loadPopulation(example('catalogue.yaml'));
// 20 epochs of 72 rounds, the first 4 left out: every honest average has converged (α = 0.1 per round).
const run = (incentives: Incentives, population = catalogue, seed = 7): SimulationResult => simulate({ incentives, population, epochs: 20, seed, warmup: 4 });
const group = (r: SimulationResult, label: string): GroupOutcome => {
  const g = r.groups.find((x) => x.label === label);
  if (!g) throw new Error(`no group ${label}`);
  return g;
};

/**
 * The most a challenge of this class credits per second on this device (the sizing ceiling, memory
 * included), at the middle of the shapes' random jitter.
 */
function ceilingTflops(incentives: Incentives, device: string, precision: Precision): number {
  const size = sizeChallenge({ precision, memoryBytes: deviceNamed(device)!.memoryBytes, windowSeconds: incentives.challengeSeconds, tflops: 1e9, random: () => 0.5 });
  return size.flops / incentives.challengeSeconds / 1e12;
}

describe.each(CONFIGS)('%s', (_, incentives) => {
  const exponent = incentives.normalization.exponent;
  const result = run(incentives);

  it('pays no cheat of the catalogue more than 1 % of an honest device of its model', () => {
    // lazy:0.1 and downgrade are caught in ≥ 99.4 % of rounds and a caught round wipes the score;
    // colluders are weighed only by a minority-stake colluding validator, which Yuma clips to 0.
    for (const label of ['H100 lazy:0.1', 'H100 downgrade', 'H100 colluder']) expect(group(result, label).relativeToHonest).toBeLessThanOrEqual(0.01);
    // Smaller lazy fractions are caught less often but still never pay: they earn less than honest work.
    expect(group(result, 'H100 lazy:0.01').relativeToHonest).toBeLessThan(0.2);
  });

  it('lets flaky but honest miners keep most of their share: at least (1 − 2d)^exponent for a drop rate d', () => {
    // A lost round averages in a 0 for one class (decay), so the expected average is (1 − d) of the
    // honest one; Yuma clips each validator's weight to the stake-weighted median, which costs a noisy
    // miner a little more. 2d leaves room for that; d = 5 % keeps ≥ 90 % with exponent 1.
    expect(group(result, 'H100 flaky:0.05').relativeToHonest).toBeGreaterThanOrEqual((1 - 2 * 0.05) ** exponent);
    expect(group(result, 'H100 flaky:0.2').relativeToHonest).toBeGreaterThanOrEqual((1 - 2 * 0.2) ** exponent);
    expect(group(result, 'H100 late:0.1').relativeToHonest).toBeGreaterThanOrEqual((1 - 2 * 0.1) ** exponent);
  });

  it('pays device models in proportion to their verified capacity under the config prices (to the exponent)', () => {
    const honest = result.groups.filter((g) => g.strategy === 'honest');
    const worth = (g: GroupOutcome) => paidClasses(incentives).reduce((s, [p, c]) => s + c.reward * (g.tflopsPerDevice[p] ?? 0), 0) ** exponent;
    const top = Math.max(...honest.map(worth));
    // Devices weighted at ≥ 1 % of the largest: below it u16 quantisation of the weights (1/65535 of
    // the largest) is no longer negligible. 1 %: validators disagree slightly (jitter of the shapes, the
    // last GEMM cut short) and Yuma clips each to the median; measured errors are ≤ 0.3 %.
    const compared = honest.filter((g) => worth(g) >= 0.01 * top);
    expect(compared.length).toBeGreaterThanOrEqual(5);
    const [reference] = compared;
    for (const g of compared) {
      const paid = g.emissionPerDevice / reference!.emissionPerDevice;
      const capacity = worth(g) / worth(reference!);
      expect(Math.abs(paid / capacity - 1), `${g.label}: paid ${paid}, capacity ${capacity}`).toBeLessThan(0.01);
    }
  });

  it('pays a Sybil split no more than 1.02× the device, and no device of the table is clipped by the challenge ceiling', () => {
    const population = parsePopulation({
      miners: DEVICES.flatMap((d) => [{ device: d.name, count: 2 }, { device: d.name, count: 2, strategy: 'sybil' }]),
      validators: [{ stake: 1000, count: 3 }],
    });
    const r = run(incentives, population, 11);
    for (const d of DEVICES) {
      // A device faster than the largest challenge would be clipped on one hotkey and not on two halves,
      // so a split would recover what the ceiling cut off. Protocol v3's ceiling (docs/protocol.md §11)
      // is above every device of the table, so there is nothing to recover.
      for (const [p] of paidClasses(incentives)) {
        const rate = deviceRate({ ...population.miners[0]!, device: d }, p) / 1e12;
        expect(ceilingTflops(incentives, d.name, p), `${d.name} ${p}`).toBeGreaterThanOrEqual(rate);
      }
      expect(group(r, `${d.name} sybil`).relativeToHonest!, d.name).toBeLessThanOrEqual(1.02);
    }
  });

  it('never pays for hiding a class: a device that declines a paid class earns less', () => {
    const paid = paidClasses(incentives).map(([p]) => p);
    if (paid.length < 2) return;
    const population = parsePopulation({
      miners: [{ device: 'H100', count: 3 }, ...paid.map((p) => ({ device: 'H100', count: 3, strategy: `hide:${p}` }))],
      validators: [{ stake: 1000, count: 3 }],
    });
    const r = run(incentives, population, 13);
    for (const p of paid) expect(group(r, `H100 hide:${p}`).relativeToHonest, p).toBeLessThan(1);
  });
});

describe('the failure policy', () => {
  it('is what keeps flaky miners whole: under the old default (no answer zeroes) they lose far more', () => {
    const old = parseIncentives({ failure: { noAnswer: 'zero' } });
    const now = group(run(DEFAULT_INCENTIVES), 'H100 flaky:0.05').relativeToHonest!;
    const before = group(run(old), 'H100 flaky:0.05').relativeToHonest!;
    expect(now).toBeGreaterThan(0.9);
    expect(before).toBeLessThan(0.8);
  });
});
