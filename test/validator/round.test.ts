/**
 * One round against real miners (in-process Miner, real axon and dendrite, the CPU reference backend),
 * so every verdict comes from the real verifier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Miner } from '../../miner/miner.js';
import { CpuBackend } from '../../miner/backends/cpu.js';
import type { ComputeBackend } from '../../miner/backends/backend.js';
import { parseAdversary } from '../../miner/backends/adversary.js';
import { createSigner, cryptoReady } from '../../shared/protocol/signing.js';
import type { Challenge } from '../../shared/challenge/types.js';
import { Dendrite, type AxonTarget } from '../../validator/dendrite.js';
import { parseIncentives } from '../../validator/incentives.js';
import { creditedTflops, drawClass, MAX_RTT_SHARE, measuredSeconds, runRound } from '../../validator/round.js';
import { forward } from '../../validator/forward.js';
import { ValidatorStore } from '../../validator/store/db.js';
import { FakeBackend, metagraph, neuron, pair, source } from '../miner/fixtures.js';

await cryptoReady();
const validator = pair('//Alice');
const incentives = parseIncentives({
  firstChallengeFlops: 2e6,
  targetChallengeSeconds: 0.2,
  timeouts: { minDeadlineMs: 5_000, openingsMs: 5_000, probeMs: 2_000 },
});

describe('drawClass', () => {
  const c = parseIncentives({ classes: { fp32: { draw: 3, reward: 1 }, bf16: { draw: 1, reward: 1 }, fp64: { draw: 0, reward: 1 } } });
  it('draws with the config weights among the classes the device supports', () => {
    expect(drawClass(c, ['fp32', 'bf16'], 0)).toBe('fp32');
    expect(drawClass(c, ['fp32', 'bf16'], 0.74)).toBe('fp32');
    expect(drawClass(c, ['fp32', 'bf16'], 0.76)).toBe('bf16');
    expect(drawClass(c, ['bf16'], 0.1)).toBe('bf16');
  });
  it('never asks for a class with draw 0 or one the device lacks', () => {
    expect(drawClass(c, ['fp64'], 0.5)).toBeUndefined();
    expect(drawClass(c, ['fp16'], 0.5)).toBeUndefined();
  });
});

describe('timing', () => {
  it('subtracts the measured round trip', () => {
    expect(measuredSeconds(1000, 20)).toBeCloseTo(0.98, 12);
  });
  it('caps the subtraction so slow probe answers cannot inflate throughput', () => {
    expect(measuredSeconds(1000, 900)).toBeCloseTo(1 - MAX_RTT_SHARE, 12);
  });
  it('credits FLOPs over the time taken, never over less than the time the challenge was sized for', () => {
    expect(creditedTflops(4e12, 2, 1)).toBe(2);
    expect(creditedTflops(4e12, 0.5, 1)).toBe(4);
  });
  it('pays a device that runs two hotkeys one after the other no more than it would split evenly', () => {
    // One device at 1 TFLOPS, two hotkeys each sized for 1 s at 0.5 TFLOPS: run concurrently both
    // finish at 1 s; run back to back the first finishes at 0.5 s and the second at 1 s.
    const concurrent = 2 * creditedTflops(0.5e12, 1, 1);
    const sequential = creditedTflops(0.5e12, 0.5, 1) + creditedTflops(0.5e12, 1, 1);
    expect(sequential).toBeLessThanOrEqual(concurrent);
    expect(concurrent).toBe(1);
  });
});

describe('a round against real miners', () => {
  const keys = { honest: pair('//Honest'), bf16: pair('//Bf16'), lazy: pair('//Lazy'), gone: pair('//Gone') };
  const graph = metagraph([
    neuron(0, validator.address, { validatorPermit: true, stake: 1_000n }),
    ...Object.values(keys).map((k, i) => neuron(i + 1, k.address)),
  ]);
  const miners: Miner[] = [];
  const backends: ComputeBackend[] = [];
  const targets: Array<AxonTarget & { uid: number }> = [];
  const dendrite = new Dendrite({ signer: createSigner(validator) });

  beforeAll(async () => {
    const specs = [
      [keys.honest, undefined],
      [keys.bf16, 'precision:bf16'],
      [keys.lazy, 'lazy:0.5'],
    ] as const;
    for (const [i, [key, adversary]] of specs.entries()) {
      const backend = new CpuBackend({ threads: 1, ...(adversary ? { adversary: parseAdversary(adversary) } : {}) });
      const miner = await Miner.start({ signer: createSigner(key), backend, metagraph: source(graph), host: '127.0.0.1', port: 0 });
      backends.push(backend);
      miners.push(miner);
      targets.push({ hotkey: key.address, ip: '127.0.0.1', port: miner.port, uid: i + 1 });
    }
    // Registered with an axon on chain, but nothing listens there.
    targets.push({ hotkey: keys.gone.address, ip: '127.0.0.1', port: 1, uid: 4 });
  });
  afterAll(async () => {
    dendrite.close();
    for (const m of miners) await m.close();
    for (const b of backends) await b.close();
  });

  it('verifies the honest miner, fails each cheat with its reason, and marks the dead axon unreachable', async () => {
    const { results, devices } = await runRound({ round: 7, miners: targets, incentives, history: new Map(), dendrite });
    const [honest, bf16, lazy, gone] = results;
    expect(honest).toMatchObject({ round: 7, uid: 1, hotkey: keys.honest.address, verdict: 'verified', reason: 'ok', challenge: { precision: 'fp32' } });
    expect(honest!.tflops).toBeGreaterThan(0);
    expect(honest!.seconds).toBeGreaterThan(0);
    // TFLOPS is exactly the credited FLOPs over the credited time.
    const { m, n, k } = honest!.challenge!;
    expect(honest!.tflops).toBeCloseTo((2 * m * n * n * k) / honest!.seconds! / 1e12, 9);
    expect(bf16).toMatchObject({ verdict: 'failed', reason: 'out_of_tolerance', tflops: 0 });
    expect(lazy!.verdict).toBe('failed');
    expect(lazy!.reason).not.toBe('ok');
    expect(gone).toMatchObject({ uid: 4, verdict: 'unreachable', reason: 'E_CONNECT', tflops: 0 });
    expect(devices.get(keys.honest.address)?.backend).toBe('cpu');
    expect(honest!.device).toBe(devices.get(keys.honest.address)!.name);
  });

  it('sizes the next challenge from the last verified throughput', async () => {
    const first = await runRound({ round: 1, miners: targets.slice(0, 1), incentives, history: new Map(), dendrite });
    const r = first.results[0]!;
    expect(r.verdict).toBe('verified');
    const flops = 2 * r.challenge!.m * r.challenge!.n ** 2 * r.challenge!.k;
    const history = new Map([[r.hotkey, new Map([['fp32' as const, { tflops: r.tflops, flops }]])]]);
    const second = await runRound({ round: 2, miners: targets.slice(0, 1), incentives, history, dendrite });
    const s = second.results[0]!.challenge!;
    const next = 2 * s.m * s.n ** 2 * s.k;
    // Aimed at targetChallengeSeconds at the verified rate (±20% jitter, dims rounded), within the 8× ramp.
    expect(next).toBeLessThanOrEqual(flops * 8 * 1.2 * 1.3);
    expect(next).toBeGreaterThan(Math.min(flops * 8, r.tflops * 1e12 * 0.2) * 0.3);
  });
});

describe('a late root', () => {
  it('is no answer: the validator stops waiting at the deadline', async () => {
    const key = pair('//LateMiner');
    const graph = metagraph([neuron(0, validator.address, { validatorPermit: true }), neuron(1, key.address)]);
    const backend = new CpuBackend({ threads: 1, adversary: parseAdversary('late') });
    const miner = await Miner.start({ signer: createSigner(key), backend, metagraph: source(graph), host: '127.0.0.1', port: 0 });
    const dendrite = new Dendrite({ signer: createSigner(validator) });
    try {
      const fast = parseIncentives({ firstChallengeFlops: 1e6, timeouts: { minDeadlineMs: 500 } });
      const started = performance.now();
      const { results } = await runRound({ round: 1, miners: [{ hotkey: key.address, ip: '127.0.0.1', port: miner.port, uid: 1 }], incentives: fast, history: new Map(), dendrite });
      expect(results[0]).toMatchObject({ verdict: 'no_answer', reason: 'E_TIMEOUT', tflops: 0, challenge: { precision: 'fp32' } });
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      dendrite.close();
      await miner.close();
      await backend.close();
    }
  });
});

describe('a new miner slower than sizing assumes', () => {
  it('times out once, then gets a challenge sized for half the assumed pace, and verifies', async () => {
    const key = pair('//SlowNewMiner');
    const graph = metagraph([
      neuron(0, validator.address, { validatorPermit: true }),
      neuron(1, key.address, { axon: { block: 1, version: 0, ip: '127.0.0.1', port: 0, ipType: 4, protocol: 4 } }),
    ]);
    // A device of 0.2 GFLOP/s, whatever this machine's speed: the CPU backend, then a wait.
    const cpu = new CpuBackend({ threads: 1 });
    const backend: ComputeBackend = {
      kind: 'cpu',
      describe: () => cpu.describe(),
      execute: async (c, o) => {
        const started = performance.now();
        const execution = await cpu.execute(c, o);
        const wait = (2 * c.m * c.n * c.n * c.k) / 0.2e6 - (performance.now() - started);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, Math.max(0, wait));
          o?.signal?.addEventListener('abort', () => (clearTimeout(timer), reject(o.signal!.reason)), { once: true });
        });
        return execution;
      },
      open: (id, rows) => cpu.open(id, rows),
      release: (id) => cpu.release(id),
      close: () => cpu.close(),
    };
    const miner = await Miner.start({ signer: createSigner(key), backend, metagraph: source(graph), host: '127.0.0.1', port: 0 });
    graph.neurons[1]!.axon.port = miner.port;
    const dendrite = new Dendrite({ signer: createSigner(validator) });
    const store = ValidatorStore.open(':memory:', { netuid: 1, hotkey: validator.address });
    try {
      // The first challenge assumes 1 GFLOP/s: 1 GFLOP in 1 s, deadline 1.5 s; the device needs 5 s.
      const slow = parseIncentives({ firstChallengeFlops: 1e9, targetChallengeSeconds: 0.1, timeouts: { minDeadlineMs: 1_000 } });
      const first = await forward({ round: 1, block: 1, metagraph: graph, self: validator.address, incentives: slow, store, dendrite });
      expect(first.results[0]).toMatchObject({ verdict: 'no_answer', reason: 'E_TIMEOUT' });
      const second = await forward({ round: 2, block: 2, metagraph: graph, self: validator.address, incentives: slow, store, dendrite });
      expect(second.results[0]).toMatchObject({ verdict: 'verified' });
      const { m, n, k } = second.results[0]!.challenge!;
      expect(2 * m * n * n * k).toBeLessThan(1e9 / 2);
    } finally {
      store.close();
      dendrite.close();
      await miner.close();
      await backend.close();
    }
  });
});

describe('a round fans out', () => {
  it('sends every miner its challenge at the same moment', async () => {
    class Stamping extends FakeBackend {
      at = 0;
      override async execute(c: Challenge, o: { signal?: AbortSignal } = {}) {
        this.at = performance.now();
        return super.execute(c, o);
      }
    }
    const keys = Array.from({ length: 6 }, (_, i) => pair(`//Fan${i}`));
    const graph = metagraph([neuron(0, validator.address, { validatorPermit: true }), ...keys.map((k, i) => neuron(i + 1, k.address))]);
    const backends = keys.map(() => new Stamping(50));
    const miners = await Promise.all(keys.map((k, i) => Miner.start({ signer: createSigner(k), backend: backends[i]!, metagraph: source(graph), host: '127.0.0.1', port: 0 })));
    const dendrite = new Dendrite({ signer: createSigner(validator) });
    try {
      const targets = miners.map((m, i) => ({ hotkey: m.hotkey, ip: '127.0.0.1', port: m.port, uid: i + 1 }));
      const { results } = await runRound({ round: 1, miners: targets, incentives, history: new Map(), dendrite });
      // The fake backend's rows do not verify; what matters here is when each challenge arrived.
      expect(results.every((r) => r.verdict === 'failed')).toBe(true);
      const stamps = backends.map((b) => b.at);
      expect(Math.max(...stamps) - Math.min(...stamps)).toBeLessThan(50);
    } finally {
      dendrite.close();
      await Promise.all(miners.map((m) => m.close()));
    }
  });
});
