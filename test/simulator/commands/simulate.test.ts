/**
 * `flopnet simulate` as an owner runs it: a child process, files in a temp dir.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFlopnet } from '../../shared/chain/cli-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'flopnet-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const small = file('small.yaml', 'subnet: { tempo: 30 }\nminers:\n  - { device: H100, count: 2 }\n  - { device: H100, strategy: "lazy:0.1" }\nvalidators:\n  - { stake: 100, count: 2 }\n');

describe('flopnet simulate', () => {
  it('prints the outcome as JSON, the same for the same seed, and writes the HTML report', async () => {
    const html = join(dir, 'report.html');
    const args = ['simulate', '--population', small, '--epochs', '4', '--seed', '5', '--json'];
    const [a, b] = await Promise.all([runFlopnet([...args, '--html', html]), runFlopnet(args)]);
    expect(a.status).toBe(0);
    const report = JSON.parse(a.stdout);
    expect(report).toMatchObject({ seed: 5, epochs: 4, incentives: { source: 'defaults (fp32 only)' }, population: { hotkeys: 3, validators: 2 } });
    expect(report.groups.map((g: { label: string }) => g.label)).toEqual(['H100 honest', 'H100 lazy:0.1']);
    expect(report.groups[1].relativeToHonest).toBe(0);
    expect(JSON.parse(b.stdout)).toEqual(report);
    expect(readFileSync(html, 'utf8')).toContain('<svg');
  });

  it('prints the device table with sources, and each device\'s score under a config', async () => {
    const config = file('bf16.yaml', 'classes: { bf16: { draw: 1, reward: 1 } }\n');
    const run = await runFlopnet(['simulate', '--devices', '--incentives', config]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/H100 +80 +67\.0 → 70\.7 int8×28/);
    expect(run.stdout).toContain('Source: NVIDIA H100 Tensor Core GPU datasheet');
    expect(run.stdout).toMatch(/H100 +989 +989/);
  });

  it('refuses a bad population in one line naming what is allowed, and simulates nothing', async () => {
    const bad = file('bad.yaml', 'miners:\n  - { device: H100 }\n  - { device: TPUv5 }\nvalidators:\n  - { stake: 1 }\n');
    const html = join(dir, 'never.html');
    const run = await runFlopnet(['simulate', '--population', bad, '--html', html]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
    expect(lines).toEqual([expect.stringContaining('unknown device "TPUv5" in miners[1].device')]);
    expect(run.stderr).toContain('allowed: H100, H200, B200, A100, L40S, RTX4090, RTX5090, CPU');
    expect(existsSync(html)).toBe(false);
  });

  it('refuses a bad incentive config the same way validators do, before reading the population', async () => {
    const config = file('typo.yaml', 'ema: { alpa: 0.2 }\n');
    const run = await runFlopnet(['simulate', '--incentives', config, '--population', join(dir, 'missing.yaml')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('unknown key "ema.alpa"');
    expect(run.stderr).toContain('did you mean "ema.alpha"?');
  });

  it('has --help with examples', async () => {
    const run = await runFlopnet(['simulate', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--population <file>');
    expect(run.stdout).toContain('flopnet simulate --devices --incentives incentives.yaml');
  });
});
