/**
 * What verifying one answer costs the validator (issue 3, "Performance"): verifyOpenings on openings that
 * pass, timed on one core. Only the entries the verifier will check are computed honestly (the column
 * choice is fixed through the `random` option); the rest of each row is filler and the unopened leaves are
 * random hashes, so the benchmark builds a valid answer without a 16384³ GEMM. The commitment is protocol
 * v3's: a tree per GEMM, and the tree over the GEMM roots.
 *
 *   npx tsx scripts/bench-verify.ts [--runs 30] [--json]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createChallenge } from '../shared/challenge/challenge.js';
import { colOfB, matrixKey, rowOfA } from '../shared/challenge/elements.js';
import { HASH_BYTES, hashLeaf, merkleLevels, merkleRoot, rowProof } from '../shared/challenge/merkle.js';
import { referenceDot } from '../shared/challenge/tolerance.js';
import { verifyOpenings } from '../shared/challenge/verify.js';
import type { OpeningRequest, Precision, RowRef } from '../shared/challenge/types.js';

interface Case {
  label: string;
  precision: Precision;
  m: number;
  n: number;
  k: number;
  s: number;
  e: number;
  /** Open rows in s distinct matrices (worst case: no column sharing), else all in matrix 0. */
  spread: boolean;
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, json: { type: 'boolean', default: false } } });
const runs = Number(values.runs);

/**
 * A Philox call costs ~100 integer/float ops and yields 4 elements (2 for fp64) since protocol v3;
 * counted per element so the FLOP ratio is not flattering.
 */
const OPS_PER_CALL = 100;

function measure(c: Case) {
  const challenge = createChallenge({ precision: c.precision, m: c.m, n: c.n, k: c.k, deadlineMs: 60_000 });
  const columns = Array.from({ length: c.e }, (_, i) => (i * 7919 + 13) % c.n);
  let draw = 0;
  const random = () => columns[draw++ % columns.length]!;
  const refs: RowRef[] = Array.from({ length: c.s }, (_, i) => (c.spread ? { matrix: i % c.m, row: (i * 31) % c.n } : { matrix: 0, row: i }));
  const width = c.precision === 'fp64' ? 8 : 4;

  const leaves = Array.from({ length: c.m }, () => new Uint8Array(randomBytes(c.n * HASH_BYTES)));
  const rows = refs.map(({ matrix, row }) => {
    const data = Buffer.alloc(c.n * width);
    for (let col = 0; col < c.n; col++) data.writeFloatLE(1, col * width);
    const a = rowOfA(c.precision, matrixKey(challenge.seed, 'A', matrix), row, c.k);
    for (const col of columns) {
      const value = referenceDot(c.precision, a, colOfB(c.precision, matrixKey(challenge.seed, 'B', matrix), col, c.k), c.k).value;
      if (width === 8) data.writeDoubleLE(value, col * 8);
      else data.writeFloatLE(value, col * 4);
    }
    const bytes = new Uint8Array(data);
    leaves[matrix]!.set(hashLeaf(bytes), row * HASH_BYTES);
    return bytes;
  });
  const gemmLevels = leaves.map((l) => merkleLevels(l));
  const top = merkleLevels(new Uint8Array(Buffer.concat(gemmLevels.map(merkleRoot))));
  const commitment = { id: challenge.id, gemms: c.m, root: merkleRoot(top) };
  const request: OpeningRequest = { id: challenge.id, rows: refs };
  const openings = {
    id: challenge.id,
    rows: refs.map((ref, i) => ({ ...ref, data: rows[i]!, path: rowProof(gemmLevels[ref.matrix]!, ref.row, top, ref.matrix) })),
  };

  // CPU time (user + system) is what "ms of one core" means, and it is what a loaded machine does not inflate.
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    draw = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const verdict = verifyOpenings(challenge, commitment, request, openings, { entries: c.e, random });
    const ms = performance.now() - t0;
    const used = process.cpuUsage(c0);
    if (!verdict.ok) throw new Error(`benchmark answer rejected: ${verdict.reason} ${verdict.detail}`);
    if (i >= 3) {
      wall.push(ms);
      cpu.push((used.user + used.system) / 1000);
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const p95 = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length * 0.95)]!;
  const matrices = c.spread ? Math.min(c.s, c.m) : 1;
  const elements = c.s * c.k + matrices * c.e * c.k;
  const verifierOps = (elements / (c.precision === 'fp64' ? 2 : 4)) * OPS_PER_CALL + 2 * c.s * c.e * c.k;
  return {
    ...c,
    cpuMedianMs: median(cpu),
    cpuP95Ms: p95(cpu),
    wallMedianMs: median(wall),
    elementsRegenerated: elements,
    verifierOps,
  };
}

const cases: Case[] = [
  { label: 'target: s=8, e=4, k=16384, one GEMM', precision: 'fp32', m: 1, n: 16384, k: 16384, s: 8, e: 4, spread: false },
  { label: 's=8, e=4, k=16384, rows in 8 GEMMs', precision: 'fp32', m: 8, n: 16384, k: 16384, s: 8, e: 4, spread: true },
  { label: 's=8, e=4, k=16384, fp64 (compensated)', precision: 'fp64', m: 1, n: 16384, k: 16384, s: 8, e: 4, spread: false },
  { label: 'defaults: s=48, e=2, k=16384, one GEMM', precision: 'bf16', m: 1, n: 16384, k: 16384, s: 48, e: 2, spread: false },
  { label: 'defaults: s=48, e=2, k=16384, rows in 48 GEMMs', precision: 'bf16', m: 64, n: 16384, k: 16384, s: 48, e: 2, spread: true },
];

const results = cases.map(measure);
// Production size: an H100 at bf16 for ~10 s (gpu.md: 861 TFLOP/s) is m ≈ 1000 GEMMs of 16384³.
const productionFlops = 2 * 1000 * 16384 ** 3;
if (values.json) {
  console.log(JSON.stringify({ runs, productionFlops, results }, null, 2));
} else {
  console.log(`verifyOpenings, ${runs} runs each after 3 warm-up runs, one thread`);
  console.log('| case | CPU median | CPU p95 | wall median | elements regenerated | verifier ops / production FLOPs |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.label} | ${r.cpuMedianMs.toFixed(1)} ms | ${r.cpuP95Ms.toFixed(1)} ms | ${r.wallMedianMs.toFixed(1)} ms | ${r.elementsRegenerated.toLocaleString('en')} | ${(r.verifierOps / productionFlops).toExponential(1)} |`,
    );
  }
}
