/**
 * Reruns every `flopnet simulate` command that docs/incentives.md shows and writes its real output
 * under it, so the worked examples cannot drift from what the tool prints:
 *
 *   npx tsx scripts/docs-simulate.ts           rewrite docs/incentives.md
 *   npx tsx scripts/docs-simulate.ts --check   exit 1 when it is out of date
 *
 * A shown run is a code block right after the line `<!-- simulate -->` whose first line is
 * `$ flopnet simulate ARGS`; the rest of the block is replaced by what that command prints on stdout.
 * Runs are seeded, so the output is the same on every machine.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { buildProgram } from '../cli.js';

const BLOCK = /(<!-- simulate -->\n```text\n\$ flopnet (simulate[^\n]*)\n)([\s\S]*?)(```)/g;

/** Runs `flopnet ARGS` in this process and returns what it wrote on stdout. */
async function stdoutOf(args: readonly string[]): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let captured = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  const status = process.exitCode;
  try {
    const argv = ['node', 'flopnet', ...args];
    await (await buildProgram(argv)).parseAsync(argv);
    if (process.exitCode !== status) throw new Error(`flopnet ${args.join(' ')} failed with status ${process.exitCode}`);
  } finally {
    process.stdout.write = write;
    process.exitCode = status;
  }
  return captured;
}

/** The document with every shown run's output replaced by a fresh run's. */
export async function updateDocs(text: string): Promise<string> {
  const runs = [...text.matchAll(BLOCK)];
  let out = '';
  let at = 0;
  for (const m of runs) {
    const output = await stdoutOf(m[2]!.trim().split(/\s+/));
    out += text.slice(at, m.index!) + m[1] + output + m[4];
    at = m.index! + m[0].length;
  }
  return out + text.slice(at);
}

const docs = new URL('../docs/incentives.md', import.meta.url);
if (process.argv[1]?.endsWith('docs-simulate.ts')) {
  const current = readFileSync(docs, 'utf8');
  const next = await updateDocs(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      process.stderr.write('docs/incentives.md shows stale flopnet simulate output: run npx tsx scripts/docs-simulate.ts\n');
      process.exitCode = 1;
    }
  } else if (next !== current) {
    writeFileSync(docs, next);
    process.stderr.write('docs/incentives.md updated\n');
  }
}
