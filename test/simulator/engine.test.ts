import { describe, expect, it } from 'vitest';
import { DEFAULT_INCENTIVES, parseIncentives } from '../../validator/incentives.js';
import { simulate, warmupEpochs } from '../../simulator/engine.js';
import { parsePopulation } from '../../simulator/population.js';
import { renderHtml } from '../../simulator/html.js';
import { renderReport, type SimulationReport } from '../../simulator/report.js';

const population = parsePopulation({
  subnet: { tempo: 60 },
  miners: [{ device: 'H100', count: 2 }, { device: 'RTX4090', count: 2 }, { device: 'H100', strategy: 'colluder' }],
  validators: [{ stake: 1000, count: 2 }, { stake: 100, strategy: 'colluding' }],
});
const run = (over: Partial<Parameters<typeof simulate>[0]> = {}) => simulate({ incentives: DEFAULT_INCENTIVES, population, epochs: 6, seed: 3, warmup: 1, ...over });

describe('simulate', () => {
  it('is deterministic: the same seed gives the same run, another seed another', () => {
    const a = run();
    expect(run()).toEqual(a);
    expect(run({ seed: 4 }).miners.map((m) => m.emission)).not.toEqual(a.miners.map((m) => m.emission));
  });

  it('runs one round per slot, in its holder\'s turn; a colluding holder runs none', () => {
    const r = run();
    // tempo 60, slots of 5 blocks: 12 slots an epoch, a third of them the colluding validator's.
    expect(r.rounds).toBe(6 * 12 * (2 / 3));
  });

  it('pays out every epoch\'s emission: miners and validators half each after the owner\'s cut', () => {
    const { emission: e } = run();
    // 5 measured epochs of 60 blocks at 1 α a block.
    expect(e.minted).toBeCloseTo(300, 5);
    expect(e.ownerCut / e.minted).toBeCloseTo(11_796 / 65_535, 4);
    expect(e.miners).toBeCloseTo(e.validators, 3);
    expect(e.miners + e.validators + e.ownerCut + e.burned).toBeCloseTo(e.minted, 3);
  });

  it('burns what the owner\'s uid receives, at burn.uid, and refuses a burn uid outside the subnet', () => {
    const burning = parseIncentives({ burn: { uid: 2, share: 0.5 } });
    const r = run({ incentives: burning });
    expect(r.ownerUid).toBe(2);
    expect(r.validators.map((v) => v.uid)).toEqual([0, 1, 3]);
    // Half of the miners' half goes to the owner's uid and is burned.
    expect(r.emission.burned / (r.emission.burned + r.emission.miners)).toBeCloseTo(0.5, 2);
    expect(() => run({ incentives: parseIncentives({ burn: { uid: 99, share: 0.5 } }) })).toThrow(/burn.uid 99 .* \(0\.\.8\)/);
  });

  it('delays weights by the commit-reveal epochs: the first epoch pays no miner', () => {
    const r = run({ population: { ...population, subnet: { ...population.subnet, commitRevealEpochs: 1 } }, warmup: 0, epochs: 2 });
    expect(r.groups.every((g) => g.perEpoch[0] === 0)).toBe(true);
    expect(r.groups.find((g) => g.label === 'H100 honest')!.perEpoch[1]).toBeGreaterThan(0);
  });

  it('lets Yuma clip a minority colluding validator: its colluder earns nothing, it earns no dividends', () => {
    const r = run();
    expect(r.groups.find((g) => g.label === 'H100 colluder')!.emissionPerDevice).toBe(0);
    const colluding = r.validators.find((v) => v.colluding)!;
    expect(colluding.dividends).toBe(0);
    expect(r.validators.filter((v) => !v.colluding).every((v) => v.dividends > 0 && v.validatorTrust > 0.9)).toBe(true);
  });

  it('accounts shares per miner and group, and the verified capacity per class', () => {
    // 8 rounds an epoch per validator at α = 0.1: averages have converged after 4 epochs.
    const r = run({ epochs: 10, warmup: 4 });
    expect(r.miners.reduce((a, m) => a + m.share, 0)).toBeCloseTo(1, 9);
    expect(r.groups.reduce((a, g) => a + g.share, 0)).toBeCloseTo(1, 9);
    const h100 = r.groups.find((g) => g.label === 'H100 honest')!;
    // Credited: the committed GEMMs over the window, a little under the datasheet 67 TFLOPS.
    expect(h100.tflopsPerDevice.fp32).toBeGreaterThan(60);
    expect(h100.tflopsPerDevice.fp32).toBeLessThan(67);
    expect(h100.relativeToHonest).toBe(1);
    expect(r.capacity.fp32).toBeGreaterThan(2 * 60 + 2 * 75);
    expect(r.capacityPerEpoch).toHaveLength(10);
    // Per strategy: the groups of one strategy together, compared with honest devices of their models.
    expect(r.strategies.map((x) => [x.strategy, x.groups, x.devices])).toEqual([['honest', 2, 4], ['colluder', 1, 1]]);
    expect(r.strategies[0]!.relativeToHonest).toBe(1);
    expect(r.strategies[1]!.relativeToHonest).toBe(0);
  });

  it('compares a group with honest devices of its own model and efficiency', () => {
    const mixed = parsePopulation({
      subnet: { tempo: 60 },
      miners: [{ device: 'H100', efficiency: 0.5 }, { device: 'H100' }, { device: 'H100', efficiency: 0.5, strategy: 'sybil' }, { device: 'A100', strategy: 'sybil' }],
      validators: [{ stake: 1000, count: 2 }],
    });
    const r = run({ population: mixed, epochs: 10, warmup: 4 });
    expect(r.groups.map((g) => g.relativeToHonest === null ? null : Number(g.relativeToHonest.toFixed(1)))).toEqual([1, 1, 1, null]);
    // The half-efficiency H100 earns about half of the full one.
    expect(r.groups[0]!.emissionPerDevice / r.groups[1]!.emissionPerDevice).toBeCloseTo(0.5, 1);
  });

  it('stops between epochs when aborted', () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    expect(() => run({ signal: controller.signal })).toThrow('stop');
  });
});

