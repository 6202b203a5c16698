/**
 * How a node of several GPUs scales (issue 14's bar: 8 devices credited ≥ 7.5× one device), simulated
 * with the fake CUDA library's clock: every device runs GEMMs at a set simulated speed
 * (FAKE_CUDA_TFLOPS) and no arithmetic (FAKE_CUDA_TIMING_ONLY), so what is measured is the host side of
 * the real CudaBackend: dealing GEMMs, the stop rule, waiting on eight devices from one thread, the
 * trees, and the prefix the node commits. Kernels do no work either (on a GPU a launch costs the host
 * microseconds; emulated on this CPU it would cost far more), so the roots mean nothing here.
 *
 *   npx tsx scripts/bench-node.ts [--devices 1,8] [--gemm-ms 40,10] [--window 5] [--runs 2] [--json]
 *
 * A window is run as a miner runs it: stopAt at the window less the miner's answer margin, then
 * credited = committed GEMMs × FLOPs per GEMM / window. --gemm-ms sets the simulated time of one GEMM:
 * 40 ms is an H200 at bf16 with k = 65536 (about 225 GEMMs a window per device), 10 ms at k = 16384.
 */
import { parseArgs } from 'node:util';
import { CudaBackend } from '../miner/backends/cuda/backend.js';
import { replyMarginMs } from '../miner/handlers/challenge.js';
import { createChallenge } from '../shared/challenge/challenge.js';
import { MAX_GEMMS } from '../shared/challenge/types.js';
import { buildFakeCuda, fakePaths } from '../test/fixtures/fake-cuda/build.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1,8' },
    'gemm-ms': { type: 'string', default: '40,10' },
    window: { type: 'string', default: '5' },
    runs: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
const fake = buildFakeCuda();
if (!('path' in fake)) throw new Error(fake.skip);
const counts = values.devices!.split(',').map(Number);
const gemmTimes = values['gemm-ms']!.split(',').map(Number);
const windowMs = Number(values.window) * 1000;
const runs = Number(values.runs);

// A small real shape (kernels run on the CPU) with a simulated speed that makes one GEMM take gemmMs.
const n = 64;
const k = 64;
const gemmFlops = 2 * n * n * k;
process.env.FAKE_CUDA_DEVICES = String(Math.max(...counts));

interface Row {
  devices: number;
  gemmMs: number;
  run: number;
  gemms: number;
  /** Committed GEMMs per device-window: what one device would do with no idle time is window / gemmMs. */
  perDevice: number;
  creditedGemmsPerSecond: number;
  answeredAfterMs: number;
  /** This process's CPU time (all threads) per committed GEMM: the host's cost, whatever the load. */
  cpuMsPerGemm: number;
}

const rows: Row[] = [];
for (const gemmMs of gemmTimes) {
  process.env.FAKE_CUDA_TFLOPS = String(gemmFlops / (gemmMs / 1000) / 1e12);
  for (const devices of counts) {
    delete process.env.FAKE_CUDA_TIMING_ONLY; // the start-up self-test runs the kernels
    const backend = await CudaBackend.create({ libraries: fakePaths(fake.path), devices: Array.from({ length: devices }, (_, i) => i), reserveBytes: 0 });
    process.env.FAKE_CUDA_TIMING_ONLY = '1';
    try {
      for (let run = 0; run < runs; run++) {
        const challenge = createChallenge({ precision: 'bf16', m: MAX_GEMMS, n, k, deadlineMs: windowMs });
        const started = performance.now();
        const cpu = process.cpuUsage();
        const stopAt = started + windowMs - replyMarginMs(windowMs);
        const { gemms } = await backend.execute(challenge, { stopAt: () => stopAt });
        const answeredAfterMs = performance.now() - started;
        const used = process.cpuUsage(cpu);
        await backend.release(challenge.id);
        const cpuMsPerGemm = (used.user + used.system) / 1000 / gemms;
        rows.push({ devices, gemmMs, run, gemms, perDevice: gemms / devices, creditedGemmsPerSecond: gemms / (windowMs / 1000), answeredAfterMs, cpuMsPerGemm });
        if (!values.json) process.stderr.write(`${devices} device(s), ${gemmMs} ms GEMMs, run ${run}: ${gemms} GEMMs, answered after ${answeredAfterMs.toFixed(0)} ms\n`);
      }
    } finally {
      await backend.close();
    }
  }
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
const summary = gemmTimes.flatMap((gemmMs) => {
  const base = mean(rows.filter((r) => r.gemmMs === gemmMs && r.devices === counts[0]).map((r) => r.gemms));
  return counts.map((devices) => {
    const mine = rows.filter((r) => r.gemmMs === gemmMs && r.devices === devices);
    const gemms = mean(mine.map((r) => r.gemms));
    return {
      gemmMs,
      devices,
      gemms,
      scaling: gemms / base,
      ideal: devices / counts[0]!,
      latestAnswerMs: Math.max(...mine.map((r) => r.answeredAfterMs)),
      cpuMsPerGemm: mean(mine.map((r) => r.cpuMsPerGemm)),
    };
  });
});

if (values.json) {
  console.log(JSON.stringify({ date: new Date().toISOString(), windowMs, n, k, runs, rows, summary }, null, 2));
} else {
  console.log(`window ${windowMs / 1000} s (stop at the window less the miner's margin), ${runs} runs each, fake CUDA devices at simulated speeds`);
  console.log('| GEMM (simulated) | devices | GEMMs committed (mean) | scaling vs 1 device | ideal | latest answer | host CPU per GEMM |');
  console.log('|---|---|---|---|---|---|---|');
  for (const s of summary) {
    console.log(`| ${s.gemmMs} ms | ${s.devices} | ${s.gemms.toFixed(1)} | ${s.scaling.toFixed(3)}× | ${s.ideal}× | ${s.latestAnswerMs.toFixed(0)} ms of ${windowMs} | ${(s.cpuMsPerGemm * 1000).toFixed(0)} µs |`);
  }
}
