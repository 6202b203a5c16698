/**
 * Transport benchmark (issue 6): one validator fans a round out to N miners on loopback — a challenge to
 * every miner, then an opening request to every miner — and measures per-miner latency (send → answer,
 * validator clock) and the validator process's CPU time per round.
 *
 * The miners run real axons and pipelines (signature checks, policy, queue, signed answers) in child
 * processes over an instant compute backend, so the numbers are the transport's and not the GEMMs'.
 *
 *   npx tsx scripts/bench-transport.ts [--miners 256] [--rounds 20] [--processes 2] [--write]
 *
 * --write replaces this benchmark's section of docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import type { ComputeBackend } from '../miner/backends/backend.js';
import { Miner } from '../miner/miner.js';
import type { Neuron } from '../shared/chain/types.js';
import { createChallenge } from '../shared/challenge/challenge.js';
import { pickRows } from '../shared/challenge/openings.js';
import type { Challenge } from '../shared/challenge/types.js';
import { encode } from '../shared/protocol/codec.js';
import { createSigner, cryptoReady, requestDigest, signRequest, signResponse, verifyResponse } from '../shared/protocol/signing.js';
import { Dendrite, type AxonTarget, type CallResult } from '../validator/dendrite.js';

const { values } = parseArgs({
  options: {
    miners: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '20' },
    processes: { type: 'string', default: '2' },
    write: { type: 'boolean', default: false },
    serve: { type: 'string' },
    count: { type: 'string' },
  },
});

const keyring = new Keyring({ type: 'sr25519' });
const validatorKey = () => keyring.addFromUri('//bench/validator');
const minerKey = (i: number) => keyring.addFromUri(`//bench/miner/${i}`);

/** Answers at once with a root derived from the seed, and openings of the right shape. */
const instantBackend = (): ComputeBackend => ({
  kind: 'cpu',
  describe: async () => ({ backend: 'cpu', name: 'instant (benchmark)', memoryBytes: 2 ** 30, precisions: ['fp32'] }),
  execute: async (c) => ({ challengeId: c.id, gemms: c.m, root: createHash('sha256').update(c.seed).digest(), timings: { generateMs: 0, gemmMs: 0, hashMs: 0 } }),
  open: async (_id, rows) => rows.map((r) => ({ matrix: r.matrix, row: r.row, data: new Uint8Array(4 * 64), path: Array.from({ length: 7 }, () => new Uint8Array(32)) })),
  release: async () => undefined,
  close: async () => undefined,
});

function neuronOf(uid: number, hotkey: string, validatorPermit: boolean): Neuron {
  return {
    uid, hotkey, coldkey: hotkey, active: true, stake: validatorPermit ? 1_000_000_000_000n : 0n,
    axon: { block: 0, version: 0, ip: '0.0.0.0', port: 0, ipType: 4, protocol: 4 },
    validatorPermit, rank: 0, trust: 0, consensus: 0, incentive: 0, dividends: 0, validatorTrust: 0,
    emission: 0n, lastUpdate: 0, blockAtRegistration: 0,
  };
}

