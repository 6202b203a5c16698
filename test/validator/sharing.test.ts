/**
 * One device behind two hotkeys: challenged at the same moment as an honest miner's device of the same
 * kind, the pair together earns about what the honest miner earns, not twice as much. Real miners on
 * the CPU backend, one worker thread per device, scored through forward() into an in-memory store; the
 * shared device has one queue for both hotkeys, as `flopnet miner --extra-hotkeys` runs them.
 *
 * Measured on the 2-core machine the pair earns 1.15–1.23× the solo device: the device runs one
 * challenge at a time, so the first is timed at full speed and the second is paid for what it does in
 * the time left (docs/incentives.md). Hotkeys challenged one after the other would each be paid for the
 * whole device (2×); the test bounds the pair at 1.5×.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Miner } from '../../miner/miner.js';
import { DeviceQueue } from '../../miner/queue.js';
import { CpuBackend } from '../../miner/backends/cpu.js';
import { createChallenge } from '../../shared/challenge/challenge.js';
import { createSigner, cryptoReady } from '../../shared/protocol/signing.js';
import { Dendrite } from '../../validator/dendrite.js';
import { forward } from '../../validator/forward.js';
import { parseIncentives } from '../../validator/incentives.js';
import { ValidatorStore } from '../../validator/store/db.js';
import { metagraph, neuron, pair } from '../miner/fixtures.js';

await cryptoReady();
const validator = pair('//Alice');
const honest = pair('//SoloDevice');
const sharedA = pair('//SharedDeviceA');
const sharedB = pair('//SharedDeviceB');
const incentives = parseIncentives({
  ema: { alpha: 0.1 },
  firstChallengeFlops: 1e7,
  targetChallengeSeconds: 0.4,
  timeouts: { minDeadlineMs: 3_000 },
});

describe('two hotkeys sharing one device', () => {
  const backends = [new CpuBackend({ threads: 1 }), new CpuBackend({ threads: 1 })];
  const miners: Miner[] = [];
  let graph = metagraph([]);
  const dendrite = new Dendrite({ signer: createSigner(validator) });
  const store = ValidatorStore.open(':memory:', { netuid: 1, hotkey: validator.address });

  beforeAll(async () => {
    for (const backend of backends) {
      const warm = createChallenge({ precision: 'fp32', m: 1, n: 64, k: 64, deadlineMs: 5_000 });
      await backend.execute(warm);
      await backend.release(warm.id);
    }
    const source = { current: () => graph };
    const [solo, shared] = backends as [CpuBackend, CpuBackend];
    // As `flopnet miner --extra-hotkeys` does: the shared device has one queue for both hotkeys.
    const sharedQueue = new DeviceQueue({ capacity: 8 });
    for (const [key, backend, queue] of [[honest, solo, undefined], [sharedA, shared, sharedQueue], [sharedB, shared, sharedQueue]] as const) {
      miners.push(await Miner.start({ signer: createSigner(key), backend, metagraph: source, host: '127.0.0.1', port: 0, ...(queue ? { queue } : {}) }));
    }
    const axon = (port: number) => ({ block: 1, version: 0, ip: '127.0.0.1', port, ipType: 4 as const, protocol: 4 });
    graph = metagraph([
      neuron(0, validator.address, { validatorPermit: true, stake: 1_000n }),
      ...miners.map((m, i) => neuron(i + 1, m.hotkey, { axon: axon(m.port) })),
    ]);
  });
  afterAll(async () => {
    dendrite.close();
    store.close();
    for (const m of miners) await m.close();
    for (const b of backends) await b.close();
  });

  it('earns together no more than the honest device', async () => {
    for (let round = 1; round <= 12; round++) {
      const { results } = await forward({ round, block: round, metagraph: graph, self: validator.address, incentives, store, dendrite });
      expect(results.map((r) => r.verdict)).toEqual(['verified', 'verified', 'verified']);
    }
    const scores = store.loadScores();
    const solo = scores.get(honest.address)!.score;
    const pair = scores.get(sharedA.address)!.score + scores.get(sharedB.address)!.score;
    expect(pair).toBeLessThanOrEqual(solo * 1.5);
    expect(pair).toBeGreaterThan(0);
  }, 120_000);
});
