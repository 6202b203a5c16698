/**
 * Writes the README's CLI reference from the commander program itself, so the two cannot drift:
 *   npx tsx scripts/cli-reference.ts          rewrite README.md
 *   npx tsx scripts/cli-reference.ts --check  exit 1 when README.md is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildProgram } from '../cli.js';

const START = '<!-- CLI-REFERENCE -->';
const END = '<!-- /CLI-REFERENCE -->';
/** Options every command has; listed once above the reference instead of under each command. */
const COMMON = new Set(['--config', '--json', '--logging.debug', '--logging.trace', '--logging.json', '--help']);

/** Markdown table cells: a `|` would end the cell and `<x>` would vanish as an HTML tag. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function leaves(command: Command, path: string[] = []): { path: string[]; command: Command }[] {
  const here = [...path, command.name()];
  const subs = command.commands.filter((c) => c.name() !== 'help');
  return subs.length ? subs.flatMap((c) => leaves(c, here)) : [{ path: here, command }];
}

export async function renderReference(): Promise<string> {
  const program = await buildProgram();
  const sections = program.commands.flatMap((c) => leaves(c, ['flopnet'])).map(({ path, command }) => {
    const args = command.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ');
    const options = command.options
      .filter((o) => !o.hidden && !COMMON.has(o.long ?? ''))
      .map((o) => {
        // Options --help lists under their own heading (`Testing:`) say so in the table.
        const group = o.helpGroupHeading ? `*${o.helpGroupHeading.replace(/:$/, '').toLowerCase()}:* ` : '';
        return `| \`${o.flags}\` | ${group}${cell(o.description)}${o.defaultValue !== undefined ? ` (default: \`${JSON.stringify(o.defaultValue)}\`)` : ''} |`;
      });
    return [
      `### \`${path.join(' ')}${args ? ' ' + args : ''}\``,
      '',
      cell(command.description()),
      ...(options.length ? ['', '| option | meaning |', '|---|---|', ...options] : []),
    ].join('\n');
  });
  return [
    START,
    'Every command also takes `--json` (alias `--json-output`), `--config FILE`, `--logging.debug`, `--logging.trace`, `--logging.json` and `--help`.',
    '',
    ...sections.flatMap((s) => [s, '']),
    END,
  ].join('\n');
}

export async function updateReadme(text: string): Promise<string> {
  const start = text.indexOf(START);
  if (start < 0) throw new Error(`README.md has no ${START} marker`);
  const end = text.indexOf(END);
  return text.slice(0, start) + (await renderReference()) + (end < 0 ? '\n' : text.slice(end + END.length));
}

const readme = new URL('../README.md', import.meta.url);
if (process.argv[1]?.endsWith('cli-reference.ts')) {
  const current = readFileSync(readme, 'utf8');
  const next = await updateReadme(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      process.stderr.write('README.md CLI reference is out of date: run npx tsx scripts/cli-reference.ts\n');
      process.exitCode = 1;
    }
  } else writeFileSync(readme, next);
}
