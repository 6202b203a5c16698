/**
 * Compute backends against their own GEMM throughput.
 *
 * --backend cpu (issue 18's bar: a window's credited throughput ≥ 0.8 of the machine's BLAS sgemm/dgemm
 * at the same shape; the WebAssembly kernel ≥ 10 % of that BLAS): per GEMM kernel and class, a window
 * sized and credited as a validator does (miner/commands/bench.ts benchWindow), the kernel alone at the
 * same shape, and numpy's GEMM there where python3 has numpy; medians over --runs.
 *
 *   npx tsx scripts/bench-backends.ts --backend cpu [--gemm blas,wasm,js] [--classes ...] [--window 10] [--runs 3]
 *                                     [--threads N] [--blas PATH] [--json]
 *
 * --backend cuda (the default; issue 8's bar: end-to-end challenge throughput ≥ 90% of raw cuBLAS at the
 * same shape, for bf16, tf32, fp32 and fp64, on a challenge of about 10 s):
 *
 * Per class: raw cuBLAS TFLOP/s (inputs generated once, repeated products between CUDA events), then one
 * challenge sized to --seconds at that rate (within MAX_GEMMS), timed on the wall clock
 * from execute() to the root as a validator times it, opened and verified with the validator's verifier.
 *
 *   npx tsx scripts/bench-backends.ts [--classes bf16,tf32,fp32,fp64,fp16,fp8] [--shapes 8192x8192,32768x65536]
 *                                     [--pipelines serial,overlap] [--seconds 10] [--raw-seconds 2] [--json] [--libraries PATH]
 *
 * A shape is n×k (A is n×k, C is n×n). 8192×8192 is where ../shared/research/gpu.md measured raw cuBLAS;
 * larger n and k amortise generation (∝ n·k per GEMM) and hashing (∝ n² per GEMM) over 2·n²·k FLOPs.
 * A pipeline is CudaBackendOptions.pipeline: 'serial' (the default) or 'overlap' (generation and hashing on
 * their own streams); a challenge that does not verify is reported as such, not hidden.
 *
 * On the lent GPU machine (no Node there): ../shared/tools/device-pack.sh scripts/bench-backends.ts --loader:.cu=text,
 * then run `xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node && cd .device && /tmp/node app.mjs` with carry [".device"].
 * --libraries PATH loads every CUDA library from PATH (the fake one from test/fixtures/fake-cuda, to
 * rehearse the script without a GPU: the numbers then mean nothing).
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { CpuBackend } from '../miner/backends/cpu.js';
import { CudaBackend, type CudaPipeline } from '../miner/backends/cuda/backend.js';
import { GEMM_KERNELS, type GemmKernelName } from '../miner/backends/gemm/kernel.js';
import { benchWindow, withReferences, type BenchResult } from '../miner/commands/bench.js';
import { createLogger } from '../shared/log.js';
import { challengeFlops, committedPart, createChallenge } from '../shared/challenge/challenge.js';
import { pickRows } from '../shared/challenge/openings.js';
import { verifyOpenings } from '../shared/challenge/verify.js';
import { MAX_GEMMS, PRECISIONS, type DeviceInfo, type Precision } from '../shared/challenge/types.js';

const { values } = parseArgs({
  options: {
    classes: { type: 'string', default: 'bf16,tf32,fp32,fp64,fp16,fp8' },
    shapes: { type: 'string', default: '8192x8192,32768x65536' },
    pipelines: { type: 'string', default: 'serial,overlap' },
    seconds: { type: 'string', default: '10' },
    'raw-seconds': { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
    libraries: { type: 'string' },
    backend: { type: 'string', default: 'cuda' },
    gemm: { type: 'string', default: 'blas,wasm' },
    window: { type: 'string', default: '10' },
    runs: { type: 'string', default: '1' },
    threads: { type: 'string' },
    blas: { type: 'string' },
  },
});
const shapes = values.shapes!.split(',').map((shape) => {
  const [n, k] = shape.split('x').map(Number);
  if (!Number.isInteger(n) || !Number.isInteger(k) || n! < 1 || k! < 1) throw new Error(`--shapes: ${shape} is not n×k (e.g. 8192x8192)`);
  return { n: n!, k: k! };
});
const seconds = Number(values.seconds);
const rawSeconds = Number(values['raw-seconds']);
const wanted = values.classes!.split(',').filter((c): c is Precision => (PRECISIONS as readonly string[]).includes(c));

interface Row {
  pipeline: CudaPipeline;
  precision: Precision;
  m: number;
  n: number;
  k: number;
  seconds: number;
  e2eTflops: number;
  rawTflops: number;
  ratio: number;
  shares: { generate: number; gemm: number; hash: number };
  verified: boolean;
  reason: string;
}

const pipelines = values.pipelines!.split(',').filter((p): p is CudaPipeline => p === 'serial' || p === 'overlap');
const path = values.libraries;
const rows: Row[] = [];
/** Runs every class and shape on a backend with `pipeline`; returns its device description. */
async function benchPipeline(pipeline: CudaPipeline): Promise<DeviceInfo> {
  const backend = await CudaBackend.create({ pipeline, ...(path ? { libraries: { cuda: path, nvrtc: path, cublas: path, cublasLt: path } } : {}) });
  const device = await backend.describe();
  try {
    for (const { n, k } of shapes) for (const precision of wanted.filter((p) => device.precisions.includes(p))) {
      const raw = await backend.measureGemm(precision, n, k, rawSeconds);
      // As many GEMMs as fill `seconds` at the raw rate (memory holds one GEMM's working set, whatever m is).
      const m = Math.max(1, Math.min(MAX_GEMMS, Math.round((seconds * 1000) / raw.msPerGemm)));
      // Warm-up: first-call costs (cuBLAS heuristics, lazy module loading) are not what a miner pays per challenge.
      const warm = createChallenge({ precision, m: 1, n, k, deadlineMs: 3_600_000 });
      await backend.execute(warm);
      await backend.release(warm.id);

      const challenge = createChallenge({ precision, m, n, k, deadlineMs: 3_600_000 });
      const started = performance.now();
      const execution = await backend.execute(challenge);
      const elapsedMs = performance.now() - started;
      // Without stopAt the backend runs all m GEMMs.
      const committed = committedPart(challenge, execution.gemms);
      const request = pickRows(committed, 16);
      const openings = { id: challenge.id, rows: await backend.open(challenge.id, request.rows) };
      await backend.release(challenge.id);
      const verdict = verifyOpenings(challenge, { id: challenge.id, gemms: execution.gemms, root: execution.root }, request, openings, { entries: 4, elapsedMs });
      const { generateMs, gemmMs, hashMs } = execution.timings;
      const busy = generateMs + gemmMs + hashMs || 1;
      const e2eTflops = challengeFlops(committed) / (elapsedMs / 1000) / 1e12;
      const row: Row = {
        pipeline,
        precision,
        m: execution.gemms,
        n,
        k,
        seconds: elapsedMs / 1000,
        e2eTflops,
        rawTflops: raw.tflops,
        ratio: e2eTflops / raw.tflops,
        shares: { generate: generateMs / busy, gemm: gemmMs / busy, hash: hashMs / busy },
        verified: verdict.ok,
        reason: verdict.reason,
      };
      rows.push(row);
      if (!values.json) process.stderr.write(`${pipeline} ${precision} ${m}×${n}×${k}: ${e2eTflops.toPrecision(4)} of ${raw.tflops.toPrecision(4)} TFLOP/s (${(row.ratio * 100).toFixed(1)}%)\n`);
    }
  } finally {
    await backend.close();
  }
  return device;
}

