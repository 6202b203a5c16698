/**
 * The GPU measurement in one call (issue 14, item 4; run by issue 19): everything the lent GPU machine
 * must tell about the CUDA miner, within one device command, written to $OUT as it goes (report.json and
 * report.md rewritten after every step, so a crash or a timeout still leaves all that was measured).
 *
 *   1. environment: nvidia-smi (device, driver, CUDA), Node, commit;
 *   2. start-up: NVRTC compile and the kernel self-test, per pipeline;
 *   3. every class the device runs, verified by the validator's own verifier (openings recomputed);
 *   4. per class: a real window as a validator runs it (sizeChallenge at the rate a probe measured, the
 *      miner's stop rule and margin, credit = committed FLOPs / window), next to raw cuBLAS at the same
 *      shape (one call, and in the bands a challenge uses), with generate / GEMM / hash shares, serial
 *      and overlap pipelines, and the openings' recomputation time as a share of the window;
 *   5. the honest error of each class with the protocol's generator at k = 4096, 16384, 65536 (max, p99,
 *      p50 of |c − ref| / (u·√k·√S) on sampled entries, against τ), and a cheat's error (the same seed
 *      in the next cheaper class: its inputs are the honest inputs cut to fewer mantissa bits);
 * each step time-boxed, the whole under a global deadline.
 *
 *   node app.mjs [--quick] [--deadline 480] [--window 10] [--classes bf16,tf32,fp32,fp64,fp16,fp8]
 *                [--pipelines serial,overlap] [--probe 8192] [--error-n 2048] [--error-ks 4096,16384,65536]
 *                [--rows 48] [--band-rows N] [--out DIR] [--libraries PATH]
 *
 * --quick: a 2-minute smoke run (2 s windows, k = 4096 for the errors). --libraries PATH loads every CUDA
 * library from PATH: the fake one (test/fixtures/fake-cuda) rehearses the suite here, where its numbers
 * mean nothing. docs/benchmarks.md, "How to run the GPU suite", has the exact device-tool call.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CudaBackend, bandRowsFor, type CudaPipeline } from '../miner/backends/cuda/backend.js';
import { replyMarginMs } from '../miner/handlers/challenge.js';
import { challengeFlops, committedPart, createChallenge } from '../shared/challenge/challenge.js';
import { colOfB, matrixKey, rowOfA } from '../shared/challenge/elements.js';
import { pickColumns, pickRows, sampleDistinct } from '../shared/challenge/openings.js';
import { sizeChallenge } from '../shared/challenge/sizing.js';
import { entryBound, referenceDot, tau, UNIT_ROUNDOFF } from '../shared/challenge/tolerance.js';
import { decodeRow, verifyOpenings } from '../shared/challenge/verify.js';
import { PRECISIONS, type Challenge, type DeviceInfo, type Precision } from '../shared/challenge/types.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    deadline: { type: 'string' },
    window: { type: 'string' },
    classes: { type: 'string', default: 'bf16,tf32,fp32,fp64,fp16,fp8' },
    pipelines: { type: 'string', default: 'serial,overlap' },
    probe: { type: 'string' },
    'error-n': { type: 'string' },
    'error-ks': { type: 'string' },
    rows: { type: 'string', default: '48' },
    'band-rows': { type: 'string' },
    out: { type: 'string' },
    libraries: { type: 'string' },
  },
});
const quick = values.quick!;
const started = Date.now();
const deadlineMs = Number(values.deadline ?? (quick ? 120 : 480)) * 1000;
const windowSeconds = Number(values.window ?? (quick ? 2 : 10));
const probeDim = Number(values.probe ?? (quick ? 4096 : 8192));
const errorN = Number(values['error-n'] ?? 2048);
const errorKs = (values['error-ks'] ?? (quick ? '4096' : '4096,16384,65536')).split(',').map(Number);
const openedRows = Number(values.rows);
const bandRows = values['band-rows'] ? Number(values['band-rows']) : undefined;
const classes = values.classes!.split(',').filter((c): c is Precision => (PRECISIONS as readonly string[]).includes(c));
const pipelines = values.pipelines!.split(',').filter((p): p is CudaPipeline => p === 'serial' || p === 'overlap');
const out = values.out ?? process.env.OUT ?? 'device-report';
const libraries = values.libraries ? { cuda: values.libraries, nvrtc: values.libraries, cublas: values.libraries, cublasLt: values.libraries } : undefined;
mkdirSync(out, { recursive: true });

const left = () => deadlineMs - (Date.now() - started);
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const round = (x: number, digits = 4) => Number(x.toPrecision(digits));

interface WindowRow {
  precision: Precision;
  pipeline: CudaPipeline;
  m: number;
  gemms: number;
  n: number;
  k: number;
  bandRows: number;
  windowS: number;
  elapsedMs: number;
  creditedTflops: number;
  rawTflops: number;
  rawBandsTflops: number;
  ratio: number;
  shares: { generate: number; gemm: number; hash: number };
  openMs: number;
  openShareOfWindow: number;
  verifyMs: number;
  verdict: string;
  worstRatio: number;
}

interface ErrorRow {
  precision: Precision;
  k: number;
  entries: number;
  tau: number;
  honest: { p50: number; p99: number; max: number };
  /** τ over the honest maximum (null: every sampled entry exact). */
  marginOverMax: number | null;
  /**
   * The cheat: inputs of the next cheaper class with the same seed (the honest inputs cut to fewer
   * mantissa bits). `passing` of its entries fall within τ; a round of s·e = 96 entries passes with
   * probability about passing^96, given as a power of ten.
   */
  cheat?: { as: Precision; p50: number; p50OverTau: number; passing: number; roundPassLog10: number };
}

