/**
 * Test doubles below the layer under test: a compute backend that answers instantly (or after a delay),
 * one that runs at a set pace, and a metagraph built from keyring test keys.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Metagraph, Neuron } from '../../shared/chain/types.js';
import type { Challenge, DeviceInfo, RowOpening, RowRef } from '../../shared/challenge/types.js';
import { nextGemmFits, type ComputeBackend, type ExecuteOptions, type Execution } from '../../miner/backends/backend.js';
import { committedPart } from '../../shared/challenge/challenge.js';
import { RESULT_BYTES } from '../../shared/challenge/sizing.js';
import { PROTOCOL_VERSION } from '../../shared/protocol/messages.js';

const keyring = new Keyring({ type: 'sr25519' });
export const pair = (uri: string): KeyringPair => keyring.addFromUri(uri);

export function neuron(uid: number, hotkey: string, over: Partial<Neuron> = {}): Neuron {
  return {
    uid,
    hotkey,
    coldkey: hotkey,
    active: true,
    stake: 0n,
    axon: { block: 0, version: 0, ip: '0.0.0.0', port: 0, ipType: 4, protocol: 4 },
    validatorPermit: false,
    rank: 0,
    trust: 0,
    consensus: 0,
    incentive: 0,
    dividends: 0,
    validatorTrust: 0,
    emission: 0n,
    lastUpdate: 0,
    blockAtRegistration: 0,
    ...over,
  };
}

export const metagraph = (neurons: Neuron[]): Metagraph => ({ netuid: 1, block: 100, neurons });
export const source = (m: Metagraph) => ({ current: () => m });

/**
 * A chain whose blocks the test makes, by hand (`next`) or on a clock (`tick`): a metagraph source
 * that reports each block as it arrives, as a miner's block subscription does.
 */
export class TestChain {
  private readonly listeners = new Set<(block: number) => void>();
  private ticker: NodeJS.Timeout | undefined;
  constructor(
    public graph: Metagraph,
    public block = graph.block,
  ) {}
  /** The MetagraphSource a Miner follows. */
  readonly source = {
    current: () => this.graph,
    block: () => this.block,
    onBlock: (listener: (block: number) => void) => (this.listeners.add(listener), () => void this.listeners.delete(listener)),
  };
  /** Makes the next block (or jumps to `to`) and tells every follower. */
  next(to = this.block + 1): number {
    this.block = to;
    for (const listener of this.listeners) listener(this.block);
    return this.block;
  }
  /** Makes a block every `ms` until close. */
  tick(ms: number): void {
    this.ticker ??= setInterval(() => this.next(), ms);
  }
  /** Resolves once block `block` has arrived. */
  reach(block: number): Promise<void> {
    if (this.block >= block) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = (b: number) => {
        if (b < block) return;
        this.listeners.delete(listener);
        resolve();
      };
      this.listeners.add(listener);
    });
  }
  close(): void {
    clearInterval(this.ticker);
  }
}

export const DEVICE: DeviceInfo = { backend: 'cpu', name: 'fake device', memoryBytes: 1 << 30, precisions: ['fp32', 'fp64'] };

/** The root a FakeBackend commits to: anything the validator side can recompute independently. */
export const fakeRoot = (c: Challenge): Uint8Array => createHash('sha256').update(c.seed).update(c.id).digest();

export class FakeBackend implements ComputeBackend {
  readonly kind = 'cpu' as const;
  readonly held = new Set<string>();
  readonly released: string[] = [];
  executions = 0;
  running = 0;
  maxConcurrent = 0;
  constructor(private readonly delayMs = 0) {}
  async describe(): Promise<DeviceInfo> {
    return DEVICE;
  }
  async execute(challenge: Challenge, options: { signal?: AbortSignal } = {}): Promise<Execution> {
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    try {
      if (this.delayMs) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, this.delayMs);
          options.signal?.addEventListener('abort', () => (clearTimeout(t), reject(options.signal!.reason)), { once: true });
        });
      }
      this.executions++;
      this.held.add(challenge.id);
      return { challengeId: challenge.id, gemms: challenge.m, root: fakeRoot(challenge), timings: { generateMs: 0, gemmMs: this.delayMs, hashMs: 0 } };
    } finally {
      this.running--;
    }
  }
  async open(challengeId: string, rows: readonly RowRef[]): Promise<RowOpening[]> {
    if (!this.held.has(challengeId)) throw new Error(`nothing held for ${challengeId}`);
    return rows.map((r) => ({ matrix: r.matrix, row: r.row, data: new Uint8Array(16), path: [new Uint8Array(32)] }));
  }
  async release(challengeId: string): Promise<void> {
    if (this.held.delete(challengeId)) this.released.push(challengeId);
  }
  async close(): Promise<void> {
    this.held.clear();
  }
}

