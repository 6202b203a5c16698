/**
 * Times one Yuma epoch on a full subnet: 256 neurons, 64 permitted validators each weighing all 192
 * miners, bonds carried from a previous epoch (the worst realistic case: a dense 64 × 192 matrix).
 * Target (issue 4): ≤ 100 ms per epoch.
 *
 *   npx tsx scripts/bench-yuma.ts [--runs 30]
 */
import { epoch, type YumaInput, type YumaParams } from '../shared/math/yuma.js';

const NEURONS = 256;
const VALIDATORS = 64;
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 30;

/** Deterministic PRNG (mulberry32) so every run times the same subnet. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function subnet(params: YumaParams): YumaInput {
  const rand = prng(42);
  const isValidator = (i: number): boolean => i < VALIDATORS;
  const miners = Array.from({ length: NEURONS - VALIDATORS }, (_, k) => VALIDATORS + k);
  // Weights as set_weights stores them: max-upscaled to 65535.
  const weights = Array.from({ length: NEURONS }, (_, i) => {
    if (!isValidator(i)) return [];
    const raw = miners.map((j) => [j, rand()] as const);
    const max = Math.max(...raw.map(([, w]) => w));
    return raw.map(([j, w]) => [j, Math.floor((w / max) * 65_535)] as [number, number]);
  });
  const bonds = weights.map((row) => row.map(([j, w]) => [j, w >> 2] as [number, number]));
  return {
    currentBlock: 100_000,
    stake: Array.from({ length: NEURONS }, (_, i) =>
      isValidator(i) ? BigInt(Math.floor(rand() * 1e6)) * 1_000_000_000n : BigInt(Math.floor(rand() * 1e3)) * 1_000_000_000n,
    ),
    weights,
    bonds,
    lastUpdate: Array.from({ length: NEURONS }, (_, i) => (isValidator(i) ? 99_900 : 0)),
    blockAtRegistration: Array(NEURONS).fill(1),
    validatorPermit: Array.from({ length: NEURONS }, (_, i) => isValidator(i)),
    ownerUid: null,
    lastMechanismStepBlock: 99_640,
    tempo: 360,
    raoEmission: 295_000_000_000n,
    params,
  };
}

const base: YumaParams = {
  kappa: 32_767,
  bondsMovingAverage: 900_000,
  bondsPenalty: 65_535,
  maxAllowedValidators: 64,
  activityCutoffBlocks: 5_000,
  yuma3: true,
  liquidAlpha: null,
};
const cases: [string, YumaParams][] = [
  ['yuma3', base],
  ['yuma3 + liquid alpha', { ...base, liquidAlpha: { low: 45_875, high: 58_982, steepness: 1_000 } }],
  ['classic', { ...base, yuma3: false }],
  ['yuma3, bonds penalty 0.5', { ...base, bondsPenalty: 32_767 }],
];

console.log(`Yuma epoch, ${NEURONS} neurons, ${VALIDATORS} validators × ${NEURONS - VALIDATORS} miners, ${runs} runs`);
for (const [name, params] of cases) {
  const input = subnet(params);
  let t = performance.now();
  epoch(input);
  const cold = performance.now() - t;
  const times: number[] = [];
  // CPU time too: on a shared machine wall time also counts waiting for a core.
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c = process.cpuUsage();
    t = performance.now();
    epoch(input);
    times.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const at = (q: number): string => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
  console.log(
    `${name.padEnd(26)} first ${cold.toFixed(1)} ms, median ${at(0.5)} ms, p95 ${at(0.95)} ms, ` +
      `max ${times.at(-1)!.toFixed(1)} ms, median CPU ${cpu[Math.floor(cpu.length / 2)]!.toFixed(1)} ms`,
  );
}
