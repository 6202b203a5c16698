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
import { creditedTflops, drawClass, MAX_RTT_SHARE, measuredSeconds, rootWaitMs, roundBudgetMs, rttAllowanceMs, runRound } from '../../validator/round.js';
import { SIZING } from '../../shared/challenge/sizing.js';
import { forward } from '../../validator/forward.js';
import { ValidatorStore } from '../../validator/store/db.js';
import { challenge as fixtureChallenge, FakeBackend, metagraph, neuron, pair, source } from '../miner/fixtures.js';

await cryptoReady();
const validator = pair('//Alice');
const WINDOW = 0.5;
const incentives = parseIncentives({
  startTflops: 1e-4,
  challengeSeconds: WINDOW,
  timeouts: { openingsMs: 5_000, probeMs: 2_000 },
});

describe('drawClass', () => {
  const c = parseIncentives({ classes: { fp32: { draw: 3, reward: 1 }, bf16: { draw: 1, reward: 1 }, fp64: { draw: 0, reward: 1 }, fp8: { draw: 5, reward: 0 } } });
  it('draws with the config weights among the classes the config pays for, whatever the miner reports', () => {
    expect(drawClass(c, 0)).toBe('fp32');
    expect(drawClass(c, 0.74)).toBe('fp32');
    expect(drawClass(c, 0.76)).toBe('bf16');
    expect(drawClass(c, 1 - 2 ** -47)).toBe('bf16');
  });
  it('never asks for a class with draw 0 or reward 0', () => {
    const drawn = new Set(Array.from({ length: 100 }, (_, i) => drawClass(c, i / 100)));
    expect([...drawn].sort()).toEqual(['bf16', 'fp32']);
  });
});

describe('timing', () => {
  it('subtracts the measured round trip', () => {
    expect(measuredSeconds(1000, 3, 1000)).toBeCloseTo(0.997, 12);
    expect(measuredSeconds(10_000, 20, 10_000)).toBeCloseTo(9.98, 12);
  });
  it('caps the subtraction at 0.5 % of the window, so answering the probe slowly gains at most that', () => {
    expect(MAX_RTT_SHARE).toBe(0.005);
    expect(rttAllowanceMs(900, 1000)).toBe(5);
    expect(measuredSeconds(1000, 900, 1000)).toBeCloseTo(0.995, 12);
    // However slow the probe's answer, a root is on time only if it came within the window plus 0.5 %.
    for (const delay of [10, 100, 1_000, 60_000]) expect(measuredSeconds(10_100, delay, 10_000)).toBeGreaterThan(10);
    expect(measuredSeconds(10_050, 60_000, 10_000)).toBeLessThanOrEqual(10);
  });
  it('credits the committed FLOPs over the window, however early they were done', () => {
    expect(creditedTflops(4e12, 2)).toBe(2);
    expect(creditedTflops(4e12, 0.5)).toBe(8);
  });
  it('budgets a round at its timeouts: two probes, the roots, the openings', () => {
    // The default config: 3 s probes, a 10 s window, 10 s of openings.
    expect(roundBudgetMs(parseIncentives({}))).toBe(2 * 3_000 + 10_050 + 10_000);
  });
  it('waits for a root as long as the largest round-trip allowance could still make it on time', () => {
    const wait = rootWaitMs(1_000);
    expect(measuredSeconds(wait, Infinity, 1_000)).toBeGreaterThanOrEqual(1);
    expect(measuredSeconds(wait - 2, Infinity, 1_000)).toBeLessThan(1);
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
    // Credited: the FLOPs of the GEMMs it committed over the window, and it worked until near its end.
    const { m, n, k } = honest!.challenge!;
    const gemms = honest!.gemms!;
    expect(gemms).toBeGreaterThanOrEqual(1);
    expect(gemms).toBeLessThanOrEqual(m);
    expect(honest!.windowSeconds).toBe(WINDOW);
    expect(honest!.tflops).toBeCloseTo((2 * gemms * n * n * k) / WINDOW / 1e12, 9);
    expect(honest!.seconds).toBeLessThanOrEqual(WINDOW);
    if (gemms < m) expect(honest!.seconds).toBeGreaterThan(WINDOW / 2);
    expect(bf16).toMatchObject({ verdict: 'failed', reason: 'out_of_tolerance', tflops: 0 });
    expect(lazy!.verdict).toBe('failed');
    expect(lazy!.reason).not.toBe('ok');
    // Unreachable before any challenge, and still charged to the class drawn for it.
    expect(gone).toMatchObject({ uid: 4, verdict: 'unreachable', reason: 'E_CONNECT', tflops: 0, precision: 'fp32' });
    expect(devices.get(keys.honest.address)?.backend).toBe('cpu');
    expect(honest!.device).toBe(devices.get(keys.honest.address)!.name);
  });

  it('sizes the GEMMs from the last measured throughput, with work for a device up to 8× faster', async () => {
    const tflops = 0.004;
    const history = new Map([[keys.honest.address, new Map([['fp32' as const, { tflops }]])]]);
    const { results } = await runRound({ round: 2, miners: targets.slice(0, 1), incentives, history, dendrite });
    expect(results[0]!.sizedTflops).toBe(tflops);
    const { m, n, k } = results[0]!.challenge!;
    // One GEMM ≈ 1/32 of the window at that pace, each dimension drawn 0–15 % below and rounded down.
    const perWindow = tflops * 1e12 * WINDOW;
    expect(2 * n * n * k).toBeLessThanOrEqual(perWindow / SIZING.gemmsPerWindow);
    expect(2 * n * n * k).toBeGreaterThan((perWindow / SIZING.gemmsPerWindow) * 0.85 ** 3 * 0.5);
    expect(2 * m * n * n * k).toBeGreaterThanOrEqual(perWindow * SIZING.headroom);
  });
});