export function challenge(over: Partial<Challenge> = {}): Challenge {
  return {
    version: PROTOCOL_VERSION,
    id: randomBytes(16).toString('hex'),
    seed: new Uint8Array(randomBytes(32)),
    precision: 'fp32',
    m: 2,
    n: 128,
    k: 128,
    deadlineMs: 5_000,
    ...over,
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => (clearTimeout(timer), reject(signal!.reason));
    const timer = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * A device of a set throughput, whatever the test machine's load: each GEMM takes its FLOPs over
 * `flopsPerSecond` of wall time, by timer, with the stop rule every backend follows; then `inner`
 * (a real backend, much faster at these sizes) computes the GEMMs committed to, so the answers are
 * real and verify. Two PacedBackends of one pace are equal devices, which CPU worker threads
 * sharing a loaded machine are not.
 *
 * GEMM j ends (j + 1) GEMMs after the run started, so timer lateness does not add up over a run.
 *
 * Options: `memoryBytes` gives it a device memory, as the CUDA backend has: each GEMM's result is
 * allocated when it starts and held until released, a run stops when the next result does not fit,
 * and a first GEMM that does not fit fails the run. `finishMs` fixes the stop rule's estimate of the
 * time after the last GEMM (by default: what `inner` took per GEMM last time, a fifth more), so two
 * devices stop after the same GEMM whatever the load on `inner`.
 */
export class PacedBackend implements ComputeBackend {
  readonly kind: ComputeBackend['kind'];
  /** What `inner` took per GEMM last time, the stop rule's finishing estimate (with a fifth more). */
  private innerMsPerGemm = 10;
  /** Result bytes held per challenge, against `memoryBytes`. */
  private readonly held = new Map<string, number>();
  private readonly memoryBytes: number | undefined;
  private readonly finishMs: number | undefined;
  constructor(
    private readonly inner: ComputeBackend,
    private readonly flopsPerSecond: number,
    options: { memoryBytes?: number; finishMs?: number } = {},
  ) {
    this.kind = inner.kind;
    this.memoryBytes = options.memoryBytes;
    this.finishMs = options.finishMs;
  }
  async start(): Promise<void> {
    await this.inner.start?.();
  }
  async describe(): Promise<DeviceInfo> {
    const info = await this.inner.describe();
    return this.memoryBytes === undefined ? info : { ...info, memoryBytes: this.memoryBytes };
  }
  /** Device memory the held results take. */
  get heldBytes(): number {
    return [...this.held.values()].reduce((a, b) => a + b, 0);
  }
  async execute(c: Challenge, options: ExecuteOptions = {}): Promise<Execution> {
    const gemmMs = ((2 * c.n * c.n * c.k) / this.flopsPerSecond) * 1000;
    const resultBytes = c.n * c.n * RESULT_BYTES[c.precision];
    const fits = (gemms: number) => this.memoryBytes === undefined || this.heldBytes + (gemms + 1) * resultBytes <= this.memoryBytes;
    if (!fits(0)) throw new Error(`out of device memory: ${this.heldBytes} of ${this.memoryBytes} bytes hold results`);
    let gemms = 0;
    const started = performance.now();
    while (gemms < c.m && fits(gemms) && nextGemmFits(options.stopAt, gemms, gemmMs, this.finishMs ?? 1.2 * (gemms + 1) * this.innerMsPerGemm)) {
      await sleep(started + (gemms + 1) * gemmMs - performance.now(), options.signal);
      gemms++;
    }
    const computed = performance.now();
    const execution = await this.inner.execute(committedPart(c, gemms), options.signal ? { signal: options.signal } : {});
    this.innerMsPerGemm = (performance.now() - computed) / gemms;
    this.held.set(c.id, gemms * resultBytes);
    return { ...execution, gemms };
  }
  open(challengeId: string, rows: readonly RowRef[]): Promise<RowOpening[]> {
    return this.inner.open(challengeId, rows);
  }
  release(challengeId: string): Promise<void> {
    this.held.delete(challengeId);
    return this.inner.release(challengeId);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
