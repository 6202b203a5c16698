/**
 * `flopnet bench`: one challenge run locally, end to end, through the real verifier — the way to see what
 * a validator would measure and to watch each documented cheat (`--adversary`) get rejected.
 */
import { z } from 'zod';
import { defineCommand } from '../../shared/cli/command.js';
import { defineOptions, zBool, zInt } from '../../shared/config/options.js';
import { challengeFlops, committedPart, createChallenge } from '../../shared/challenge/challenge.js';
import { DEFAULT_ENTRIES_PER_ROW, DEFAULT_OPENED_ROWS, MAX_OPENED_ROWS, pickRows } from '../../shared/challenge/openings.js';
import { verifyOpenings, type Verdict } from '../../shared/challenge/verify.js';
import { MAX_DIM, MAX_GEMMS, PRECISIONS, type DeviceInfo, type Precision } from '../../shared/challenge/types.js';
import type { ComputeBackend, ExecutionTimings } from '../backends/backend.js';
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
  threads: { key: 'threads', arg: '<count>', description: 'CPU worker threads (default: all cores)', schema: zInt(1, 1024) },
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
}

function render(r: BenchResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    `${r.verdict.ok ? 'ACCEPTED' : 'REJECTED'} (${r.verdict.reason})${r.verdict.detail ? `: ${r.verdict.detail}` : ''}`,
    `challenge  ${r.precision} m=${r.m} n=${r.n} k=${r.k}${r.gemms < r.m ? ` (${r.gemms} GEMMs done)` : ''}${r.adversary ? `, adversary ${r.adversary}` : ''} on ${r.device.backend} (${r.device.name})`,
    `time       ${r.elapsedMs.toFixed(1)} ms for ${r.flops.toExponential(3)} FLOPs → ${r.tflops.toPrecision(4)} TFLOP/s credited`,
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
    'flopnet bench --backend cuda --devices all --all --m 64 --n 8192 --k 8192',
  ],
  action: async ({ options, log, output, signal }) => {
    const adversary = options.adversary === undefined ? undefined : parseAdversary(options.adversary);
    const backend = await createBackend(options.backend, log, {
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(adversary ? { adversary } : {}),
      ...(options.devices ? { devices: options.devices } : {}),
    });
    try {
      const device = await backend.describe();
      if (options.all) {
        const results: BenchResult[] = [];
        for (const precision of device.precisions) results.push(await benchOne(backend, device, { ...options, precision }, signal));
        output({ device, results }, renderTable);
        if (results.some((r) => !r.verdict.ok)) process.exitCode = 1;
        return;
      }
      const result = await benchOne(backend, device, options, signal);
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
}

/**
 * One challenge on `backend`: execute, open, verify with the validator's verifier. No stopAt, so the
 * backend runs all m GEMMs (memory holds one GEMM's working set, whatever m is).
 */
export async function benchOne(backend: ComputeBackend, device: DeviceInfo, options: BenchParameters, signal?: AbortSignal): Promise<BenchResult> {
  const challenge = createChallenge({ precision: options.precision, m: options.m, n: options.n, k: options.k, deadlineMs: options.deadline });
  const started = performance.now();
  const execution = await backend.execute(challenge, signal ? { signal } : {});
  const elapsedMs = performance.now() - started;
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
    tflops: verdict.ok ? flops / (elapsedMs / 1000) / 1e12 : 0,
    timings: execution.timings,
    shares: { generate: generateMs / busy, gemm: gemmMs / busy, hash: hashMs / busy },
    openMs,
    verifyMs,
  };
}

function renderTable({ device, results }: { device: DeviceInfo; results: BenchResult[] }): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const header = ['class', 'verdict', 'm×n×k', 'ms', 'TFLOP/s', 'generate', 'gemm', 'hash'];
  const rows = results.map((r) => [
    r.precision,
    r.verdict.ok ? 'ACCEPTED' : `REJECTED (${r.verdict.reason})`,
    `${r.m}×${r.n}×${r.k}`,
    r.elapsedMs.toFixed(1),
    r.tflops.toPrecision(4),
    pct(r.shares.generate),
    pct(r.shares.gemm),
    pct(r.shares.hash),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [`${device.backend} (${device.name}${device.detail ? `; ${device.detail}` : ''})`, line(header), ...rows.map(line)].join('\n');
}
