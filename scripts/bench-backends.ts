/**
 * The CUDA backend against the GPU's own GEMM throughput (issue 8's bar: end-to-end challenge throughput
 * ≥ 90% of raw cuBLAS at the same shape, for bf16, tf32, fp32 and fp64, on a challenge of about 10 s).
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
import { parseArgs } from 'node:util';
import { CudaBackend, type CudaPipeline } from '../miner/backends/cuda/backend.js';
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