/** Child mode: serve `count` miners starting at index `from`, print their ports, run until killed. */
async function serve(from: number, count: number): Promise<void> {
  await cryptoReady();
  const metagraph = { netuid: 1, block: 1, neurons: [neuronOf(0, validatorKey().address, true)] };
  const miners: Miner[] = [];
  for (let i = from; i < from + count; i++) {
    miners.push(await Miner.start({ signer: createSigner(minerKey(i)), backend: instantBackend(), metagraph: { current: () => metagraph }, host: '127.0.0.1', port: 0, policy: { ratePerMinute: 100_000, rateBurst: 1_000 } }));
  }
  process.stdout.write(`READY ${JSON.stringify(miners.map((m) => ({ hotkey: m.hotkey, port: m.port })))}\n`);
  const stop = async () => {
    await Promise.all(miners.map((m) => m.close()));
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

function startChildren(total: number, processes: number): Promise<{ children: ChildProcess[]; targets: AxonTarget[] }> {
  const script = fileURLToPath(import.meta.url);
  const per = Math.ceil(total / processes);
  const children: ChildProcess[] = [];
  const ready: Array<Promise<AxonTarget[]>> = [];
  for (let p = 0; p < processes; p++) {
    const from = p * per;
    const count = Math.min(per, total - from);
    if (count <= 0) break;
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--serve', String(from), '--count', String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    ready.push(
      new Promise((resolve, reject) => {
        let buffer = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const line = buffer.split('\n').find((l) => l.startsWith('READY '));
          if (line) resolve((JSON.parse(line.slice(6)) as Array<{ hotkey: string; port: number }>).map((m) => ({ ...m, ip: '127.0.0.1' })));
        });
        child.once('exit', (code) => reject(new Error(`miner process exited with ${code}`)));
      }),
    );
  }
  return Promise.all(ready).then((lists) => ({ children, targets: lists.flat() }));
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
const ms = (x: number): string => `${x.toFixed(1)} ms`;

interface RoundSample {
  challenge: number[];
  open: number[];
  ping: number[];
  wallMs: number;
  cpuMs: number;
  failures: string[];
}

async function round(dendrite: Dendrite, targets: AxonTarget[]): Promise<RoundSample> {
  const challenges = new Map<string, Challenge>(targets.map((t) => [t.hotkey, createChallenge({ precision: 'fp32', m: 2, n: 64, k: 64, deadlineMs: 30_000 })]));
  const failures: string[] = [];
  const elapsed = <O extends 'challenge' | 'open' | 'ping'>(results: Array<CallResult<O>>): number[] =>
    results.flatMap((r) => (r.ok ? [r.elapsedMs] : (failures.push(`${r.op} ${r.code}: ${r.message}`), [])));
  const cpu = process.cpuUsage();
  const started = performance.now();
  const committed = await dendrite.forward(targets, 'challenge', (t) => challenges.get(t.hotkey)!);
  const opened = await dendrite.forward(targets, 'open', (t) => pickRows(challenges.get(t.hotkey)!, 48));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const pinged = await dendrite.forward(targets, 'ping', {});
  return { challenge: elapsed(committed), open: elapsed(opened), ping: elapsed(pinged), wallMs, cpuMs: (used.user + used.system) / 1000, failures };
}