describe('reports', () => {
  const result = run();
  const report: SimulationReport = {
    ...result,
    incentives: { source: 'defaults', classes: DEFAULT_INCENTIVES.classes, burn: null, exponent: 1 },
    population: { source: 'a <script>alert(1)</script> file', hotkeys: result.miners.length, validators: result.validators.length },
  };

  it('prints a table per group, per miner on request, the emission split and the capacity', () => {
    const text = renderReport(report, { perMiner: true });
    expect(text).toMatch(/H100 honest +2 +1 +[\d.]+ %/);
    expect(text).toContain('vs honest');
    expect(text).toMatch(/Per strategy[^\n]*\n.*\n.*\nhonest +2 +4 +[\d.]+ % +1\.000/);
    expect(text).toContain('Per miner:');
    expect(text).toMatch(/Emission over epochs 2–6: 300 α minted — miners 41\.\d\d %, validators 41\.\d\d %, owner cut 18\.00 %, burned 0\.00 %/);
    expect(text).toMatch(/Verified capacity at the end: fp32 \d+ TFLOPS/);
    expect(renderReport(report)).not.toContain('Per miner:');
  });

  it('writes a self-contained HTML page with charts, fetching nothing, escaping what it was given', () => {
    const html = renderHtml(report);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('a &lt;script&gt;alert(1)&lt;/script&gt; file');
    // Nothing loaded from elsewhere: the only URL is the SVG namespace.
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:|src=|href=/);
  });
});

describe('warm-up', () => {
  it('waits until each validator has measured the rarest paid class enough for its average to settle', () => {
    // tempo 60 / 5 = 12 rounds an epoch, 3 validators: 4 rounds each. fp32 alone: 29 rounds → 8 epochs.
    expect(warmupEpochs(DEFAULT_INCENTIVES, population, 100)).toBe(8);
    // bf16 drawn 1 round in 4: four times as long, and never more than half the run.
    const rare = parseIncentives({ classes: { fp32: { draw: 3, reward: 1 }, bf16: { draw: 1, reward: 1 } } });
    expect(warmupEpochs(rare, population, 100)).toBe(29);
    expect(warmupEpochs(rare, population, 20)).toBe(10);
  });
});
