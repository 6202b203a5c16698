/**
 * `flopnet bench`: one challenge run locally, end to end, through the real verifier — the way to see what
 * a validator would measure and to watch each documented cheat (`--adversary`) get rejected.
 *
 * `--window S` runs a challenge as a validator sizes it for an S-second window (from the pace of a
 * shorter window before it) and credits it as a validator does: committed FLOPs over the window.
 * With `--all` or `--window`, each class's credited rate is printed next to the backend's raw GEMM at
 * the same shape (the same library, timed alone) and, where python3 has numpy, numpy's.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { defineCommand } from '../../shared/cli/command.js';
import { defineOptions, zBool, zInt } from '../../shared/config/options.js';
import { challengeFlops, committedPart, createChallenge } from '../../shared/challenge/challenge.js';
import { sizeChallenge } from '../../shared/challenge/sizing.js';
import { DEFAULT_ENTRIES_PER_ROW, DEFAULT_OPENED_ROWS, MAX_OPENED_ROWS, pickRows } from '../../shared/challenge/openings.js';
import { verifyOpenings, type Verdict } from '../../shared/challenge/verify.js';
import { MAX_DIM, MAX_GEMMS, PRECISIONS, type DeviceInfo, type Precision } from '../../shared/challenge/types.js';
import type { Logger } from '../../shared/log.js';
import type { ComputeBackend, ExecutionTimings, GemmRate } from '../backends/backend.js';
import { replyMarginMs } from '../handlers/challenge.js';
import { gemmBackendOptions, gemmOptions } from './gemm-options.js';
import { numpyGemm, type NumpyGemm } from './numpy-gemm.js';
import { ADVERSARY_FORMS, parseAdversary } from '../backends/adversary.js';
import { BACKEND_KINDS, createBackend, devicesOption, type BackendKind } from '../backends/index.js';

const benchOptions = defineOptions({
  backend: { key: 'backend', arg: '<kind>', description: `compute backend: ${BACKEND_KINDS.join(', ')}`, schema: z.enum(BACKEND_KINDS), default: 'auto' as BackendKind },
  ...devicesOption,
  precision: { key: 'precision', arg: '<class>', description: `precision class: ${PRECISIONS.join(', ')}`, schema: z.enum(PRECISIONS), default: 'fp32' as Precision },
  m: { key: 'm', arg: '<count>', description: 'number of GEMMs', schema: zInt(1, MAX_GEMMS), default: 1 },
  n: { key: 'n', arg: '<dim>', description: 'rows of A and columns of B (C is n×n)', schema: zInt(1, MAX_DIM), default: 256 },
  k: { key: 'k', arg: '<dim>', description: 'inner dimension', schema: zInt(1, MAX_DIM), default: 256 },
  rows: { key: 'rows', arg: '<s>', description: 'result rows the verifier opens', schema: zInt(1, MAX_OPENED_ROWS), default: DEFAULT_OPENED_ROWS },
  entries: { key: 'entries', arg: '<e>', description: 'entries checked per opened row', schema: zInt(1, MAX_DIM), default: DEFAULT_ENTRIES_PER_ROW },
  deadline: { key: 'deadline', arg: '<ms>', description: 'deadline for the root', schema: zInt(1, 3_600_000), default: 600_000 },
  all: { key: 'all', description: 'run every class the device has (ignores --precision) and print a table', schema: zBool, default: false, fileKey: false },
  window: {
    key: 'window',
    arg: '<seconds>',
    description: 'size the challenge for a window of this many seconds, as a validator does, and credit it over the window (ignores --m, --n, --k)',
    schema: zInt(1, 3600),
    fileKey: false,
  },
  threads: { key: 'threads', arg: '<count>', description: 'CPU worker threads (default: all cores)', schema: zInt(1, 1024) },
  ...gemmOptions,
  adversary: {
    key: 'adversary',
    arg: '<form>',
    description: `cheat on purpose to watch the verifier reject it: ${ADVERSARY_FORMS.join(', ')}`,
    schema: z.string().min(1),
    fileKey: false,
  },
});

export interface BenchResult {
  verdict: Verdict;
  precision: Precision;
  m: number;
  /** GEMMs done and committed: all m (bench sets no window). */
  gemms: number;
  n: number;
  k: number;
  adversary: string | null;
  device: DeviceInfo;
  flops: number;
  /** Wall time from handing over the challenge to holding the root. */
  elapsedMs: number;
  /** Credited throughput: flops / elapsed (0 when the verdict rejects). */
  tflops: number;
  timings: ExecutionTimings;
  /** Shares of generate / gemm / hash in the backend's own time. */
  shares: { generate: number; gemm: number; hash: number };
  openMs: number;
  verifyMs: number;
  /**
   * The cpu backend: the committed FLOPs per CPU-second this process spent on the challenge, which on
   * a machine shared with other work leaves out the waits for a core (the window's idle tail too).
   */
  cpuTflops?: number;
  /** The window the challenge was sized for and credited over (`--window`), seconds. */
  windowSeconds?: number;
  /** The backend's GEMM alone at the same shape (where it can time it). */
  raw?: GemmRate;
  /** numpy's GEMM at the same shape, or why not. */
  numpy?: NumpyGemm;
}