describe('a late root', () => {
  it('is no answer: the validator does not open it and stops waiting soon after the window', async () => {
    const key = pair('//LateMiner');
    const graph = metagraph([neuron(0, validator.address, { validatorPermit: true }), neuron(1, key.address)]);
    const backend = new CpuBackend({ threads: 1, adversary: parseAdversary('late') });
    const miner = await Miner.start({ signer: createSigner(key), backend, metagraph: source(graph), host: '127.0.0.1', port: 0 });
    const dendrite = new Dendrite({ signer: createSigner(validator) });
    try {
      const fast = parseIncentives({ startTflops: 1e-4, challengeSeconds: 1 });
      const started = performance.now();
      const { results } = await runRound({ round: 1, miners: [{ hotkey: key.address, ip: '127.0.0.1', port: miner.port, uid: 1 }], incentives: fast, history: new Map(), dendrite });
      expect(results[0]).toMatchObject({ verdict: 'no_answer', tflops: 0, challenge: { precision: 'fp32' } });
      // The miner's own queue gives up at the deadline (E_DEADLINE); were it to answer anyway, the root
      // would come after the window ('late') or after the validator stopped waiting (E_TIMEOUT).
      expect(['E_DEADLINE', 'late', 'E_TIMEOUT']).toContain(results[0]!.reason);
      expect(performance.now() - started).toBeLessThan(4_000);
    } finally {
      dendrite.close();
      await miner.close();
      await backend.close();
    }
  });
});