/** Mean CPU ms (not wall: the machine is shared) of the validator's two signature operations per call. */
function signatureCosts(): { signMs: number; verifyMs: number } {
  const validator = createSigner(validatorKey());
  const miner = createSigner(minerKey(0));
  const body = encode(createChallenge({ precision: 'fp32', m: 2, n: 64, k: 64, deadlineMs: 30_000 }));
  const runs = 300;
  const cpuMs = (since: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  let started = process.cpuUsage();
  let request = signRequest(validator, { op: 'challenge', id: 0, receiver: miner.address, body });
  for (let i = 1; i < runs; i++) request = signRequest(validator, { op: 'challenge', id: i, receiver: miner.address, body });
  const signMs = cpuMs(started) / runs;
  const digest = requestDigest(request);
  const response = signResponse(miner, { op: 'challenge', id: request.id, receiver: validator.address, status: 'ok', body: encode({ id: 'x', gemms: 1, root: new Uint8Array(32) }) }, digest);
  started = process.cpuUsage();
  for (let i = 0; i < runs; i++) verifyResponse(response, miner.address, digest);
  return { signMs, verifyMs: cpuMs(started) / runs };
}

async function main(): Promise<void> {
  const total = Number(values.miners);
  const rounds = Number(values.rounds);
  await cryptoReady();
  const { children, targets } = await startChildren(total, Number(values.processes));
  const dendrite = new Dendrite({ signer: createSigner(validatorKey()), timeoutMs: 30_000 });
  try {
    const connected = await dendrite.connect(targets);
    const unreachable = connected.filter((c) => !c.ok).length;
    if (unreachable) throw new Error(`${unreachable} miners unreachable`);
    for (let i = 0; i < 2; i++) await round(dendrite, targets); // warm-up: JIT, connection buffers
    const samples: RoundSample[] = [];
    for (let i = 0; i < rounds; i++) samples.push(await round(dendrite, targets));
    const all = (pick: (s: RoundSample) => number[]) => samples.flatMap(pick).sort((a, b) => a - b);
    const perRound = (pick: (s: RoundSample) => number) => samples.map(pick).sort((a, b) => a - b);
    const failures = samples.flatMap((s) => s.failures);
    const rows: Array<[string, number[]]> = [
      ['challenge: send → root (per miner)', all((s) => s.challenge)],
      ['open: send → openings (per miner)', all((s) => s.open)],
      ['ping round trip (per miner, all at once)', all((s) => s.ping)],
      ['round wall time (challenge + open fan-outs)', perRound((s) => s.wallMs)],
      ['validator CPU per round (user + sys)', perRound((s) => s.cpuMs)],
    ];
    const table = [
      '| measure | p50 | p99 | max |',
      '|---|---|---|---|',
      ...rows.map(([name, xs]) => `| ${name} | ${ms(quantile(xs, 0.5))} | ${ms(quantile(xs, 0.99))} | ${ms(xs[xs.length - 1]!)} |`),
    ].join('\n');
    const costs = signatureCosts();
    const cpuPerCall = quantile(perRound((s) => s.cpuMs), 0.5) / (2 * targets.length);
    const load = loadavg().map((l) => l.toFixed(1)).join(' / ');
    const section = [
      `## Transport: one validator round to ${total} miners (shared/protocol, miner/axon, validator/dendrite)`,
      '',
      `- Machine: 2-core CI machine, Node 20.20 (${process.version}), ${cpus().length} logical CPUs, load average ${load} (1/5/15 min) when measured, shared with other builds.`,
      `- Date: ${new Date().toISOString().slice(0, 10)}.`,
      `- Command: \`npx tsx scripts/bench-transport.ts --miners ${total} --rounds ${rounds} --processes ${values.processes} --write\``,
      `- Setup: ${total} miners (real axons: signature check, policy, queue, signed answers) in ${values.processes} child processes over an instant backend, one validator`,
      '  process with one pooled WebSocket per miner, all on loopback. A round = one signed challenge to every miner (fan-out), then one opening',
      `  request (48 rows of 64 fp32 values, 7-hash paths) to every miner. ${rounds} measured rounds after 2 warm-up rounds; failures: ${failures.length}.`,
      '  Latencies are per miner on the validator clock (send → answer received). With 2 cores, the miners\' processes compete with the validator',
      `  for CPU, so a latency here is mostly queueing behind the other ${total - 1} miners\' signature checks and signatures.`,
      '',
      table,
      '',
      `Validator CPU per request and its answer: ${cpuPerCall.toFixed(2)} ms (median round / ${2 * targets.length} calls), of which the sr25519`,
      `signature of the request takes ${costs.signMs.toFixed(2)} ms and the check of the answer's signature ${costs.verifyMs.toFixed(2)} ms of CPU (WebAssembly, measured in`,
      '  the same run); the rest is msgpack, schema checks and the WebSocket. CPU per round grows linearly with the number of miners.',
      '',
    ].join('\n');
    process.stdout.write(section + '\n');
    if (failures.length) process.stdout.write(`failures:\n${[...new Set(failures)].slice(0, 10).join('\n')}\n`);
    if (values.write) writeSection(section);
  } finally {
    dendrite.close();
    for (const child of children) child.kill('SIGTERM');
  }
}

/** Replaces (or appends) this benchmark's section of docs/benchmarks.md, leaving the others alone. */
function writeSection(section: string): void {
  const path = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
  const start = '<!-- bench-transport:start -->';
  const end = '<!-- bench-transport:end -->';
  const block = `${start}\n${section}${end}\n`;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length + 1) : `${text.trimEnd()}\n\n${block}`;
  writeFileSync(path, next);
}

if (values.serve !== undefined) await serve(Number(values.serve), Number(values.count));
else await main();
