import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { updateReadme } from '../scripts/cli-reference.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('gives the two set-up commands of a fresh machine', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
  });

  it('has a CLI reference that matches the program (regenerate: npx tsx scripts/cli-reference.ts)', async () => {
    expect(await updateReadme(readme)).toBe(readme);
  });
});
