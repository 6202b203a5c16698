/**
 * Config files: JSON or YAML, nested (`wallet: {name: x}`) or dotted (`"wallet.name": x`).
 * Unknown keys are errors with a suggestion, so a typo never silently falls back to a default.
 */
import { readFileSync } from 'node:fs';
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

/**
 * Reads a JSON (`.json`) or YAML (anything else) file a user points at. `what` names the file in errors
 * ("Config file", "Incentive config"); `flag` is the option that gave its path, for the hint.
 */
export function readDataFile(path: string, what: string, code: string, flag: string): { path: string; data: unknown } {
  const full = resolve(path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
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

export function readConfigFile(path: string, specs: Record<string, { key: string; fileKey?: false }>): ConfigFile {
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
  const known = Object.values(specs)
    .filter((s) => s.fileKey !== false)
    .map((s) => s.key);
  for (const key of leafKeys(data as Record<string, unknown>)) {
    if (known.includes(key)) continue;
    // A dotted key may be written as a nested mapping whose leaves we do not know yet.
    if (known.some((k) => k.startsWith(key + '.'))) continue;
    const near = suggest(key, known);
    throw new UsageError(`Unknown setting "${key}" in config file ${full}`, {
      code: 'E_CONFIG_KEY',
      hint: near ? `did you mean "${near}"?` : `known settings: ${known.join(', ')}`,
    });
  }
  return { path: full, data: data as Record<string, unknown> };
}
