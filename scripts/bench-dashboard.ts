/**
 * What the validator dashboard costs on a month of rounds: seeds a validator database (256 miners,
 * a round a minute for 30 days: 43 200 rounds, 11 million results, unless told otherwise), then times
 * the capacity report, the standings read the metrics and the dashboard start from, the dashboard's
 * start (its thread reading the standings and per-round totals once) and each API
 * request as the pages make them, cold and warm, and the catch-up after the validator writes rounds.
 *
 *   npx tsx scripts/bench-dashboard.ts                       # seeds /tmp/flopnet-bench-dashboard.db once, keeps it
 *   npx tsx scripts/bench-dashboard.ts --rounds 4320 --json  # three days
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { capacityReport } from '../validator/capacity.js';
import { startDashboard } from '../validator/dashboard/index.js';
import { MinerLedger } from '../validator/dashboard/ledger.js';
import { ValidatorStore } from '../validator/store/db.js';
import { minerHotkey, seedValidatorDb } from './seed-validator-db.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: '/tmp/flopnet-bench-dashboard.db' },
    miners: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '43200' },
    repeat: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const miners = Number(values.miners);
const rounds = Number(values.rounds);
const repeat = Number(values.repeat);
const say = (line: string): void => void (values.json || process.stderr.write(line + '\n'));

if (!existsSync(values.db)) {
  say(`seeding ${values.db}: ${miners} miners × ${rounds} rounds`);
  const t = performance.now();
  seedValidatorDb(values.db, { miners, rounds, bulk: true, onProgress: (r) => values.json || process.stderr.write(`\r  round ${r}`) });
  say(`\n  seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const ms = (t: number): number => Math.round((performance.now() - t) * 10) / 10;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const { store, identity } = ValidatorStore.openReadOnly(values.db);
const resultRows = store.nextRound() - 1;
let t = performance.now();
capacityReport(store, identity);
const reportMs = ms(t);
t = performance.now();
MinerLedger.ofStore(store, identity);
const ledgerMs = ms(t);
store.close();

t = performance.now();
const dashboard = await startDashboard({ db: values.db, host: '127.0.0.1', port: 0 });
const startMs = ms(t);

const get = async (path: string): Promise<{ ms: number; bytes: number }> => {
  const t0 = performance.now();
  const res = await fetch(dashboard.url + path);
  const body = await res.arrayBuffer();
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return { ms: ms(t0), bytes: body.byteLength };
};

const cheater = minerHotkey(5);
const honest = minerHotkey(0);
const firstPage = (await (await fetch(`${dashboard.url}/api/miner?hotkey=${honest}&range=30d`)).json()) as { next: number };
const requests: Array<[string, string]> = [
  ['overview page', '/'],
  ['summary', '/api/summary'],
  ['capacity, 1 day', '/api/capacity?range=1d'],
  ['capacity, 30 days', '/api/capacity?range=30d'],
  ['miners, page 1 by uid', '/api/miners?limit=50'],
  ['miners, by score, page 5', '/api/miners?limit=50&offset=200&sort=score&order=desc'],
  ['miner, 30 days', `/api/miner?hotkey=${honest}&range=30d`],
  ['miner, older results', `/api/miner?hotkey=${honest}&range=30d&before=${firstPage.next}`],
  ['cheating miner, 30 days', `/api/miner?hotkey=${cheater}&range=30d`],
];
const timings: Array<{ request: string; path: string; firstMs: number; medianMs: number; bytes: number }> = [];
for (const [request, path] of requests) {
  const first = await get(path);
  const rest: number[] = [];
  for (let i = 0; i < repeat; i++) rest.push((await get(path)).ms);
  timings.push({ request, path, firstMs: first.ms, medianMs: median(rest), bytes: first.bytes });
}

// The validator writes 10 more rounds: the next request reads only those.
const writer = ValidatorStore.openExisting(values.db).store;
const scores = writer.loadScores();
const last = writer.rounds(1)[0]!;
const newRounds = 10;
for (let i = 1; i <= newRounds; i++) {
  const round = last.round + i;
  writer.recordRound(
    { round, block: last.block + 5 * i, startedAt: last.startedAt + 60_000 * i, finishedAt: last.startedAt + 60_000 * i + 12_000 },
    [...scores.values()].map((s) => ({ round, uid: s.uid, hotkey: s.hotkey, challenge: { precision: 'fp32' as const, m: 64, n: 8192, k: 8192 }, tflops: 100, reward: 100, verdict: 'verified' as const, reason: 'ok' })),
    scores,
  );
}
writer.close();
const catchUp = await get('/api/summary');
await dashboard.close();

const result = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((l) => Number(l.toFixed(2))) },
  db: { path: values.db, miners, rounds: resultRows, results: resultRows * miners },
  capacityReportMs: reportMs,
  ledgerMs,
  dashboardStartMs: startMs,
  requests: timings,
  catchUp: { rounds: newRounds, summaryMs: catchUp.ms },
};
if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else {
  say(`machine: ${result.machine.cpus} × ${result.machine.model}, load average ${result.machine.loadavg.join(' ')}`);
  say(`database: ${miners} miners, ${resultRows} rounds, ${resultRows * miners} results`);
  say(`capacity report (validator/capacity.ts: validator report, the capacity commitment): ${reportMs} ms`);
  say(`standings read for the metrics and the dashboard (MinerLedger.ofStore): ${ledgerMs} ms`);
  say(`dashboard start (thread, standings, per-round totals): ${startMs} ms`);
  say('request                          first ms  median ms     bytes');
  for (const r of timings) say(`${r.request.padEnd(32)} ${String(r.firstMs).padStart(8)} ${String(r.medianMs).padStart(10)} ${String(r.bytes).padStart(9)}`);
  say(`summary after the validator wrote ${newRounds} rounds: ${catchUp.ms} ms`);
}