describe('a new miner far slower than sizing assumes', () => {
  it('misses (or refuses) its first windows, each time gets GEMMs sized for half the pace, and verifies', async () => {
    const key = pair('//SlowNewMiner');
    const graph = metagraph([
      neuron(0, validator.address, { validatorPermit: true }),
      neuron(1, key.address, { axon: { block: 1, version: 0, ip: '127.0.0.1', port: 0, ipType: 4, protocol: 4 } }),
    ]);
    // A device of 0.2 GFLOP/s, whatever this machine's speed: one GEMM on the CPU backend, then a wait.
    const cpu = new CpuBackend({ threads: 1 });
    const backend: ComputeBackend = {
      kind: 'cpu',
      describe: () => cpu.describe(),
      execute: async (c, o) => {
        const started = performance.now();
        const execution = await cpu.execute(c, { ...o, stopAt: () => 0 });
        const wait = (2 * c.n * c.n * c.k) / 0.2e6 - (performance.now() - started);
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
      // Assumed 20 GFLOP/s: a GEMM of ~1/32 of a 0.5 s window is ~0.3 GFLOP, 1.5 s on this device.
      const slow = parseIncentives({ startTflops: 0.02, challengeSeconds: 0.5 });
      const first = await forward({ round: 1, block: 1, metagraph: graph, self: validator.address, incentives: slow, store, dendrite });
      // The miner measures its pace before its first GEMM and refuses to be held 1.5 s by it (on a loaded
      // machine measuring may outlast the 0.5 s window: no answer either way).
      expect(first.results[0]).toMatchObject({ verdict: 'no_answer' });
      let round = 1;
      let last = first.results[0]!;
      // Each miss halves the pace the GEMMs are sized for: 1.5 s → ≤ 0.75 s → ≤ 0.38 s → ≤ 0.19 s, under
      // the 250 ms any window accepts (miner/policy.ts SHORT_GEMM_MS), fits the window.
      while (last.verdict !== 'verified' && round < 4) {
        round++;
        const next = (await forward({ round, block: round, metagraph: graph, self: validator.address, incentives: slow, store, dendrite })).results[0]!;
        expect(next.sizedTflops).toBeCloseTo(last.sizedTflops! / 2, 12);
        last = next;
      }
      expect(last).toMatchObject({ verdict: 'verified', gemms: 1 });
    } finally {
      store.close();
      dendrite.close();
      await miner.close();
      await backend.close();
    }
  });
});

describe('a miner busy with the slot owner', () => {
  it('is excused when it says so, signed, outside this validator\'s slot, and not inside it', async () => {
    const slotOwner = pair('//SlotOwner');
    const key = pair('//BusyMiner');
    // Block 100, 5-block slots: slot 20 belongs to uid 0.
    const graph = metagraph([neuron(0, slotOwner.address, { validatorPermit: true }), neuron(1, validator.address, { validatorPermit: true }), neuron(2, key.address)]);
    const miner = await Miner.start({ signer: createSigner(key), backend: new FakeBackend(500), metagraph: source(graph), host: '127.0.0.1', port: 0, queueCapacity: 0 });
    const ownerDendrite = new Dendrite({ signer: createSigner(slotOwner) });
    const dendrite = new Dendrite({ signer: createSigner(validator) });
    try {
      const target = { hotkey: key.address, ip: '127.0.0.1', port: miner.port, uid: 2 };
      const busy = ownerDendrite.challenge(target, fixtureChallenge());
      await new Promise((r) => setTimeout(r, 50));
      const round = (ownsSlot: boolean) => runRound({ round: 1, miners: [target], incentives, history: new Map(), dendrite, ownsSlot: () => ownsSlot });
      expect((await round(false)).results[0]).toMatchObject({ verdict: 'excused', reason: 'E_BUSY', tflops: 0 });
      expect((await round(true)).results[0]).toMatchObject({ verdict: 'no_answer', reason: 'E_BUSY', tflops: 0 });
      expect((await busy).ok).toBe(true);
    } finally {
      ownerDendrite.close();
      dendrite.close();
      await miner.close();
    }
  });
});

describe('a class the miner does not report', () => {
  it('is still drawn, and counts 0 for that class: no answer (unsupported_class), the class decays', async () => {
    const key = pair('//NoBf16');
    const graph = metagraph([
      neuron(0, validator.address, { validatorPermit: true }),
      neuron(1, key.address, { axon: { block: 1, version: 0, ip: '127.0.0.1', port: 0, ipType: 4, protocol: 4 } }),
    ]);
    // The fake device reports fp32 and fp64; the config pays only for bf16.
    const miner = await Miner.start({ signer: createSigner(key), backend: new FakeBackend(), metagraph: source(graph), host: '127.0.0.1', port: 0 });
    graph.neurons[1]!.axon.port = miner.port;
    const dendrite = new Dendrite({ signer: createSigner(validator) });
    const store = ValidatorStore.open(':memory:', { netuid: 1, hotkey: validator.address });
    try {
      const bf16 = parseIncentives({ classes: { bf16: { draw: 1, reward: 1 } }, ema: { alpha: 0.5 } });
      store.saveScores(new Map([[key.address, { hotkey: key.address, uid: 1, score: 8, ema: { bf16: 8 }, round: 0 }]]));
      const { results, scores } = await forward({ round: 1, block: 1, metagraph: graph, self: validator.address, incentives: bf16, store, dendrite });
      expect(results[0]).toMatchObject({ verdict: 'no_answer', reason: 'unsupported_class', precision: 'bf16', tflops: 0 });
      expect(results[0]!.challenge).toBeUndefined();
      expect(scores.get(key.address)).toMatchObject({ score: 4, ema: { bf16: 4 } });
    } finally {
      store.close();
      dendrite.close();
      await miner.close();
    }
  });
});

describe('a round fans out', () => {
  it('sends every miner its challenge, of one class, at the same moment', async () => {
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
      // Two classes paid: the round still asks every miner the same one (no Sybil can trade classes).
      const twoClasses = parseIncentives({ startTflops: 1e-4, challengeSeconds: WINDOW, classes: { fp32: { draw: 1, reward: 1 }, fp64: { draw: 1, reward: 1 } } });
      const { results } = await runRound({ round: 1, miners: targets, incentives: twoClasses, history: new Map(), dendrite });
      expect(new Set(results.map((r) => r.challenge?.precision)).size).toBe(1);
      expect(results.every((r) => r.precision === r.challenge?.precision)).toBe(true);
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
