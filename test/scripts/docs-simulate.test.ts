/**
 * docs/incentives.md shows `flopnet simulate` runs with their output: the output must be what the
 * command prints now (runs are seeded). Regenerate with: npx tsx scripts/docs-simulate.ts
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { updateDocs } from '../../scripts/docs-simulate.js';

const docs = readFileSync(new URL('../../docs/incentives.md', import.meta.url), 'utf8');

describe('docs/incentives.md', () => {
  it('shows real flopnet simulate output for every command it shows (regenerate: npx tsx scripts/docs-simulate.ts)', async () => {
    expect(docs.match(/<!-- simulate -->/g)?.length).toBeGreaterThanOrEqual(5);
    expect(await updateDocs(docs)).toBe(docs);
  }, 300_000);
});
