/**
 * Answering the round-trip probe slowly gains nothing measurable (issue 13, finding 4). The validator
 * subtracts the measured round trip from a root's time; a miner that holds its answer to the probe and
 * works that much longer used to be credited up to 1/0.9 of an equal honest device (measured 1.131×).
 * Two real miners on PacedBackend devices of one pace, challenged together round after round through
 * forward(): one honest, one that delays its probe answers by DELAY_MS and, knowing the validator's
 * rule, works as much longer as the validator forgives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputeBackend, ExecuteOptions } from '../../miner/backends/backend.js';
import { CpuBackend } from '../../miner/backends/cpu.js';
import { Miner } from '../../miner/miner.js';
import type { Challenge } from '../../shared/challenge/types.js';
import type { Op, RequestBody } from '../../shared/protocol/messages.js';
import { createSigner, cryptoReady } from '../../shared/protocol/signing.js';
import { Dendrite, type AxonTarget, type CallOptions, type CallResult } from '../../validator/dendrite.js';
import { forward } from '../../validator/forward.js';
import { parseIncentives } from '../../validator/incentives.js';
import { measuredSeconds } from '../../validator/round.js';
import { ValidatorStore } from '../../validator/store/db.js';
import { metagraph, neuron, PacedBackend, pair } from '../miner/fixtures.js';

await cryptoReady();
const validator = pair('//Alice');
const honest = pair('//HonestProbe');
const delayer = pair('//SlowProbe');

const WINDOW_MS = 2_000;
const DELAY_MS = 100;
/**
 * Both devices' pace, 86.3 ms a GEMM (sizing's smallest, 2·128³ FLOPs), and the time they keep for
 * what follows the last GEMM, 165 ms: an honest miner aiming 150 ms before the end of a 2 s window
 * commits 19 GEMMs and would have to stop 41 ms later to fit a 20th (20 · 86.3 + 165 = 1891 > 1850),
 * so timer noise does not change the count, and only more time does.
 */
const PACE = (2 * 128 ** 3) / 0.0863;
const FINISH_MS = 165;
const ROUNDS = 6;
const incentives = parseIncentives({ startTflops: PACE / 1e12, challengeSeconds: WINDOW_MS / 1000, failure: { noAnswer: 'decay' } });
/** What the validator forgives a miner whose probe answer came DELAY_MS late: the delayer works that much longer. */
const FORGIVEN_MS = WINDOW_MS + DELAY_MS - measuredSeconds(WINDOW_MS + DELAY_MS, DELAY_MS, WINDOW_MS) * 1000;

/** The delayer's device: the same pace, and it keeps computing FORGIVEN_MS past where the honest one stops. */
class Overtime implements ComputeBackend {
  readonly kind = 'cpu' as const;
  constructor(private readonly device: PacedBackend) {}
  describe = () => this.device.describe();
  start = () => this.device.start();
  execute(c: Challenge, o: ExecuteOptions = {}) {
    const stopAt = o.stopAt;
    return this.device.execute(c, { ...o, ...(stopAt ? { stopAt: () => stopAt() + FORGIVEN_MS } : {}) });
  }
  open: ComputeBackend['open'] = (id, rows) => this.device.open(id, rows);
  release = (id: string) => this.device.release(id);
  close = () => this.device.close();
}

describe('a miner that answers the probe slowly', () => {
  const devices = [0, 1].map(() => new PacedBackend(new CpuBackend({ threads: 1 }), PACE, { finishMs: FINISH_MS })) as [PacedBackend, PacedBackend];
  const miners: Miner[] = [];
  const dendrite = new Dendrite({ signer: createSigner(validator) });
  const store = ValidatorStore.open(':memory:', { netuid: 1, hotkey: validator.address });
  let graph = metagraph([]);
  /** The network, as the validator measures it: the delayer's answers to the probe come DELAY_MS late. */
  const network = {
    forward: async <O extends Op>(targets: readonly AxonTarget[], op: O, body: RequestBody<O> | ((t: AxonTarget) => RequestBody<O>), options?: CallOptions): Promise<Array<CallResult<O>>> => {
      const results = await dendrite.forward(targets, op, body, options);
      if (op !== 'ping') return results;
      return results.map((r) => (r.ok && r.target.hotkey === delayer.address ? { ...r, elapsedMs: r.elapsedMs + DELAY_MS } : r));
    },
  };

  beforeAll(async () => {
    const source = { current: () => graph };
    for (const [key, backend] of [[honest, devices[0]], [delayer, new Overtime(devices[1])]] as const) {
      miners.push(await Miner.start({ signer: createSigner(key), backend, metagraph: source, host: '127.0.0.1', port: 0 }));
    }
    const axon = (port: number) => ({ block: 1, version: 0, ip: '127.0.0.1', port, ipType: 4 as const, protocol: 4 });
    graph = metagraph([neuron(0, validator.address, { validatorPermit: true, stake: 1_000n }), ...miners.map((m, i) => neuron(i + 1, m.hotkey, { axon: axon(m.port) }))]);
  });
  afterAll(async () => {
    dendrite.close();
    store.close();
    for (const m of miners) await m.close();
    for (const d of devices) await d.close();
  });

  it('earns no more than 1 % above an equal honest miner', async () => {
    const credited = { honest: 0, delayer: 0 };
    const log: string[] = [];
    // Round 0 only warms up: each device measures its pace before its first GEMM.
    for (let round = 0; round <= ROUNDS; round++) {
      // The same shapes for both: any difference is what the delay bought.
      const { results } = await forward({ round, block: round, metagraph: graph, self: validator.address, incentives, store, dendrite: network, random: { unit: () => 0.5 } });
      const [h, d] = [honest, delayer].map((k) => results.find((r) => r.hotkey === k.address)!);
      log.push(`${h!.verdict === 'verified' ? h!.gemms : h!.reason}/${d!.verdict === 'verified' ? d!.gemms : d!.reason}`);
      // A root the loaded test machine made late says nothing about the delay: compare rounds both verified.
      if (round === 0 || h!.verdict !== 'verified' || d!.verdict !== 'verified') continue;
      credited.honest += h!.tflops;
      credited.delayer += d!.tflops;
    }
    const ratio = credited.delayer / credited.honest;
    const detail = `${ratio.toFixed(3)}× with ${FORGIVEN_MS} ms forgiven; GEMMs honest/delayer by round: ${log.join(' ')}`;
    expect(credited.honest, detail).toBeGreaterThan(0);
    expect(ratio, detail).toBeLessThanOrEqual(1.01);
  }, 120_000);
});
