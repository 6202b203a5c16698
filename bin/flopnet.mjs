#!/usr/bin/env node
// The package ships TypeScript sources; tsx compiles them on load so `npm ci` needs no build step.
import { readFileSync } from 'node:fs';

// `flopnet --version` answers before anything is compiled or loaded (scripts and supervisors call it often).
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  process.stdout.write(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version + '\n');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../cli.ts');
  await main(process.argv);
}