/** Every class and shape on each pipeline of the CUDA backend; prints the table (or JSON). */
async function benchCuda(): Promise<void> {
  let device: DeviceInfo | undefined;
  for (const pipeline of pipelines) device = await benchPipeline(pipeline);
  if (!device) throw new Error('--pipelines: use serial, overlap or both');

  if (values.json) {
    console.log(JSON.stringify({ date: new Date().toISOString(), device, rows }, null, 2));
  } else {
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    console.log(`device: ${device.name}, ${(device.memoryBytes / 2 ** 30).toFixed(1)} GiB; ${device.detail}`);
    console.log(`date: ${new Date().toISOString()}; challenges sized to ${seconds} s at the raw rate (at most ${MAX_GEMMS} GEMMs); raw cuBLAS over ~${rawSeconds} s of products`);
    console.log('');
    console.log('| pipeline | class | m × n × k | challenge s | end-to-end TFLOP/s | raw cuBLAS TFLOP/s | ratio | generate | GEMM | hash | verified |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.pipeline} | ${r.precision} | ${r.m} × ${r.n} × ${r.k} | ${r.seconds.toFixed(2)} | ${r.e2eTflops.toPrecision(4)} | ${r.rawTflops.toPrecision(4)} | ${pct(r.ratio)} | ${pct(r.shares.generate)} | ${pct(r.shares.gemm)} | ${pct(r.shares.hash)} | ${r.verified ? 'yes' : `NO (${r.reason})`} |`,
      );
    }
  }
}

