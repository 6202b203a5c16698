/**
 * One declaration per setting serves the command line, the environment and the config file.
 *
 * Precedence: flag > environment (`FLOPNET_<KEY>`, dots and dashes as `_`) > config file > default.
 * Every value passes through the setting's schema, so a bad value fails the same way wherever it
 * came from, with an error naming the key, where it came from, and the form expected.
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { lookupKey, type ConfigFile } from './file.js';

export interface OptionSpec<T = unknown> {
  /** Dotted config key; also the long flag (`--wallet.name`). */
  key: string;
  description: string;
  schema: z.ZodType<T>;
  /** Placeholder for the flag's value, e.g. `<name>`. Omit for boolean switches. */
  arg?: string;
  short?: string;
  default?: T;
  /** Other flags that mean the same (btcli's `--wallet-name`, `--wallet_name`, `-H`); hidden in help. */
  aliases?: readonly string[];
  /** Expected form, for error messages (defaults to a description derived from the schema). */
  expect?: string;
  /** Settings such as `--config` itself are read from flags and the environment only. */
  fileKey?: false;
  /** Heading `--help` lists the flag under (e.g. `Testing:`); the command's options otherwise. */
  helpGroup?: string;
}

export type OptionSpecs = Record<string, OptionSpec<any>>;
export type ResolvedOptions<S extends OptionSpecs> = {
  [K in keyof S]: S[K] extends OptionSpec<infer T> ? (S[K]['default'] extends T ? T : T | undefined) : never;
};

export const defineOptions = <S extends OptionSpecs>(specs: S): S => specs;

export function envName(key: string): string {
  return 'FLOPNET_' + key.replace(/[.-]/g, '_').toUpperCase();
}

function aliasAttribute(flag: string): string {
  return new Option(flag).attributeName();
}

/** Registers the specs' flags on a command (aliases hidden, defaults shown in --help). */
export function addOptions(command: Command, specs: OptionSpecs): Command {
  for (const spec of Object.values(specs)) {
    const flags = `${spec.short ? spec.short + ', ' : ''}--${spec.key}${spec.arg ? ' ' + spec.arg : ''}`;
    const option = new Option(flags, spec.description);
    if (spec.default !== undefined && spec.arg) option.default(spec.default);
    if (spec.helpGroup) option.helpGroup(spec.helpGroup);
    command.addOption(option);
    for (const alias of spec.aliases ?? []) {
      command.addOption(new Option(`${alias}${spec.arg ? ' ' + spec.arg : ''}`).hideHelp());
    }
  }
  return command;
}

export type Source = 'flag' | 'environment' | 'config file' | 'default';

/** Where one setting's effective value came from, for `flopnet config show`. */
export interface SettingOrigin {
  key: string;
  /** `unset`: no flag, variable, file key or default gave it a value. */
  source: Source | 'unset';
  /** The flag, variable or file that gave it (`--netuid`, `FLOPNET_NETUID`, `/etc/flopnet/miner.yaml`). */
  from?: string;
}

function originOf(spec: OptionSpec, source: Source, file?: string): string {
  return source === 'flag'
    ? `--${spec.key}`
    : source === 'environment'
      ? envName(spec.key)
      : source === 'config file'
        ? `key "${spec.key}" in ${file}`
        : `default of --${spec.key}`;
}

function fail(spec: OptionSpec, source: Source, raw: unknown, error: z.ZodError, where?: string): never {
  const issue = error.issues[0];
  const what = spec.expect ?? issue?.message ?? 'a valid value';
  const origin = originOf(spec, source, where);
  throw new UsageError(`Invalid value ${JSON.stringify(raw)} for ${origin}: expected ${what}`, {
    code: 'E_CONFIG_VALUE',
    hint: `fix ${origin}, or see --help for the accepted form`,
  });
}

/** The config file a command was pointed at: `--config`, else `FLOPNET_CONFIG`. */
export function configPath(command: Command, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return (command.opts()['config'] as string | undefined) ?? env[envName('config')] ?? undefined;
}

/**
 * Reads every spec's value with the documented precedence and validates it, once, against one set
 * of specs and one (already read and checked) config file; says where each value came from.
 */
export function resolveSettings<S extends OptionSpecs>(
  command: Command,
  specs: S,
  context: { env?: NodeJS.ProcessEnv; file?: ConfigFile | undefined } = {},
): { options: ResolvedOptions<S>; origins: Record<keyof S, SettingOrigin> } {
  const env = context.env ?? process.env;
  const { file } = context;
  const values = command.opts() as Record<string, unknown>;
  const fromFlag = (spec: OptionSpec): unknown => {
    const attr = new Option(`--${spec.key}`).attributeName();
    if (values[attr] !== undefined && command.getOptionValueSource(attr) === 'cli') return values[attr];
    for (const alias of spec.aliases ?? []) {
      const a = aliasAttribute(alias);
      if (values[a] !== undefined) return values[a];
    }
    return undefined;
  };

  const out: Record<string, unknown> = {};
  const origins: Record<string, SettingOrigin> = {};
  for (const [name, spec] of Object.entries(specs)) {
    let raw: unknown;
    let source: Source = 'default';
    const flag = fromFlag(spec);
    if (flag !== undefined) {
      raw = flag;
      source = 'flag';
    } else if (env[envName(spec.key)] !== undefined) {
      raw = env[envName(spec.key)];
      source = 'environment';
    } else if (file && spec.fileKey !== false && lookupKey(file.data, spec.key) !== undefined) {
      raw = lookupKey(file.data, spec.key);
      source = 'config file';
    } else {
      raw = spec.default;
    }
    if (raw === undefined) {
      out[name] = undefined;
      origins[name] = { key: spec.key, source: 'unset' };
      continue;
    }
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) fail(spec, source, raw, parsed.error, file?.path);
    out[name] = parsed.data;
    origins[name] = {
      key: spec.key,
      source,
      ...(source === 'default' ? {} : { from: source === 'config file' ? file!.path : originOf(spec, source) }),
    };
  }
  return { options: out as ResolvedOptions<S>, origins: origins as Record<keyof S, SettingOrigin> };
}

// Schemas that accept the string a flag or an environment variable carries as well as a typed value.

export const zInt = (min: number, max: number) =>
  z
    .union([z.number(), z.string().trim().regex(/^-?\d+$/, 'an integer').transform(Number)])
    .pipe(z.number().int(`an integer from ${min} to ${max}`).min(min, `an integer from ${min} to ${max}`).max(max, `an integer from ${min} to ${max}`));

export const zBool = z.union([
  z.boolean(),
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], 'true or false')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v)),
]);

export const zPort = zInt(1, 65535);
