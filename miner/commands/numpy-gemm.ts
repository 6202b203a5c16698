/**
 * numpy's matrix product at a challenge's shape, as an outside reference for `flopnet bench` and
 * scripts/bench-backends.ts: numpy links its own BLAS (OpenBLAS in the PyPI wheels), so it answers "what
 * does this machine do at this shape" without trusting flopnet's bindings. Used only where `python3`
 * with numpy is on the machine; nothing is installed for it.
 */
import { execFile } from 'node:child_process';

export type NumpyGemm = { gflops: number; blas: string } | { skip: string };

/** Times C = A·Bᵀ (A, Bᵀ n×k) in numpy, the mean rate over repetitions that fill about `seconds`. */
const SCRIPT = `
import json, sys, time
try:
    import numpy as np
except ImportError:
    print(json.dumps({"skip": "numpy is not installed for python3"})); sys.exit(0)
n, k, dtype, seconds = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
rng = np.random.default_rng(1)
a = rng.uniform(0.5, 2.0, (n, k)).astype(dtype)
bt = rng.uniform(0.5, 2.0, (n, k)).astype(dtype)
c = a @ bt.T
total, runs = 0.0, 0
while runs < 3 or total < seconds:
    t = time.perf_counter(); np.matmul(a, bt.T, out=c); dt = time.perf_counter() - t
    total, runs = total + dt, runs + 1
try:
    info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    blas = f'{info.get("name", "?")} {info.get("version", "")}'.strip()
except Exception:
    blas = "unknown BLAS"
print(json.dumps({"gflops": 2 * n * n * k * runs / total / 1e9, "blas": f"numpy {np.__version__}, {blas}"}))
`;

/** numpy's GFLOP/s at n×k in binary32 (`wide` false) or binary64, on `threads` BLAS threads. */
export function numpyGemm(wide: boolean, n: number, k: number, threads: number, seconds = 1): Promise<NumpyGemm> {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  const args = ['-c', SCRIPT, String(n), String(k), wide ? 'float64' : 'float32', String(seconds)];
  return new Promise((resolve) => {
    execFile('python3', args, { env, timeout: 120_000 + seconds * 10_000, maxBuffer: 65_536 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ skip: 'python3 is not on this machine' });
      try {
        const answer = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Partial<{ gflops: number; blas: string; skip: string }>;
        if (typeof answer.skip === 'string') return resolve({ skip: answer.skip });
        if (typeof answer.gflops === 'number' && typeof answer.blas === 'string') return resolve({ gflops: answer.gflops, blas: answer.blas });
      } catch {
        // fall through: the reason is in stderr
      }
      resolve({ skip: `numpy failed: ${(stderr || error?.message || 'no answer').trim().split('\n').pop()!.slice(0, 300)}` });
    });
  });
}
