/**
 * The population file is user input: every mistake is refused in one line that names the key or
 * value and what is allowed, before anything is simulated.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorOf } from '../helpers/errors.js';
import { LIMITS, loadPopulation, parsePopulation } from '../../simulator/population.js';
import { parseStrategy } from '../../simulator/strategies.js';

const dir = mkdtempSync(join(tmpdir(), 'flopnet-population-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const validators = [{ stake: 1000 }];
const message = (data: unknown) => {
  const e = errorOf(() => parsePopulation(data, 'pop.yaml'));
  expect(e.code).toBe('E_POPULATION');
  expect(e.exitCode).toBe(2);
  expect(e.message).not.toContain('\n');
  return e.message;
};

describe('population file', () => {
  it('fills defaults: a new subtensor subnet, honest miners with one hotkey each', () => {
    const p = parsePopulation({ miners: [{ device: 'h100' }], validators });
    expect(p.subnet).toMatchObject({ tempo: 360, maxAllowedValidators: 64, yuma3: true, commitRevealEpochs: 0, minAllowedWeights: 1 });
    expect(p.subnet.kappa).toBeCloseTo(0.5, 4);
    expect(p.miners[0]).toMatchObject({ label: 'H100 honest', count: 1, hotkeysPerDevice: 1, efficiency: 1, rttMs: 20, strategy: { kind: 'honest' } });
  });

  it('gives a sybil two hotkeys per device unless told otherwise, and labels groups apart', () => {
    const p = parsePopulation({ miners: [{ device: 'A100', strategy: 'sybil' }, { device: 'A100', strategy: 'sybil', hotkeysPerDevice: 4 }, { device: 'A100' }, { device: 'A100' }], validators });
    expect(p.miners.map((m) => [m.label, m.hotkeysPerDevice])).toEqual([['A100 sybil', 2], ['A100 sybil #2', 4], ['A100 honest', 1], ['A100 honest #2', 1]]);
  });

  it('refuses an unknown device, naming it and the devices allowed', () => {
    expect(message({ miners: [{ device: 'H300' }], validators })).toBe(
      'Invalid population: unknown device "H300" in miners[0].device of pop.yaml; allowed: H100, H200, B200, A100, L40S, RTX4090, RTX5090, CPU',
    );
  });

  it('refuses an unknown or malformed strategy, naming it and the forms allowed', () => {
    const unknown = message({ miners: [{ device: 'H100' }, { device: 'H100', strategy: 'lazzy:0.1' }], validators });
    expect(unknown).toContain('unknown strategy "lazzy:0.1" in miners[1].strategy of pop.yaml; allowed: honest, emulation, lazy:<fraction>');
    expect(message({ miners: [{ device: 'H100', strategy: 'lazy:1.5' }], validators })).toContain('must be a number in (0, 1]');
    expect(message({ miners: [{ device: 'H100', strategy: 'hide:fp12' }], validators })).toContain('unknown class "fp12"');
    expect(message({ miners: [{ device: 'H100', strategy: 'honest:1' }], validators })).toContain('honest takes no argument');
  });

  it('refuses an unknown key with a suggestion and the keys allowed', () => {
    expect(message({ miners: [{ device: 'H100', cuont: 2 }], validators })).toBe(
      'Invalid population: unknown key "cuont" in miners[0] of pop.yaml (did you mean "count"?); allowed: device, count, strategy, hotkeysPerDevice, efficiency, rttMs, label',
    );
    expect(message({ miners: [{ device: 'H100' }], validators, subnet: { temp: 10 } })).toContain('unknown key "temp" in subnet of pop.yaml (did you mean "tempo"?)');
    expect(message({ miners: [{ device: 'H100' }], validators, epoch: 3 })).toContain('(did you mean "epochs"?)');
  });

  it('names the key, the value found and the form expected for a bad value', () => {
    expect(message({ miners: [{ device: 'H100', count: 0 }], validators })).toBe('Invalid population: "miners[0].count" in pop.yaml: expected an integer from 1 to 16384 (got 0)');
    expect(message({ miners: [{ device: 'H100' }], validators: [{ stake: -1 }] })).toContain('"validators[0].stake"');
    expect(message({ miners: [], validators })).toContain('at least one miner entry');
    expect(message([1, 2])).toContain('must hold a mapping');
  });

  it('refuses populations that cannot be simulated meaningfully, or too large to be', () => {
    expect(message({ miners: [{ device: 'H100', strategy: 'sybil', hotkeysPerDevice: 1 }], validators })).toContain('hotkeysPerDevice ≥ 2');
    expect(message({ miners: [{ device: 'H100' }], validators: [{ stake: 1, strategy: 'colluding' }] })).toContain('no miner with strategy colluder');
    expect(message({ miners: [{ device: 'H100', strategy: 'colluder' }], validators: [{ stake: 1, strategy: 'colluding' }] })).toContain('at least one honest validator');
    expect(message({ miners: [{ device: 'H100', count: LIMITS.hotkeys, hotkeysPerDevice: 2 }], validators })).toContain(`at most ${LIMITS.hotkeys}`);
  });

  it('reads JSON and YAML files and refuses an oversized one before parsing it', () => {
    const yaml = join(dir, 'p.yaml');
    writeFileSync(yaml, 'miners:\n  - { device: L40S, count: 2, strategy: "flaky:0.1" }\nvalidators:\n  - { stake: 10 }\nepochs: 5\nseed: 9\n');
    expect(loadPopulation(yaml)).toMatchObject({ epochs: 5, seed: 9, miners: [{ label: 'L40S flaky:0.1', count: 2 }] });
    const big = join(dir, 'big.json');
    writeFileSync(big, ' '.repeat(LIMITS.fileBytes + 1));
    expect(errorOf(() => loadPopulation(big)).message).toContain(`at most ${LIMITS.fileBytes}`);
    expect(errorOf(() => loadPopulation(join(dir, 'missing.yaml'))).message).toContain('Cannot read population file');
  });
});

describe('strategies', () => {
  it('parse their written forms', () => {
    expect(parseStrategy('lazy:0.1', 'x')).toEqual({ kind: 'lazy', fraction: 0.1 });
    expect(parseStrategy('downgrade', 'x')).toMatchObject({ kind: 'downgrade', classes: ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8'] });
    expect(parseStrategy('downgrade:fp32,bf16', 'x')).toEqual({ kind: 'downgrade', classes: ['fp32', 'bf16'] });
    expect(parseStrategy('flaky:0', 'x')).toEqual({ kind: 'flaky', dropRate: 0 });
    expect(parseStrategy(' late:0.5 ', 'x')).toEqual({ kind: 'late', rate: 0.5 });
  });
});
