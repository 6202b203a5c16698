/**
 * The start-up self-test of BLAS libraries, run in a child process: a library of the wrong ABI (64-bit
 * integers, another calling convention) or a broken build can crash or hang the process that calls it,
 * and that must cost the miner a fallback, not its life. The child tries the candidates in order: it
 * loads each, runs ./selftest.ts through cblas_sgemm and cblas_dgemm and prints one JSON line per
 * candidate, stopping at the first that passes. The parent trusts a library only on a clean "ok"; a
 * child that dies or hangs costs the candidate it was on, and a new child goes on with the rest.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BlasGemm, BlasLibrary } from './blas.js';
import { selfTest } from './selftest.js';

export interface BlasProbe {
  path: string;
  ok: boolean;
  /** True when the library was not there (or not a loadable library): a candidate, not a failure. */
  missing?: boolean;
  /** 'ok', or why the library cannot be used. */
  reason: string;
  /** The library's description of itself, when it loaded. */
  version?: string;
}

/** Longer than a loaded 2-core machine needs to start Node and run the self-test (~1 s idle). */
export const PROBE_TIMEOUT_MS = 60_000;
/** The most of a child's output kept (its answers are short lines). */
const OUTPUT_LIMIT = 65_536;

const probes = new Map<string, Promise<BlasProbe[]>>();

/**
 * Self-tests `paths` in order with `threads` threads until one passes: one answer per path tried, the
 * passing one (if any) last. Run once per process for the same arguments (later calls share it).
 */
export function probeBlas(paths: readonly string[], threads: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<BlasProbe[]> {
  const key = JSON.stringify([threads, paths, timeoutMs]);
  let probe = probes.get(key);
  if (!probe) {
    probe = probeAll(paths, threads, timeoutMs);
    probes.set(key, probe);
  }
  return probe;
}

async function probeAll(paths: readonly string[], threads: number, timeoutMs: number): Promise<BlasProbe[]> {
  const answers: BlasProbe[] = [];
  let rest = [...paths];
  while (rest.length > 0) {
    const { answers: got, failure } = await runChild(rest, threads, timeoutMs);
    answers.push(...got);
    if (got.at(-1)?.ok) break;
    rest = rest.slice(got.length);
    // The child died on the candidate after its last answer: that one is out, the others get a new child.
    if (failure && rest.length > 0) answers.push({ path: rest.shift()!, ok: false, reason: failure });
    else if (!failure) break;
  }
  return answers;
}

function runChild(paths: readonly string[], threads: number, timeoutMs: number): Promise<{ answers: BlasProbe[]; failure?: string }> {
  return new Promise((resolve) => {
    const entry = fileURLToPath(new URL('./probe.mjs', import.meta.url));
    const child = spawn(process.execPath, [entry, String(threads), ...paths], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString('utf8')).slice(-OUTPUT_LIMIT)));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-OUTPUT_LIMIT)));
    const started = performance.now();
    child.on('error', (error) => resolve({ answers: [], failure: `the self-test process did not start: ${error.message}` }));
    child.on('close', (code, signal) => {
      const answers = parseAnswers(paths, stdout);
      if (code === 0) return resolve({ answers });
      const lastError = stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
      const suffix = lastError ? `: ${lastError}` : '';
      let failure: string;
      if (signal === 'SIGKILL' && performance.now() - started >= timeoutMs) failure = `the self-test did not finish in ${timeoutMs / 1000} s`;
      else if (signal) failure = `the self-test crashed (${signal})${suffix}`;
      else failure = `the self-test exited with status ${code}${suffix}`;
      resolve({ answers, failure });
    });
  });
}

/** The child's answers, one JSON line per path in order; anything else ends the list. */
function parseAnswers(paths: readonly string[], stdout: string): BlasProbe[] {
  const answers: BlasProbe[] = [];
  for (const line of stdout.split('\n')) {
    if (answers.length === paths.length || !line.trim()) continue;
    let value: Partial<BlasProbe>;
    try {
      value = JSON.parse(line) as Partial<BlasProbe>;
    } catch {
      break;
    }
    if (value.path !== paths[answers.length] || typeof value.ok !== 'boolean' || typeof value.reason !== 'string') break;
    answers.push({
      path: value.path,
      ok: value.ok,
      reason: value.reason.slice(0, 1000),
      ...(value.missing === true ? { missing: true } : {}),
      ...(typeof value.version === 'string' ? { version: value.version.slice(0, 500) } : {}),
    });
  }
  return answers;
}

/** The child's side: argv is [threads, ...paths]; prints one answer per path until one passes. */
export async function probeMain([threadsArg, ...paths]: string[]): Promise<void> {
  const threads = Number(threadsArg) || availableParallelism();
  for (const path of paths) {
    const answer = await probeOne(path, threads);
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    if (answer.ok) return;
  }
}

async function probeOne(path: string, threads: number): Promise<BlasProbe> {
  let library: BlasLibrary;
  try {
    library = BlasLibrary.open(path, threads);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { path, ok: false, reason, ...((error as { code?: string }).code === 'E_BLAS_MISSING' ? { missing: true } : {}) };
  }
  try {
    const kernel = new BlasGemm(library);
    const fault = await selfTest((operands) => kernel.multiply(operands));
    return { path, ok: !fault, reason: fault ? `wrong result: ${fault}` : 'ok', version: library.version };
  } catch (error) {
    return { path, ok: false, reason: error instanceof Error ? error.message : String(error), version: library.version };
  }
}
