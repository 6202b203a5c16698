/**
 * The glue every `flopnet` subcommand uses: declared options in, a typed action, one place that
 * turns errors into a one-line message (or a JSON error document) and an exit status.
 *
 * Actions never call `process.exit`: they return (or throw) and the entry point decides, so the same
 * logic runs from tests and from the demo orchestrator.
 */
import { Command } from 'commander';
import { FlopnetError, describeError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { configOption, jsonOption, loggingOptions } from '../config/common.js';
import { checkConfigKeys, foreignKeys, readConfigFile } from '../config/file.js';
import { addOptions, configPath, resolveSettings, type OptionSpecs, type ResolvedOptions, type SettingOrigin } from '../config/options.js';

const baseOptions = { ...configOption, ...jsonOption, ...loggingOptions };
type Base = typeof baseOptions;

/** Every command's settings (its own and the base ones), as defineCommand declared them. */
const commandSettings = new WeakMap<Command, OptionSpecs>();
export const settingsOf = (command: Command): OptionSpecs | undefined => commandSettings.get(command);

/** The config-file keys of every command under `root` that defineCommand made. */
export function settingKeys(root: Command): Set<string> {
  const keys = new Set<string>();
  const walk = (c: Command): void => {
    for (const spec of Object.values(settingsOf(c) ?? {})) if (spec.fileKey !== false) keys.add(spec.key);
    c.commands.forEach(walk);
  };
  walk(root);
  return keys;
}

/**
 * A program whose commands load lazily registers here how to learn every command's settings, so
 * a config file shared by a node's commands is told from one with a typo.
 */
const catalogues = new WeakMap<Command, () => Promise<ReadonlySet<string>>>();
export function setSettingsCatalogue(program: Command, catalogue: () => Promise<ReadonlySet<string>>): void {
  catalogues.set(program, catalogue);
}

function rootOf(command: Command): Command {
  let c = command;
  while (c.parent) c = c.parent;
  return c;
}

export interface CommandSettings<S extends OptionSpecs> {
  options: ResolvedOptions<S>;
  origins: Record<keyof S, SettingOrigin>;
  /** The config file read, if any. */
  file?: string;
  /** Keys of the file that are other commands' settings, skipped here. */
  skipped: string[];
}

/**
 * One resolution of a command's settings against all of its keys: flags > FLOPNET_* > --config >
 * defaults. `command` has parsed its argv.
 */
export async function resolveCommandSettings<S extends OptionSpecs>(command: Command, specs: S, env: NodeJS.ProcessEnv = process.env): Promise<CommandSettings<S>> {
  const path = configPath(command, env);
  const file = path ? readConfigFile(path) : undefined;
  let skipped: string[] = [];
  if (file) {
    const root = rootOf(command);
    const catalogue = catalogues.get(root);
    // Loading every command costs a second; only a key this command does not take needs it.
    const elsewhere = foreignKeys(file, specs).length ? ((await catalogue?.()) ?? settingKeys(root)) : new Set<string>();
    skipped = checkConfigKeys(file, specs, elsewhere);
  }
  const { options, origins } = resolveSettings(command, specs, { env, file });
  return { options, origins, ...(file ? { file: file.path } : {}), skipped };
}

export interface ActionContext<S extends OptionSpecs> {
  options: ResolvedOptions<S> & ResolvedOptions<Base>;
  args: string[];
  log: Logger;
  command: Command;
  /** Writes the command's result: JSON on stdout with --json, else the text `render` gives. */
  output<T>(result: T, render: (result: T) => string): void;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop their work and clean up. */
  signal: AbortSignal;
}

export interface DefineCommandOptions<S extends OptionSpecs> {
  name: string;
  description: string;
  /** Positional arguments in commander syntax, e.g. ['<key>', '[value]']. */
  args?: readonly string[];
  options?: S;
  /** Text appended to --help (examples). */
  examples?: readonly string[];
  action?: (ctx: ActionContext<S>) => Promise<void> | void;
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return '0x' + Buffer.from(value).toString('hex');
  return value;
}

export function writeJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, jsonReplacer, 2) + '\n');
}

export function createLoggerFromOptions(options: { loggingDebug: boolean; loggingTrace: boolean; loggingJson: boolean }, component?: string): Logger {
  return createLogger({
    level: options.loggingTrace ? 'trace' : options.loggingDebug ? 'debug' : 'info',
    format: options.loggingJson ? 'json' : 'text',
    ...(component ? { component } : {}),
  });
}

const shutdown = new AbortController();
let signalsInstalled = false;
function installSignals(log: Logger): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (shutdown.signal.aborted) {
        log.warn(`second ${sig}: exiting now`);
        process.exit(130);
      }
      log.info(`${sig} received: shutting down (press Ctrl-C again to force)`);
      shutdown.abort(new FlopnetError(`interrupted by ${sig}`, { code: 'E_INTERRUPTED', exitCode: 130 }));
    });
  }
}

/** Prints an error as its command's last word and sets the exit status. */
export function reportError(error: unknown, json: boolean, log?: Logger): void {
  const flop = error instanceof FlopnetError ? error : undefined;
  if (json) {
    writeJson({
      error: flop ? flop.toJSON() : { code: 'E_INTERNAL', message: describeError(error) },
    });
  }
  process.stderr.write(`error: ${describeError(error)}\n`);
  for (const line of flop?.details ?? []) process.stderr.write(`  ${line}\n`);
  if (!flop && error instanceof Error && log?.isEnabled('debug')) process.stderr.write(`${error.stack}\n`);
  process.exitCode = flop?.exitCode ?? 1;
}

export function defineCommand<S extends OptionSpecs = {}>(def: DefineCommandOptions<S>): Command {
  const command = new Command(def.name).description(def.description);
  for (const a of def.args ?? []) command.argument(a);
  const specs = { ...((def.options ?? {}) as S), ...baseOptions };
  addOptions(command, specs);
  commandSettings.set(command, specs);
  if (def.examples?.length) command.addHelpText('after', `\nExamples:\n${def.examples.map((e) => `  $ ${e}`).join('\n')}`);
  if (def.action) {
    const action = def.action;
    command.action(async (...received: unknown[]) => {
      const cmd = received[received.length - 1] as Command;
      let json = process.argv.some((a) => a === '--json' || a === '--json-output' || a === '--json-out');
      let log: Logger | undefined;
      try {
        const settings = await resolveCommandSettings(cmd, specs);
        const options = settings.options as ResolvedOptions<S> & ResolvedOptions<Base>;
        json = options.json;
        log = createLoggerFromOptions(options, def.name);
        if (settings.skipped.length) log.debug(`config file ${settings.file}: skipped settings of other commands`, { keys: settings.skipped.join(',') });
        installSignals(log);
        await action({
          options,
          args: cmd.args,
          log,
          command: cmd,
          signal: shutdown.signal,
          output: (result, render) => (options.json ? writeJson(result) : process.stdout.write(render(result) + '\n')),
        });
      } catch (error) {
        reportError(error, json, log);
      }
    });
  }
  return command;
}

/** A command group (`flopnet wallet ...`) whose subcommands each define their own options. */
export function defineGroup(name: string, description: string, subcommands: readonly Command[]): Command {
  const group = new Command(name).description(description);
  for (const sub of subcommands) group.addCommand(sub);
  return group;
}
