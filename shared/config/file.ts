/**
 * Config files: JSON or YAML, nested (`wallet: {name: x}`) or dotted (`"wallet.name": x`).
 * Unknown keys are errors with a suggestion, so a typo never silently falls back to a default; a
 * setting of another flopnet command is skipped, so one file can serve a node's every command.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';

export interface ConfigFile {
  path: string;
  data: Record<string, unknown>;
}

export function lookupKey(data: Record<string, unknown>, key: string): unknown {
  if (key in data) return data[key];
  let node: unknown = data;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object' || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Every leaf key of a nested object, dotted. */
function leafKeys(data: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(data).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? leafKeys(v as Record<string, unknown>, `${prefix}${k}.`)
      : [`${prefix}${k}`],
  );
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** No settings file needs more; a larger one is a wrong path (a log, a device), not settings. */
export const MAX_DATA_FILE_BYTES = 1 << 20;

/**
 * Reads a JSON (`.json`) or YAML (anything else) file a user points at. `what` names the file in errors
 * ("Config file", "Incentive config"); `flag` is the option that gave its path, for the hint.
 */
export function readDataFile(path: string, what: string, code: string, flag: string): { path: string; data: unknown } {
  const full = resolve(path);
  let text: string;
  try {
    const fd = openSync(full, 'r');
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile() || stat.size > MAX_DATA_FILE_BYTES) {
        const why = stat.isFile() ? `${stat.size} bytes, more than the ${MAX_DATA_FILE_BYTES} a settings file may hold` : 'not a regular file';
        throw new UsageError(`${what} ${full} is ${why}`, {
          code,
          hint: `check the path given to ${flag}`,
        });
      }
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot read ${what.toLowerCase()} ${full}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      code,
      hint: `check the path given to ${flag}`,
    });
  }
  const json = extname(full) === '.json';
  try {
    return { path: full, data: json ? JSON.parse(text) : parseYaml(text) };
  } catch (error) {
    throw new UsageError(`${what} ${full} is not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`, {
      code,
      hint: 'fix the syntax error at the position shown',
    });
  }
}

/** Reads a config file: a mapping of settings (or nothing at all). Which keys it may hold is checkConfigKeys' business. */
export function readConfigFile(path: string): ConfigFile {
  const file = readDataFile(path, 'Config file', 'E_CONFIG_FILE', '--config or FLOPNET_CONFIG');
  const full = file.path;
  let data = file.data;
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`Config file ${full} must hold a mapping of settings, not ${Array.isArray(data) ? 'a list' : typeof data}`, {
      code: 'E_CONFIG_FILE',
      hint: 'write settings as `key: value` lines, e.g. `netuid: 1`',
    });
  }
  return { path: full, data: data as Record<string, unknown> };
}

const covers = (keys: Iterable<string>, key: string): boolean => {
  for (const k of keys) if (k === key || k.startsWith(key + '.')) return true;
  return false;
};

/** The file's keys that are none of `specs`' settings: what to look up among the other commands'. */
export function foreignKeys(file: ConfigFile, specs: Record<string, { key: string }>): string[] {
  const keys = Object.values(specs).map((s) => s.key);
  return leafKeys(file.data).filter((key) => !covers(keys, key));
}

/**
 * Checks a config file's keys against the settings of the command reading it. A key that is a
 * setting of another flopnet command (`elsewhere`) is returned, to be skipped; any other key, or a
 * flag-only setting (`--overwrite`), is an error naming it.
 */
export function checkConfigKeys(
  file: ConfigFile,
  specs: Record<string, { key: string; fileKey?: false }>,
  elsewhere: ReadonlySet<string> = new Set(),
): string[] {
  const all = Object.values(specs);
  const known = all.filter((s) => s.fileKey !== false).map((s) => s.key);
  const flagOnly = all.filter((s) => s.fileKey === false).map((s) => s.key);
  const skipped: string[] = [];
  for (const key of leafKeys(file.data)) {
    // A dotted key may be written as a nested mapping whose leaves we do not know yet.
    if (covers(known, key)) continue;
    if (flagOnly.includes(key)) {
      throw new UsageError(`Setting "${key}" in config file ${file.path} can only be given on the command line`, {
        code: 'E_CONFIG_KEY',
        hint: `remove it from the file and pass --${key} where you mean it`,
      });
    }
    if (covers(elsewhere, key)) {
      skipped.push(key);
      continue;
    }
    const near = suggest(key, [...known, ...elsewhere]);
    throw new UsageError(`Unknown setting "${key}" in config file ${file.path}`, {
      code: 'E_CONFIG_KEY',
      hint: near ? `did you mean "${near}"?` : `this command's settings: ${known.join(', ')}`,
    });
  }
  return skipped;
}
