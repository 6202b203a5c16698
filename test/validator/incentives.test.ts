import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_INCENTIVES, loadIncentives, parseIncentives } from '../../validator/incentives.js';
import { errorOf } from '../helpers/errors.js';


describe('incentive config', () => {
  it('defaults to fp32 only, EMA 0.1, failed proofs zeroing the score', () => {
    expect(DEFAULT_INCENTIVES.classes).toEqual({ fp32: { draw: 1, reward: 1 } });
    expect(DEFAULT_INCENTIVES.ema.alpha).toBe(0.1);
    expect(DEFAULT_INCENTIVES.failure.failedProof).toBe('zero');
    // Only evidence of a wrong answer wipes a score; a missing answer or connection decays it.
    expect(DEFAULT_INCENTIVES.failure.noAnswer).toBe('decay');
    expect(DEFAULT_INCENTIVES.failure.unreachable).toBe('decay');
    expect(DEFAULT_INCENTIVES.burn).toBeUndefined();
    expect(parseIncentives({})).toEqual(DEFAULT_INCENTIVES);
  });

  it('fills defaults inside a partial section', () => {
    const c = parseIncentives({ timeouts: { openingsMs: 500 }, burn: { uid: 0, share: 0.25 } });
    expect(c.timeouts.openingsMs).toBe(500);
    expect(c.timeouts.probeMs).toBe(3_000);
    expect(c.challengeSeconds).toBe(10);
    expect(c.burn).toEqual({ uid: 0, share: 0.25 });
  });

  it('names what replaced a protocol v1 key', () => {
    const renamed = errorOf(() => parseIncentives({ targetChallengeSeconds: 10 }));
    expect(renamed.code).toBe('E_INCENTIVES');
    expect(renamed.message).toContain('protocol v1');
    expect(renamed.message).toContain('"challengeSeconds"');
    const removed = errorOf(() => parseIncentives({ timeouts: { minDeadlineMs: 5000 } }));
    expect(removed.message).toContain('"timeouts.minDeadlineMs"');
    expect(removed.message).toContain('the deadline is the window');
  });

  it('names the key, the value found and the form expected', () => {
    const e = errorOf(() => parseIncentives({ classes: { fp16: { draw: 1, reward: -1 } } }));
    expect(e.code).toBe('E_INCENTIVES');
    expect(e.message).toContain('"classes.fp16.reward"');
    expect(e.message).toContain('≥ 0');
    expect(e.message).toContain('got -1');
    expect(errorOf(() => parseIncentives({ burn: { uid: 1 } })).message).toMatch(/"burn\.share".*missing/);
    expect(errorOf(() => parseIncentives({ ema: { alpha: 0 } })).message).toContain('"ema.alpha"');
  });

  it('refuses unknown keys with a suggestion instead of silently defaulting', () => {
    expect(errorOf(() => parseIncentives({ ema: { alpa: 0.2 } })).message).toContain('did you mean "ema.alpha"');
    expect(errorOf(() => parseIncentives({ classes: { fp17: { draw: 1, reward: 1 } } })).message).toContain('"classes.fp17"');
  });

  it('refuses a config that pays for nothing', () => {
    expect(errorOf(() => parseIncentives({ classes: { fp16: { draw: 0, reward: 1 } } })).message).toContain('at least one class');
  });

  it('loads YAML and JSON files and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flopnet-incentives-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const yaml = join(dir, 'incentives.yaml');
    writeFileSync(yaml, 'classes:\n  fp32: { draw: 2, reward: 1 }\n  bf16: { draw: 1, reward: 0.25 }\nema:\n  alpha: 0.3\n');
    const c = loadIncentives(yaml);
    expect(c.classes.bf16).toEqual({ draw: 1, reward: 0.25 });
    expect(c.ema.alpha).toBe(0.3);
    const json = join(dir, 'bad.json');
    writeFileSync(json, JSON.stringify({ normalization: { exponent: 'two' } }));
    const e = errorOf(() => loadIncentives(json));
    expect(e.message).toContain(json);
    expect(e.message).toContain('"normalization.exponent"');
    writeFileSync(json, '{ nope');
    expect(errorOf(() => loadIncentives(json)).code).toBe('E_INCENTIVES_FILE');
    expect(errorOf(() => loadIncentives(join(dir, 'missing.yaml'))).hint).toContain('--incentives');
  });
});

describe('docs/incentives.md', () => {
  it('holds only examples a validator accepts', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const doc = readFileSync(new URL('../../docs/incentives.md', import.meta.url), 'utf8');
    const examples = doc.slice(doc.indexOf('## Examples'), doc.indexOf('## Capacity on chain'));
    const blocks = [...examples.matchAll(/```(yaml|json)\n([\s\S]*?)```/g)];
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const [, lang, body] of blocks) {
      const data = lang === 'json' ? JSON.parse(body!) : parse(body!);
      expect(() => parseIncentives(data)).not.toThrow();
    }
  });
});