const gflops = (tflops: number) => (tflops * 1000).toPrecision(4);

function render(r: BenchResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    `${r.verdict.ok ? 'ACCEPTED' : 'REJECTED'} (${r.verdict.reason})${r.verdict.detail ? `: ${r.verdict.detail}` : ''}`,
    `challenge  ${r.precision} m=${r.m} n=${r.n} k=${r.k}${r.gemms < r.m ? ` (${r.gemms} GEMMs done${r.windowSeconds === undefined ? '' : ` in a ${r.windowSeconds} s window`})` : ''}${r.adversary ? `, adversary ${r.adversary}` : ''} on ${r.device.backend} (${r.device.name})`,
    `time       ${r.elapsedMs.toFixed(1)} ms for ${r.flops.toExponential(3)} FLOPs → ${r.tflops.toPrecision(4)} TFLOP/s credited`,
    ...(r.raw ? [`raw GEMM   ${gflops(r.raw.tflops)} GFLOP/s at ${r.n}×${r.k} (credited is ${pct(r.tflops / r.raw.tflops)} of it)`] : []),
    ...(r.numpy ? ['skip' in r.numpy ? `numpy      skipped: ${r.numpy.skip}` : `numpy      ${r.numpy.gflops.toPrecision(4)} GFLOP/s at ${r.n}×${r.k} (${r.numpy.blas})`] : []),
    `shares     generate ${pct(r.shares.generate)}, gemm ${pct(r.shares.gemm)}, hash ${pct(r.shares.hash)}`,
    `verifier   ${r.verdict.rowsChecked} rows, ${r.verdict.entriesChecked} entries, worst ${r.verdict.worstRatio.toPrecision(3)}× tolerance, ${r.verifyMs.toFixed(1)} ms`,
  ].join('\n');
}

export const benchCommand = defineCommand({
  name: 'bench',
  description: 'run one challenge locally through the real verifier',
  options: benchOptions,
  examples: [
    'flopnet bench --backend cpu --precision fp32 --n 256 --k 1024',
    'flopnet bench --backend cpu --precision fp32 --adversary precision:bf16 --json',
    'flopnet bench --backend cpu --precision bf16 --m 4 --adversary lazy:0.1',
    'flopnet bench --backend cpu --all --window 10',
    'flopnet bench --backend cuda --devices all --all --m 64 --n 8192 --k 8192',
  ],
  action: async ({ options, log, output, signal }) => {
    const adversary = options.adversary === undefined ? undefined : parseAdversary(options.adversary);
    const backend = await createBackend(options.backend, log, {
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...gemmBackendOptions(options),
      ...(adversary ? { adversary } : {}),
      ...(options.devices ? { devices: options.devices } : {}),
    });
    try {
      const device = await backend.describe();
      const threads = options.threads ?? availableParallelism();
      const run = async (precision: Precision) => {
        const result = options.window === undefined ? await benchOne(backend, device, { ...options, precision }, signal) : await benchWindow(backend, device, { ...options, precision, window: options.window }, signal);
        return options.all || options.window !== undefined ? withReferences(backend, result, threads, log) : result;
      };
      if (options.all) {
        const results: BenchResult[] = [];
        for (const precision of device.precisions) results.push(await run(precision));
        output({ device, results }, renderTable);
        if (results.some((r) => !r.verdict.ok)) process.exitCode = 1;
        return;
      }
      const result = await run(options.precision);
      output(result, render);
      // A rejected answer fails the command, so scripts can use `flopnet bench && ...`.
      if (!result.verdict.ok) process.exitCode = 1;
    } finally {
      await backend.close();
    }
  },
});

interface BenchParameters {
  precision: Precision;
  m: number;
  n: number;
  k: number;
  rows: number;
  entries: number;
  deadline: number;
  adversary?: string | undefined;
  /** Run as a window of this many seconds: stop when the next GEMM would not fit, credit over the window. */
  window?: number | undefined;
}

/**
 * One challenge on `backend`: execute, open, verify with the validator's verifier. No stopAt, so the
 * backend runs all m GEMMs (memory holds one GEMM's working set, whatever m is).
 */
