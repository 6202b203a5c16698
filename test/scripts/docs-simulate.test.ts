/**
 * docs/incentives.md shows `flopnet simulate` runs with their output: the output must be what the
 * command prints now (runs are seeded). Regenerate with: npx tsx scripts/docs-simulate.ts
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { updateDocs } from '../../scripts/docs-simulate.js';
import { loadIncentives, parseIncentives } from '../../validator/incentives.js';

const docs = readFileSync(new URL('../../docs/incentives.md', import.meta.url), 'utf8');

describe('docs/incentives.md', () => {
  it('shows real flopnet simulate output for every command it shows (regenerate: npx tsx scripts/docs-simulate.ts)', async () => {
    expect(docs.match(/<!-- simulate -->/g)?.length).toBeGreaterThanOrEqual(5);
    expect(await updateDocs(docs)).toBe(docs);
  }, 300_000);

  it('shows each example config as its file in simulator/examples/ holds it', () => {
    // A config block right after the paragraph that names its file.
    const shown = [...docs.matchAll(/`simulator\/examples\/([\w-]+\.(?:yaml|json))`[^`]*?:\n\n```(yaml|json)\n([\s\S]*?)```/g)];
    expect(shown.map((m) => m[1])).toEqual(expect.arrayContaining(['tensor-cores.yaml', 'burn-half.json', 'bf16-mostly.yaml']));
    for (const [, file, lang, body] of shown) {
      const inDocs = parseIncentives(lang === 'json' ? JSON.parse(body!) : parse(body!));
      expect(inDocs, file).toEqual(loadIncentives(new URL(`../../simulator/examples/${file}`, import.meta.url).pathname));
    }
  });
});