const report = {
  suite: 'flopnet GPU device suite (scripts/device-suite.ts)',
  commit: process.env.FLOPNET_COMMIT ?? 'unknown',
  date: new Date(started).toISOString(),
  node: process.version,
  options: { quick, deadlineS: deadlineMs / 1000, windowSeconds, classes, pipelines, probeDim, errorN, errorKs, openedRows, bandRows: bandRows ?? 'auto', libraries: values.libraries ?? 'system' },
  nvidiaSmi: '' as string,
  device: undefined as DeviceInfo | undefined,
  startup: [] as { pipeline: CudaPipeline; ms: number; ok: boolean; error?: string }[],
  verify: [] as { precision: Precision; ok: boolean; reason: string; worstRatio: number; ms: number; error?: string }[],
  windows: [] as WindowRow[],
  windowFailures: [] as { precision: Precision; pipeline?: CudaPipeline; error: string }[],
  errors: [] as ErrorRow[],
  errorFailures: [] as { precision: Precision; k: number; error: string }[],
  skipped: [] as string[],
  finished: false,
  elapsedS: 0,
};

function save(): void {
  report.elapsedS = round((Date.now() - started) / 1000);
  writeFileSync(join(out, 'report.json'), JSON.stringify(report, null, 2));
  writeFileSync(join(out, 'report.md'), render());
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function render(): string {
  const lines = [
    `# flopnet GPU device suite — ${report.finished ? (report.skipped.length ? `finished, ${report.skipped.length} steps skipped for time` : 'finished') : 'INCOMPLETE (stopped before the end)'}`,
    '',
    `- date ${report.date}, commit ${report.commit}, Node ${report.node}, ${report.elapsedS} s of ${report.options.deadlineS} s`,
    `- device: ${report.device ? `${report.device.name}, ${(report.device.memoryBytes / 2 ** 30).toFixed(1)} GiB; ${report.device.detail}` : 'not started'}`,
    `- options: ${JSON.stringify(report.options)}`,
    '',
    '## Start-up (NVRTC compile, kernel self-test)',
    '',
    ...report.startup.map((s) => `- ${s.pipeline}: ${s.ok ? 'ok' : `FAILED: ${s.error}`} in ${s.ms.toFixed(0)} ms`),
    '',
    "## Every class through the validator's verifier (openings recomputed on the GPU)",
    '',
    '| class | verdict | worst / tolerance | ms |',
    '|---|---|---|---|',
    ...report.verify.map((v) => `| ${v.precision} | ${v.ok ? 'ok' : `NO (${v.reason}${v.error ? `: ${v.error}` : ''})`} | ${v.worstRatio.toPrecision(3)} | ${v.ms.toFixed(0)} |`),
    '',
    `## A real ${windowSeconds} s window per class (sizing, stop rule and credit as a validator applies them)`,
    '',
    `| class | pipeline | GEMMs / offered | n × k (band rows) | credited TFLOP/s | raw cuBLAS (one call / in bands) | credited / raw | generate / GEMM / hash | openings (${openedRows} rows recomputed) | verdict |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...report.windows.map(
      (w) =>
        `| ${w.precision} | ${w.pipeline} | ${w.gemms} / ${w.m} | ${w.n} × ${w.k} (${w.bandRows}) | ${w.creditedTflops.toPrecision(4)} | ${w.rawTflops.toPrecision(4)} / ${w.rawBandsTflops.toPrecision(4)} | ${pct(w.ratio)} | ${pct(w.shares.generate)} / ${pct(w.shares.gemm)} / ${pct(w.shares.hash)} | ${w.openMs.toFixed(0)} ms = ${pct(w.openShareOfWindow)} of the window | ${w.verdict} (worst ${w.worstRatio.toPrecision(3)}) |`,
    ),
    ...report.windowFailures.map((f) => `- ${f.precision}${f.pipeline ? ` ${f.pipeline}` : ''}: FAILED: ${f.error}`),
    '',
    '## Honest error with the protocol generator, ρ = |c − ref| / (u·√k·√S), and a cheaper-class cheat',
    '',
    '| class | k | entries | honest p50 / p99 / max | τ | τ / honest max | cheat (inputs of) | cheat p50 | cheat p50 / τ | cheat entries within τ | P(96 cheat entries pass) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...report.errors.map(
      (e) =>
        `| ${e.precision} | ${e.k} | ${e.entries} | ${e.honest.p50} / ${e.honest.p99} / ${e.honest.max} | ${e.tau} | ${e.marginOverMax === null ? '∞ (all exact)' : `${e.marginOverMax}×`} | ${e.cheat?.as ?? '—'} | ${e.cheat?.p50 ?? '—'} | ${e.cheat ? `${e.cheat.p50OverTau}×` : '—'} | ${e.cheat ? pct(e.cheat.passing) : '—'} | ${e.cheat ? `${e.cheat.passing === 0 ? '<' : '≈'} 10^${e.cheat.roundPassLog10}` : '—'} |`,
    ),
    ...report.errorFailures.map((f) => `- ${f.precision} k=${f.k}: FAILED: ${f.error}`),
    '',
    ...(report.skipped.length ? ['## Skipped (out of time)', '', ...report.skipped.map((s) => `- ${s}`), ''] : []),
    '## nvidia-smi',
    '',
    '```',
    report.nvidiaSmi.trim() || '(not run)',
    '```',
    '',
  ];
  return lines.join('\n');
}

/** Runs `step` if `needMs` is left before the deadline; otherwise records it as skipped. */
async function timeBoxed(label: string, needMs: number, step: () => Promise<void>): Promise<void> {
  if (left() < needMs) {
    report.skipped.push(`${label} (needs about ${Math.round(needMs / 1000)} s, ${Math.max(0, Math.round(left() / 1000))} s left)`);
    save();
    return;
  }
  await step();
  save();
}

// The whole suite ends at the deadline even if a device call never returns: what was measured is on disk.
const watchdog = setTimeout(() => {
  report.skipped.push(`global deadline of ${deadlineMs / 1000} s reached: stopped mid-step`);
  save();
  process.stdout.write(`deadline reached; report so far in ${out}\n`);
  process.exit(3);
}, deadlineMs);
watchdog.unref();

// 1. Environment.
try {
  report.nvidiaSmi = execFileSync('nvidia-smi', [], { timeout: 15_000, encoding: 'utf8' });
  report.nvidiaSmi += execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit,temperature.gpu', '--format=csv'], { timeout: 15_000, encoding: 'utf8' });
} catch (error) {
  report.nvidiaSmi = `nvidia-smi: ${errorText(error)}`;
}
save();

// 2. Start-up, one backend per pipeline.
const backends = new Map<CudaPipeline, CudaBackend>();
for (const pipeline of pipelines) {
  const t0 = performance.now();
  try {
    const backend = await CudaBackend.create({ pipeline, ...(libraries ? { libraries } : {}), ...(bandRows ? { bandRows } : {}) });
    backends.set(pipeline, backend);
    report.device ??= await backend.describe();
    report.startup.push({ pipeline, ms: performance.now() - t0, ok: true });
  } catch (error) {
    report.startup.push({ pipeline, ms: performance.now() - t0, ok: false, error: errorText(error) });
  }
  save();
}
const first = backends.values().next().value as CudaBackend | undefined;
if (!first || !report.device) {
  save();
  throw new Error(`no backend started: ${report.startup.map((s) => s.error).join('; ')}`);
}
const device = report.device;
const runnable = classes.filter((p) => device.precisions.includes(p));

/** Executes, opens `rows` rows, verifies as a validator does; the verdict and the times. */
async function roundTrip(backend: CudaBackend, challenge: Challenge, rows: number, stopAt?: number) {
  const t0 = performance.now();
  const execution = await backend.execute(challenge, stopAt === undefined ? {} : { stopAt: () => stopAt });
  const elapsedMs = performance.now() - t0;
  const committed = committedPart(challenge, execution.gemms);
  const request = pickRows(committed, Math.min(rows, committed.m * committed.n));
  const t1 = performance.now();
  const opened = await backend.open(challenge.id, request.rows);
  const openMs = performance.now() - t1;
  await backend.release(challenge.id);
  const t2 = performance.now();
  const verdict = verifyOpenings(challenge, { id: challenge.id, gemms: execution.gemms, root: execution.root }, request, { id: challenge.id, rows: opened }, { elapsedMs });
  return { execution, elapsedMs, openMs, verifyMs: performance.now() - t2, verdict, committed };
}

// 3. Every class through the verifier.
for (const precision of runnable) {
  await timeBoxed(`verify ${precision}`, 15_000, async () => {
    const t0 = performance.now();
    const n = Math.min(512, probeDim);
    try {
      const { verdict } = await roundTrip(first, createChallenge({ precision, m: 3, n, k: 4 * n, deadlineMs: 600_000 }), 16);
      report.verify.push({ precision, ok: verdict.ok, reason: verdict.reason, worstRatio: verdict.worstRatio, ms: performance.now() - t0 });
    } catch (error) {
      report.verify.push({ precision, ok: false, reason: 'error', worstRatio: 0, ms: performance.now() - t0, error: errorText(error) });
    }
  });
}

// 4. A real window per class and pipeline.
const windowMs = windowSeconds * 1000;
for (const precision of runnable) {
  const need = pipelines.length * (windowMs + 8_000) + 6_000;
  await timeBoxed(`${precision} windows`, need, async () => {
    try {
      const probe = await first.measureGemm(precision, probeDim, probeDim, quick ? 0.3 : 1);
      const size = sizeChallenge({ precision, memoryBytes: device.memoryBytes, tflops: probe.tflops, windowSeconds });
      const rows = bandRowsFor(size.n, bandRows);
      const raw = await first.measureGemm(precision, size.n, size.k, quick ? 0.5 : 2);
      const rawBands = await first.measureGemm(precision, size.n, size.k, quick ? 0.5 : 2, rows);
      for (const [pipeline, backend] of backends) {
        try {
          // Warm-up: first-call costs (cuBLAS heuristics, lazy loading) are not what a window pays.
          const warm = createChallenge({ precision, m: 1, n: size.n, k: size.k, deadlineMs: 600_000 });
          await backend.execute(warm);
          await backend.release(warm.id);
          const challenge = createChallenge({ precision, m: size.m, n: size.n, k: size.k, deadlineMs: size.deadlineMs });
          const stopAt = performance.now() + size.deadlineMs - replyMarginMs(size.deadlineMs);
          const r = await roundTrip(backend, challenge, openedRows, stopAt);
          const { generateMs, gemmMs, hashMs } = r.execution.timings;
          const busy = generateMs + gemmMs + hashMs || 1;
          const credited = r.verdict.ok ? challengeFlops(r.committed) / windowSeconds / 1e12 : 0;
          report.windows.push({
            precision,
            pipeline,
            m: size.m,
            gemms: r.execution.gemms,
            n: size.n,
            k: size.k,
            bandRows: rows,
            windowS: windowSeconds,
            elapsedMs: round(r.elapsedMs),
            creditedTflops: credited,
            rawTflops: raw.tflops,
            rawBandsTflops: rawBands.tflops,
            ratio: credited / raw.tflops,
            shares: { generate: generateMs / busy, gemm: gemmMs / busy, hash: hashMs / busy },
            openMs: r.openMs,
            openShareOfWindow: r.openMs / windowMs,
            verifyMs: r.verifyMs,
            verdict: r.verdict.ok ? 'ok' : `${r.verdict.reason}: ${r.verdict.detail ?? ''}`,
            worstRatio: r.verdict.worstRatio,
          });
        } catch (error) {
          report.windowFailures.push({ precision, pipeline, error: errorText(error) });
        }
        save();
      }
    } catch (error) {
      report.windowFailures.push({ precision, error: errorText(error) });
    }
  });
}

// 5. Honest error with the protocol's generator, and the cheat of the next cheaper class.
const CHEAPER: Partial<Record<Precision, Precision>> = { fp32: 'tf32', tf32: 'bf16', bf16: 'fp8', fp16: 'fp8' };
const quantiles = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!, 3);
  return { p50: at(0.5), p99: at(0.99), max: round(sorted.at(-1)!, 3) };
};
for (const precision of runnable) {
  for (const k of errorKs) {
    await timeBoxed(`errors ${precision} k=${k}`, 10_000 + k / 10, async () => {
      try {
        const n = Math.min(errorN, 131072);
        const honest = createChallenge({ precision, m: 1, n, k, deadlineMs: 600_000 });
        const rows = sampleDistinct(16, n);
        const columns = pickColumns(n, 32);
        const refs = rows.map((row) => ({ matrix: 0, row }));
        const values = async (challenge: Challenge) => {
          await first.execute(challenge);
          const opened = await first.open(challenge.id, refs);
          await first.release(challenge.id);
          return opened.map((o) => decodeRow(challenge.precision === 'fp64' ? 'fp64' : 'fp32', o.data));
        };
        const got = await values(honest);
        const cheaper = CHEAPER[precision];
        const cheat = cheaper && device.precisions.includes(cheaper) ? await values({ ...honest, id: createChallenge({ precision, m: 1, n: 1, k: 1, deadlineMs: 1 }).id, precision: cheaper }) : undefined;
        const keyA = matrixKey(honest.seed, 'A', 0);
        const keyB = matrixKey(honest.seed, 'B', 0);
        const b = columns.map((c) => colOfB(precision, keyB, c, k));
        const honestRho: number[] = [];
        const cheatRho: number[] = [];
        const scale = UNIT_ROUNDOFF[precision] * Math.sqrt(k);
        rows.forEach((r, i) => {
          const a = rowOfA(precision, keyA, r, k);
          columns.forEach((c, x) => {
            const ref = referenceDot(precision, a, b[x]!, k);
            const norm = scale * Math.sqrt(ref.sumSquares);
            honestRho.push(Math.abs(got[i]![c]! - ref.value) / norm);
            if (cheat) cheatRho.push(Math.abs(cheat[i]![c]! - ref.value) / norm);
          });
        });
        const t = tau(precision, k);
        const h = quantiles(honestRho);
        const row: ErrorRow = { precision, k, entries: honestRho.length, tau: round(t, 3), honest: h, marginOverMax: h.max > 0 ? round(t / h.max, 3) : null };
        if (cheat && cheaper) {
          const passing = cheatRho.filter((x) => x <= t).length / cheatRho.length;
          const p50 = quantiles(cheatRho).p50;
          // With no entry passing in the sample, bound the rate by one entry in the sample.
          const rate = Math.max(passing, 1 / cheatRho.length);
          row.cheat = { as: cheaper, p50, p50OverTau: round(p50 / t, 3), passing: round(passing, 3), roundPassLog10: Math.round(96 * Math.log10(rate)) };
        }
        // entryBound is the verifier's own bound: the same τ·u·√k·√S.
        if (Math.abs(entryBound(precision, k, 1) - t * scale) > 1e-12 * t * scale) throw new Error('the suite and the verifier disagree on the bound');
        report.errors.push(row);
      } catch (error) {
        report.errorFailures.push({ precision, k, error: errorText(error) });
      }
    });
  }
}

for (const backend of backends.values()) await backend.close();
report.finished = true;
save();
clearTimeout(watchdog);
process.stdout.write(render());
process.stdout.write(`\nreport written to ${out}/report.json and ${out}/report.md\n`);
