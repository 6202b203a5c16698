/**
 * The Grafana dashboard and the alert rules in docs/ use metrics the programs export, the rules are
 * valid YAML, and every exported metric is documented in docs/monitoring.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MinerMetrics } from '../../../miner/metrics.js';
import { ValidatorMetrics } from '../../../validator/metrics.js';

const exported = new Set(
  [new MinerMetrics({ hotkeys: [], healthBlocks: 10 }).registry, new ValidatorMetrics({ healthBlocks: 10, healthSlots: 3 }).registry]
    .flatMap((r) => r.getMetricsAsArray().map((m) => m.name))
    .filter((n) => n.startsWith('flopnet_')),
);
const names = (text: string): string[] => [...new Set(text.match(/\bflopnet_[a-z_]+/g) ?? [])];
const monitoring = readFileSync('docs/monitoring.md', 'utf8');

describe('monitoring docs', () => {
  it('the Grafana dashboard queries only exported metrics, in every panel', () => {
    const dashboard = JSON.parse(readFileSync('docs/grafana/flopnet.json', 'utf8')) as { panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };
    const graphs = dashboard.panels.filter((p) => p.type !== 'row');
    expect(graphs.length).toBeGreaterThanOrEqual(15);
    for (const panel of graphs) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets!) for (const name of names(expr)) expect(exported, `${panel.title}: ${name}`).toContain(name);
    }
  });

  it('the alert rules are valid YAML over exported metrics, with the two alerts operators asked for', () => {
    const block = /```yaml\n(groups:[\s\S]*?)```/.exec(monitoring)![1]!;
    const rules = (parse(block) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups[0]!.rules;
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['FlopnetMinerNotChallenged', 'FlopnetValidatorWeightsNotSet']));
    for (const rule of rules) for (const name of names(rule.expr)) expect(exported, `${rule.alert}: ${name}`).toContain(name);
  });

  it('documents every exported metric', () => {
    for (const name of exported) {
      const suffix = name.replace(/^flopnet_(miner|validator)/, '...');
      expect(monitoring.includes(`\`${name}\``) || monitoring.includes(`\`${suffix}\``) || monitoring.includes(` ${suffix}\``), name).toBe(true);
    }
  });
});