export async function benchOne(backend: ComputeBackend, device: DeviceInfo, options: BenchParameters, signal?: AbortSignal): Promise<BenchResult> {
  const windowMs = options.window === undefined ? undefined : options.window * 1000;
  const challenge = createChallenge({ precision: options.precision, m: options.m, n: options.n, k: options.k, deadlineMs: windowMs ?? options.deadline });
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  // As the miner's queue does: aim to have the root a reply margin before the window closes.
  const stopAt = windowMs === undefined ? undefined : () => started + windowMs - replyMarginMs(windowMs);
  const execution = await backend.execute(challenge, { ...(signal ? { signal } : {}), ...(stopAt ? { stopAt } : {}) });
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const committed = committedPart(challenge, execution.gemms);
  const request = pickRows(committed, Math.min(options.rows, committed.m * committed.n));
  const t0 = performance.now();
  const rows = await backend.open(challenge.id, request.rows);
  const openMs = performance.now() - t0;
  const t1 = performance.now();
  const verdict = verifyOpenings(challenge, { id: execution.challengeId, gemms: execution.gemms, root: execution.root }, request, { id: challenge.id, rows }, {
    entries: options.entries,
    elapsedMs,
  });
  const verifyMs = performance.now() - t1;
  await backend.release(challenge.id);
  const flops = challengeFlops(committed);
  const { generateMs, gemmMs, hashMs } = execution.timings;
  const busy = generateMs + gemmMs + hashMs || 1;
  return {
    verdict,
    precision: challenge.precision,
    m: challenge.m,
    gemms: execution.gemms,
    n: challenge.n,
    k: challenge.k,
    adversary: options.adversary ?? null,
    device,
    flops,
    elapsedMs,
    // A validator credits committed work over the window; a run without one, over its own time.
    tflops: verdict.ok ? flops / ((windowMs ?? elapsedMs) / 1000) / 1e12 : 0,
    timings: execution.timings,
    shares: { generate: generateMs / busy, gemm: gemmMs / busy, hash: hashMs / busy },
    openMs,
    verifyMs,
    ...(device.backend === 'cpu' && verdict.ok ? { cpuTflops: flops / ((cpu.user + cpu.system) / 1e6) / 1e12 } : {}),
    ...(options.window === undefined ? {} : { windowSeconds: options.window }),
  };
}

/**
 * A window as a validator runs it once it knows the miner: the pace comes from a 512×512 challenge and
 * then from a quarter-length window sized on it (a validator's first rounds), and the window is sized
 * from that pace by the validator's own rule (shared/challenge/sizing.ts).
 */
export async function benchWindow(backend: ComputeBackend, device: DeviceInfo, options: Omit<BenchParameters, 'm' | 'n' | 'k'> & { window: number }, signal?: AbortSignal): Promise<BenchResult> {
  const sized = (windowSeconds: number, tflops: number) => {
    const size = sizeChallenge({ precision: options.precision, memoryBytes: device.memoryBytes, windowSeconds, tflops });
    return { ...options, m: size.m, n: size.n, k: size.k, window: windowSeconds };
  };
  const trial = await benchOne(backend, device, { ...options, m: 1, n: 512, k: 512, window: undefined }, signal);
  const warm = await benchOne(backend, device, sized(Math.max(1, options.window / 4), trial.flops / trial.elapsedMs / 1e9), signal);
  // A rejected warm-up window has no pace: size from the trial's.
  const pace = warm.verdict.ok ? warm.tflops : trial.flops / trial.elapsedMs / 1e9;
  return benchOne(backend, device, sized(options.window, pace), signal);
}

/** Adds the backend's raw GEMM and numpy's at the result's shape. */
export async function withReferences(backend: ComputeBackend, result: BenchResult, threads: number, log: Logger): Promise<BenchResult> {
  const raw = await backend.measureGemm?.(result.precision, result.n, result.k, 1);
  const numpy = await numpyGemm(result.precision === 'fp64', result.n, result.k, threads);
  if ('skip' in numpy) log.debug(`numpy reference skipped: ${numpy.skip}`);
  return { ...result, ...(raw ? { raw } : {}), numpy };
}

function renderTable({ device, results }: { device: DeviceInfo; results: BenchResult[] }): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const header = ['class', 'verdict', 'm×n×k', 'ms', 'credited GFLOP/s', 'raw GFLOP/s', 'credited/raw', 'numpy GFLOP/s', 'generate', 'gemm', 'hash'];
  const rows = results.map((r) => [
    r.precision,
    r.verdict.ok ? 'ACCEPTED' : `REJECTED (${r.verdict.reason})`,
    `${r.windowSeconds === undefined ? r.m : `${r.gemms}/${r.m}`}×${r.n}×${r.k}`,
    r.elapsedMs.toFixed(1),
    gflops(r.tflops),
    r.raw ? gflops(r.raw.tflops) : '-',
    r.raw ? pct(r.tflops / r.raw.tflops) : '-',
    r.numpy && 'gflops' in r.numpy ? r.numpy.gflops.toPrecision(4) : '-',
    pct(r.shares.generate),
    pct(r.shares.gemm),
    pct(r.shares.hash),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const numpy = results.map((r) => r.numpy).find((x) => x !== undefined);
  const notes = numpy === undefined ? [] : ['skip' in numpy ? `numpy: skipped (${numpy.skip})` : `numpy: ${numpy.blas}`];
  return [`${device.backend} (${device.name}${device.detail ? `; ${device.detail}` : ''})`, line(header), ...rows.map(line), ...notes].join('\n');
}
