/**
 * One device behind two hotkeys: challenged at the same moment as an honest miner's device of the same
 * kind, the pair together earns no more than the honest miner. Real miners, scored through forward()
 * into an in-memory store; the shared device has one queue for both hotkeys, as `flopnet miner
 * --extra-hotkeys` runs them. The two devices are PacedBackends of one pace (the CPU backend computes
 * the answers, timers set the speed), so they are equal whatever else loads the test machine.
 *
 * Why it holds (docs/incentives.md): every challenge of a round has the same window, and a miner is
 * credited the work it committed divided by that window, so the two hotkeys are together credited
 * what the device did in one window. The queue splits the window between them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Miner } from '../../miner/miner.js';
import { DeviceQueue } from '../../miner/queue.js';
import { CpuBackend } from '../../miner/backends/cpu.js';
import { createSigner, cryptoReady } from '../../shared/protocol/signing.js';
import { Dendrite } from '../../validator/dendrite.js';
import { forward } from '../../validator/forward.js';
import { parseIncentives } from '../../validator/incentives.js';
import { ValidatorStore } from '../../validator/store/db.js';
import { metagraph, neuron, PacedBackend, pair } from '../miner/fixtures.js';

await cryptoReady();
const validator = pair('//Alice');
const honest = pair('//SoloDevice');
const sharedA = pair('//SharedDeviceA');
const sharedB = pair('//SharedDeviceB');
/** Both devices' throughput, FLOP/s. */
const PACE = 50e6;
// A rare late root on a loaded test machine averages in a zero instead of wiping a score.
const incentives = parseIncentives({ ema: { alpha: 0.3 }, startTflops: PACE / 1e12, challengeSeconds: 2, failure: { noAnswer: 'decay' } });
/**
 * What the pair may earn above the solo device. Each device idles at the end of its window for part of
 * a GEMM (about 1/32 of the window); the pair's second hotkey, measured over the whole window but
 * working half of it, gets GEMMs half the size and idles less. That, and timer noise: measured
 * 1.002–1.033 over six runs.
 */
const NOISE = 0.06;
const ROUNDS = 8;

describe('two hotkeys sharing one device', () => {
  const backends = [new PacedBackend(new CpuBackend({ threads: 1 }), PACE), new PacedBackend(new CpuBackend({ threads: 1 }), PACE)];
  const miners: Miner[] = [];
  let graph = metagraph([]);
  const dendrite = new Dendrite({ signer: createSigner(validator) });
  const store = ValidatorStore.open(':memory:', { netuid: 1, hotkey: validator.address });

  beforeAll(async () => {
    const source = { current: () => graph };
    const [solo, shared] = backends as [PacedBackend, PacedBackend];
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
    const verified = new Map<string, number>();
    for (let round = 1; round <= ROUNDS; round++) {
      const { results } = await forward({ round, block: round, metagraph: graph, self: validator.address, incentives, store, dendrite });
      for (const r of results) verified.set(r.hotkey, (verified.get(r.hotkey) ?? 0) + (r.verdict === 'verified' ? 1 : 0));
    }
    const scores = store.loadScores();
    const solo = scores.get(honest.address)!.score;
    const pair = scores.get(sharedA.address)!.score + scores.get(sharedB.address)!.score;
    for (const key of [honest, sharedA, sharedB]) expect(verified.get(key.address)).toBeGreaterThanOrEqual(ROUNDS - 2);
    expect(pair, `the pair earned ${(pair / solo).toFixed(3)}× the solo device`).toBeLessThanOrEqual(solo * (1 + NOISE));
    // Each hotkey got a share of the device, not one all of it and the other none.
    expect(scores.get(sharedA.address)!.score).toBeGreaterThan(solo * 0.15);
    expect(scores.get(sharedB.address)!.score).toBeGreaterThan(solo * 0.15);
  }, 120_000);
});
