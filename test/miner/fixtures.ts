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
    n: 64,
    k: 64,
    deadlineMs: 5_000,
    ...over,
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/**
 * A device of a set throughput, whatever the test machine's load: each GEMM takes its FLOPs over
 * `flopsPerSecond` of wall time, by timer, with the stop rule every backend follows; then `inner`
 * (a real backend, much faster at these sizes) computes the GEMMs committed to, so the answers are
 * real and verify. Two PacedBackends of one pace are equal devices, which CPU worker threads
 * sharing a loaded machine are not.
 */
export class PacedBackend implements ComputeBackend {
  readonly kind: ComputeBackend['kind'];
  /** What `inner` took per GEMM last time, the stop rule's finishing estimate (with a fifth more). */
  private innerMsPerGemm = 10;
  constructor(
    private readonly inner: ComputeBackend,
    private readonly flopsPerSecond: number,
  ) {
    this.kind = inner.kind;
  }
  async start(): Promise<void> {
    await this.inner.start?.();
  }
  describe(): Promise<DeviceInfo> {
    return this.inner.describe();
  }
  async execute(c: Challenge, options: ExecuteOptions = {}): Promise<Execution> {
    const gemmMs = ((2 * c.n * c.n * c.k) / this.flopsPerSecond) * 1000;
    let gemms = 0;
    while (gemms < c.m && nextGemmFits(options.stopAt, gemms, gemmMs, 1.2 * (gemms + 1) * this.innerMsPerGemm)) {
      await sleep(gemmMs, options.signal);
      gemms++;
    }
    const started = performance.now();
    const execution = await this.inner.execute(committedPart(c, gemms), options.signal ? { signal: options.signal } : {});
    this.innerMsPerGemm = (performance.now() - started) / gemms;
    return { ...execution, gemms };
  }
  open(challengeId: string, rows: readonly RowRef[]): Promise<RowOpening[]> {
    return this.inner.open(challengeId, rows);
  }
  release(challengeId: string): Promise<void> {
    return this.inner.release(challengeId);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
