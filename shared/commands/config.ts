/**
 * `flopnet config show <command> [its flags]`: the settings that command would run with — each
 * effective value and where it came from (flag, FLOPNET_* variable, config file, default) — resolved
 * exactly as the command itself resolves them, without running it.
 */
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { reportError, resolveCommandSettings, settingsOf, writeJson } from '../cli/command.js';
import { table } from '../chain/cli.js';
import type { SettingOrigin } from '../config/options.js';

export interface ShownSetting extends SettingOrigin {
  value: unknown;
}

export interface ConfigShowResult {
  command: string;
  /** The config file read, or null. */
  file: string | null;
  settings: ShownSetting[];
  /** Keys of the file that are other commands' settings: this command skips them. */
  skipped: string[];
}

/** Walks from the program down the words that name subcommands; the rest are the command's own argv. */
function findCommand(root: Command, argv: readonly string[]): { command: Command; path: string[]; rest: string[] } {
  let command = root;
  const path: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const next = command.commands.find((c) => c.name() === argv[i] || c.aliases().includes(argv[i]!));
    if (!next) break;
    command = next;
    path.push(next.name());
  }
  return { command, path, rest: argv.slice(i) };
}

// Nothing secret is read from a config file, but a flag can carry one (--json-password).
const shown = (key: string, value: unknown): unknown => (value !== undefined && /password/i.test(key) ? '********' : value);

function render(r: ConfigShowResult): string {
  const text = (v: unknown): string => (v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));
  const from = (s: ShownSetting): string =>
    s.source === 'flag' || s.source === 'environment' ? `${s.source === 'flag' ? 'flag' : 'env'} ${s.from}` : s.source === 'config file' ? 'config file' : s.source;
  return [
    `${r.command}: ${r.file ? `config file ${r.file}` : 'no config file'}`,
    table(['SETTING', 'VALUE', 'FROM'], r.settings.map((s) => [s.key, text(s.value), from(s)])),
    ...(r.skipped.length ? [`skipped (settings of other commands): ${r.skipped.join(', ')}`] : []),
  ].join('\n');
}

const show = new Command('show')
  .description('print the settings a command would run with: each value and where it came from (flag, FLOPNET_* variable, config file, default)')
  .argument('<command...>', 'the command, then the flags you would give it')
  // Everything after the command's name is that command's own argv, checked by its own options.
  .allowUnknownOption()
  .addHelpText(
    'after',
    '\nExamples:\n  $ flopnet config show miner --config miner.yaml\n  $ FLOPNET_NETUID=2 flopnet config show validator start --config validator.yaml --json',
  )
  .action(async (words: string[], _options: unknown, cmd: Command) => {
    let json = words.some((w) => w === '--json' || w === '--json-output' || w === '--json-out');
    try {
      let root = cmd;
      while (root.parent) root = root.parent;
      const { command, path, rest } = findCommand(root, words);
      const specs = settingsOf(command);
      if (!specs) {
        const subs = command.commands.map((c) => c.name());
        throw new UsageError(`${path.length ? `flopnet ${path.join(' ')}` : `"${words[0]}"`} is not a command with settings`, {
          hint: subs.length ? `name one of its commands: ${subs.join(', ')}` : 'e.g. flopnet config show miner --config miner.yaml',
        });
      }
      const { unknown } = command.parseOptions(rest);
      if (unknown.length) {
        throw new UsageError(`unknown option '${unknown[0]}' for flopnet ${path.join(' ')}`, { hint: `see flopnet ${path.join(' ')} --help` });
      }
      const settings = await resolveCommandSettings(command, specs);
      json = Boolean(settings.options['json']);
      const result: ConfigShowResult = {
        command: `flopnet ${path.join(' ')}`,
        file: settings.file ?? null,
        settings: Object.entries(settings.origins).map(([name, { key, source, from }]) => ({ key, value: shown(key, settings.options[name]), source, ...(from ? { from } : {}) })),
        skipped: settings.skipped,
      };
      if (json) writeJson(result);
      else process.stdout.write(render(result) + '\n');
    } catch (error) {
      reportError(error, json);
    }
  });

export const configCommand = new Command('config').description('show the settings a command would run with, and where each came from').addCommand(show);
