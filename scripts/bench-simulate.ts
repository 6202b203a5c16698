/**
 * How long `flopnet simulate` takes for large subnets: N miner hotkeys (a mix of device models and
 * strategies, as an owner would model a busy subnet) under 8 validators, 360-block epochs of 72
 * validator rounds, the tensor-core example config (six classes). Wall and CPU time per run, and CPU
 * per simulated miner-round (one miner's challenge, crediting, scoring and sizing in one round).
 *
 *   npx tsx scripts/bench-simulate.ts [--miners 256,1024,4096] [--epochs 100]
 */
import { simulate } from '../simulator/engine.js';
import { parsePopulation } from '../simulator/population.js';
import { loadIncentives } from '../validator/incentives.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const sizes = arg('miners', '256,1024,4096').split(',').map(Number);
const epochs = Number(arg('epochs', '100'));
const incentives = loadIncentives(new URL('../simulator/examples/tensor-cores.yaml', import.meta.url).pathname);

/** N hotkeys: 8 honest models in equal parts for 70 %, the rest emulation, flaky, lazy and Sybil pairs. */
function population(n: number) {
  const part = (share: number) => Math.max(1, Math.round(n * share));
  const models = ['H100', 'H200', 'B200', 'A100', 'L40S', 'RTX4090', 'RTX5090', 'CPU'];
  return parsePopulation({
    miners: [
      ...models.map((device) => ({ device, count: part(0.7 / models.length) })),
      { device: 'H100', count: part(0.1), strategy: 'emulation' },
      { device: 'RTX4090', count: part(0.1), strategy: 'flaky:0.05' },
      { device: 'A100', count: part(0.04), strategy: 'lazy:0.1' },
      { device: 'H100', count: part(0.03), strategy: 'sybil' },
    ],
    validators: [{ stake: 100_000, count: 8 }],
  });
}

console.log(`flopnet simulate, ${epochs} epochs of 360 blocks (72 rounds), 8 validators, tensor-cores.yaml`);
for (const n of sizes) {
  const p = population(n);
  const hotkeys = p.miners.reduce((a, m) => a + m.count * m.hotkeysPerDevice, 0);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const r = simulate({ incentives, population: p, epochs, seed: 1, warmup: 5 });
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const minerRounds = r.rounds * hotkeys;
  console.log(
    `${String(hotkeys).padStart(5)} hotkeys: wall ${wall.toFixed(1)} s, CPU ${cpuSeconds.toFixed(1)} s, ` +
      `${(minerRounds / 1e6).toFixed(2)} M miner-rounds, ${((cpuSeconds / minerRounds) * 1e6).toFixed(2)} µs CPU each, ` +
      `${((cpuSeconds / epochs) * 1000).toFixed(0)} ms CPU per epoch`,
  );
}
