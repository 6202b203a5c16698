/**
 * The miner's /metrics and /healthz, scraped over HTTP from a real Miner on the CPU backend driven by
 * real dendrites: challenges received, answered and refused by reason, the GEMMs and work committed,
 * the device's busy time, the chain's view of the served hotkey, the TFLOPS validators published for
 * it, and a health check that fails once blocks stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Miner } from '../../miner/miner.js';
import { CpuBackend } from '../../miner/backends/cpu.js';
import { MinerMetrics } from '../../miner/metrics.js';
import { decodeCapacityCommitment } from '../../shared/capacity/commitment.js';
import type { ValidatorCapacity } from '../../shared/capacity/consensus.js';
import type { ReadOnlyServer } from '../../shared/metrics/http.js';
import { createSigner, cryptoReady } from '../../shared/protocol/signing.js';
import { Dendrite, type AxonTarget } from '../../validator/dendrite.js';
import { get, scrape } from '../helpers/http.js';
import { challenge, metagraph, neuron, pair, source } from './fixtures.js';

await cryptoReady();
const alice = pair('//Alice');
const bob = pair('//Bob');
const stranger = pair('//Stranger');
const minerKey = pair('//Miner');
const graph = metagraph([
  neuron(0, alice.address, { validatorPermit: true, stake: 1_000n }),
  neuron(1, bob.address, { validatorPermit: true, stake: 3_000n }),
  neuron(5, minerKey.address, { incentive: 0.25, emission: 123_456_789n }),
]);

let clock = Date.now();
const metrics = new MinerMetrics({ hotkeys: [minerKey.address], healthBlocks: 10, healthMinMs: 5_000, now: () => clock });
const backend = new CpuBackend({ threads: 1 });
let miner: Miner;
let server: ReadOnlyServer;
let target: AxonTarget;
const dendrites = [alice, stranger].map((p) => new Dendrite({ signer: createSigner(p) }));
const [fromAlice, fromStranger] = dendrites as [Dendrite, Dendrite];

const hk = `hotkey="${minerKey.address}"`;
const FLOPS = 2 * 2 * 32 * 32 * 32;

beforeAll(async () => {
  miner = await Miner.start({ signer: createSigner(minerKey), backend, metagraph: source(graph), host: '127.0.0.1', port: 0, ...metrics.hooks(minerKey.address) });
  metrics.setStats(() => [miner.stats()]);
  server = await metrics.serve({ host: '127.0.0.1', port: 0 });
  target = { hotkey: miner.hotkey, ip: '127.0.0.1', port: miner.port };
});

afterAll(async () => {
  for (const d of dendrites) d.close();
  await server?.close();
  await miner?.close();
  await backend.close();
});

describe('miner metrics', () => {
  it('counts challenges received, answered and refused by reason, and the GEMMs and work committed', async () => {
    // Ten seconds since the metrics began, by the test's clock, before any challenge.
    clock += 10_000;
    for (let i = 0; i < 2; i++) {
      const answered = await fromAlice.challenge(target, challenge({ m: 2, n: 32, k: 32, deadlineMs: 4_000 }));
      expect(answered.ok, answered.ok ? '' : answered.message).toBe(true);
    }
    // 2 · 131072² fp64 inputs alone are 256 GiB: more than this host has.
    const huge = await fromAlice.challenge(target, challenge({ precision: 'fp64', n: 131072, k: 131072 }));
    expect(!huge.ok && huge.code).toBe('E_UNSUPPORTED');
    const unknown = await fromStranger.challenge(target, challenge());
    expect(!unknown.ok && unknown.code).toBe('E_NOT_REGISTERED');
    expect((await fromAlice.ping(target)).ok).toBe(true);

    const m = await scrape(`${server.url}/metrics`);
    expect(m.get(`flopnet_miner_challenges_received_total{${hk}}`)).toBe(4);
    expect(m.get(`flopnet_miner_challenges_answered_total{${hk},class="fp32"}`)).toBe(2);
    expect(m.get(`flopnet_miner_challenges_refused_total{${hk},reason="E_UNSUPPORTED"}`)).toBe(1);
    expect(m.get(`flopnet_miner_challenges_refused_total{${hk},reason="E_NOT_REGISTERED"}`)).toBe(1);
    expect(m.get(`flopnet_miner_requests_total{${hk},op="ping",code="ok"}`)).toBe(1);
    expect(m.get(`flopnet_miner_gemms_committed_total{${hk},class="fp32"}`)).toBe(4);
    expect(m.get(`flopnet_miner_flops_committed_total{${hk},class="fp32"}`)).toBe(2 * FLOPS);
    // The work of the last window over the window: what a validator credits once the proof verifies.
    expect(m.get(`flopnet_miner_window_tflops{${hk},class="fp32"}`)).toBeCloseTo(FLOPS / 4 / 1e12, 20);
    expect(m.get('flopnet_miner_device_tflops{class="fp32"}')).toBeGreaterThan(0);
    expect(m.get('flopnet_miner_device_busy_seconds_total')).toBeGreaterThan(0);
    // The device time of the two answered challenges over the ten seconds.
    expect(m.get('flopnet_miner_device_busy_ratio')).toBeCloseTo(m.get('flopnet_miner_device_busy_seconds_total')! / 10, 6);
    expect(m.get(`flopnet_miner_last_challenge_timestamp_seconds{${hk}}`)).toBeCloseTo(clock / 1000, 0);
    expect(m.get(`flopnet_miner_held_results{${hk}}`)).toBe(2);
    expect(m.get('flopnet_miner_queue_length')).toBe(0);
    // The process's own metrics sit beside them.
    expect(m.has('process_cpu_user_seconds_total')).toBe(true);
    expect(m.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it("shows the chain's view of the served hotkey, and drops it when the hotkey leaves", async () => {
    metrics.metagraph(graph);
    let m = await scrape(`${server.url}/metrics`);
    expect(m.get(`flopnet_miner_registered{${hk}}`)).toBe(1);
    expect(m.get(`flopnet_miner_uid{${hk}}`)).toBe(5);
    expect(m.get(`flopnet_miner_incentive{${hk}}`)).toBe(0.25);
    expect(m.get(`flopnet_miner_emission_rao{${hk}}`)).toBe(123456789);
    metrics.metagraph({ ...graph, neurons: graph.neurons.filter((n) => n.uid !== 5) });
    m = await scrape(`${server.url}/metrics`);
    expect(m.get(`flopnet_miner_registered{${hk}}`)).toBe(0);
    expect(m.has(`flopnet_miner_uid{${hk}}`)).toBe(false);
  });

  it('shows the TFLOPS each validator published for this miner and their stake-weighted median, replaced at each read', async () => {
    const published = (uid: number, hotkey: string, stake: bigint, fields: string[]): ValidatorCapacity => {
      const decoded = decodeCapacityCommitment(fields);
      if (!decoded.ok) throw new Error(decoded.reason);
      return { uid, hotkey, stake, block: 90, commitment: decoded.commitment };
    };
    const uids = new Map([[minerKey.address, 5]]);
    metrics.credits(
      [
        published(0, alice.address, 1_000n, ['{"v":1,"r":7,"n":2,"tf":{"fp32":3}}', '{"v":1,"m":{"5":{"fp32":1.5,"bf16":6},"6":{"fp32":1.5}}}']),
        published(1, bob.address, 3_000n, ['{"v":1,"r":9,"n":2,"tf":{"fp32":4}}', '{"v":1,"m":{"5":{"fp32":2}}}']),
      ],
      uids,
    );
    let m = await scrape(`${server.url}/metrics`);
    expect(m.get(`flopnet_miner_credited_tflops{${hk},validator_uid="0",class="bf16"}`)).toBe(6);
    expect(m.get(`flopnet_miner_credited_tflops{${hk},validator_uid="1",class="fp32"}`)).toBe(2);
    // Bob holds three quarters of the stake: the median is his figure.
    expect(m.get(`flopnet_miner_credited_consensus_tflops{${hk},class="fp32"}`)).toBe(2);
    // Only figures for this miner's uid are kept.
    expect([...m.keys()].filter((k) => k.startsWith('flopnet_miner_credited_tflops'))).toHaveLength(3);

    metrics.credits([published(1, bob.address, 3_000n, ['{"v":1,"r":10,"n":2,"tf":{"fp32":4}}', '{"v":1,"m":{"5":{"fp32":2.5}}}'])], uids);
    m = await scrape(`${server.url}/metrics`);
    expect([...m.keys()].filter((k) => k.startsWith('flopnet_miner_credited_tflops'))).toEqual([`flopnet_miner_credited_tflops{${hk},validator_uid="1",class="fp32"}`]);
  });

  it('is healthy while blocks arrive, and answers 503 naming the stall once none came for ten blocks', async () => {
    for (let b = 100; b < 110; b++) {
      metrics.block(b);
      clock += 1_000;
    }
    const ok = await get(`${server.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/^ok\nchain: block 109, 1\.0 s ago, 1\.0 s a block\n$/);
    // Ten blocks of the measured 1 s: still healthy 9 s after the last block, stuck at 11 s.
    clock += 8_000;
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
    clock += 2_000;
    const stuck = await get(`${server.url}/healthz`);
    expect(stuck.status).toBe(503);
    expect(stuck.body).toMatch(/^stuck: chain: no new block for 11 s \(limit 10 s: 10 blocks of 1\.0 s\); last block 109\n/);
    metrics.block(110);
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
  });
});