interface CpuRow {
  gemm: GemmKernelName;
  detail: string;
  precision: Precision;
  runs: number;
  verified: number;
  /** The median run's challenge. */
  gemms: number;
  m: number;
  n: number;
  k: number;
  credited: number;
  raw: number;
  ratio: number;
  /** The same per CPU-second of this process: what a quiet machine would show, roughly, when this one is loaded. */
  cpu: { credited: number; raw: number; ratio: number };
  numpy?: number;
  shares: BenchResult['shares'];
  /**
   * Where the median run's window went, as fractions of it: the three stages, and idle (the rest: the
   * reply margin and the unused end of the window, and the gaps between stages).
   */
  window: { generate: number; gemm: number; hash: number; idle: number };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function windowShares({ timings }: BenchResult, seconds: number): CpuRow['window'] {
  const ms = seconds * 1000;
  const { generateMs, gemmMs, hashMs } = timings;
  return { generate: generateMs / ms, gemm: gemmMs / ms, hash: hashMs / ms, idle: Math.max(0, 1 - (generateMs + gemmMs + hashMs) / ms) };
}

/** Every kernel of --gemm, every class, --runs windows each; rows hold medians in GFLOP/s. */
async function benchCpu(): Promise<void> {
  const kernels = values.gemm!.split(',').filter((g): g is GemmKernelName => (GEMM_KERNELS as readonly string[]).includes(g));
  const threads = values.threads ? Number(values.threads) : availableParallelism();
  const window = Number(values.window);
  const runs = Math.max(1, Number(values.runs));
  const log = createLogger({ level: values.json ? 'warn' : 'info' });
  const cpuRows: CpuRow[] = [];
  let name = '';
  // The machine's load while this runs (other jobs make every wall-clock number pessimistic).
  const loadBefore = loadavg()[0]!;
  for (const gemm of kernels) {
    const backend = new CpuBackend({ gemm, threads, log, ...(values.blas ? { blas: values.blas } : {}) });
    try {
      await backend.start();
    } catch (error) {
      process.stderr.write(`${gemm}: skipped: ${error instanceof Error ? error.message : String(error)}\n`);
      await backend.close();
      continue;
    }
    const device = await backend.describe();
    name = device.name;
    try {
      for (const precision of wanted) {
        const samples: BenchResult[] = [];
        for (let run = 0; run < runs; run++) {
          const result = await withReferences(backend, await benchWindow(backend, device, { precision, window, rows: 48, entries: 2, deadline: window * 1000 }), threads, log);
          samples.push(result);
          if (!values.json) process.stderr.write(`${gemm} ${precision} run ${run + 1}: ${result.gemms}/${result.m}×${result.n}×${result.k}, ${(result.tflops * 1000).toPrecision(4)} GFLOP/s credited, raw ${((result.raw?.tflops ?? 0) * 1000).toPrecision(4)}${result.verdict.ok ? '' : `, ${result.verdict.reason}`}\n`);
        }
        const byCredit = [...samples].sort((x, y) => x.tflops - y.tflops);
        const typical = byCredit[Math.floor(byCredit.length / 2)]!;
        const numpy = samples.flatMap((r) => (r.numpy && 'gflops' in r.numpy ? [r.numpy.gflops] : []));
        cpuRows.push({
          gemm,
          detail: device.detail ?? '',
          precision,
          runs,
          verified: samples.filter((r) => r.verdict.ok).length,
          gemms: typical.gemms,
          m: typical.m,
          n: typical.n,
          k: typical.k,
          credited: median(samples.map((r) => r.tflops * 1000)),
          raw: median(samples.map((r) => (r.raw?.tflops ?? 0) * 1000)),
          ratio: median(samples.map((r) => r.tflops / (r.raw?.tflops ?? Infinity))),
          cpu: {
            credited: median(samples.map((r) => (r.cpuTflops ?? 0) * 1000)),
            raw: median(samples.map((r) => (r.raw?.cpuTflops ?? 0) * 1000)),
            ratio: median(samples.map((r) => (r.cpuTflops ?? 0) / (r.raw?.cpuTflops ?? Infinity))),
          },
          ...(numpy.length ? { numpy: median(numpy) } : {}),
          shares: typical.shares,
          window: windowShares(typical, window),
        });
      }
    } finally {
      await backend.close();
    }
  }
  const load = `load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`;
  if (values.json) {
    console.log(JSON.stringify({ date: new Date().toISOString(), cpu: name, threads, window, runs, load, rows: cpuRows }, null, 2));
    return;
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const g = (x: number | undefined) => (x === undefined ? '-' : x.toPrecision(4));
  console.log(`cpu: ${name}, ${threads} threads; date: ${new Date().toISOString()}; ${load}; ${window} s windows, median of ${runs} run(s) per row; GFLOP/s`);
  for (const gemm of new Set(cpuRows.map((r) => r.gemm))) console.log(`${gemm}: ${cpuRows.find((r) => r.gemm === gemm)!.detail}`);
  console.log('');
  console.log('| GEMM | class | GEMMs done / m × n × k | credited | raw GEMM | credited / raw | numpy | credited / numpy | per CPU-s: credited, raw, ratio | window: generate, GEMM, hash, idle | verified |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of cpuRows) {
    const w = r.window;
    console.log(
      `| ${r.gemm} | ${r.precision} | ${r.gemms}/${r.m} × ${r.n} × ${r.k} | ${g(r.credited)} | ${g(r.raw)} | ${pct(r.ratio)} | ${g(r.numpy)} | ${r.numpy ? pct(r.credited / r.numpy) : '-'} | ${g(r.cpu.credited)}, ${g(r.cpu.raw)}, ${pct(r.cpu.ratio)} | ${pct(w.generate)}, ${pct(w.gemm)}, ${pct(w.hash)}, ${pct(w.idle)} | ${r.verified}/${r.runs} |`,
    );
  }
  // The WebAssembly fallback's bar is against the BLAS of the same machine, class by class.
  const blas = new Map(cpuRows.filter((r) => r.gemm === 'blas').map((r) => [r.precision, r]));
  const wasm = cpuRows.filter((r) => r.gemm === 'wasm' && blas.has(r.precision));
  if (wasm.length) {
    console.log(`\nwasm credited / blas raw: ${wasm.map((r) => `${r.precision} ${pct(r.credited / blas.get(r.precision)!.raw)}`).join(', ')}`);
    console.log(`the same per CPU-second: ${wasm.map((r) => `${r.precision} ${pct(r.cpu.credited / blas.get(r.precision)!.cpu.raw)}`).join(', ')}`);
  }
}

if (values.backend === 'cpu') await benchCpu();
else await benchCuda();
