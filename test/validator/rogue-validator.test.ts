/**
 * A permitted validator that breaks the schedule cannot deny a miner to the next slot's owner
 * (issue 13, finding 2). A real Miner on a PacedBackend device, the rogue's requests from a real
 * Dendrite, the next owner's rounds through forward(); the chain's blocks are made by the test, one
 * slot per block: the rogue (uid 0) owns the even blocks, the next owner (uid 1) the odd ones.
 *
 * Each attack is one the review measured against 999a032, where it zeroed the next owner's rounds:
 * a window in the rogue's own slot far longer than the slot (4/4), one uninterruptible GEMM longer
 * than the window sent out of turn (2/4), device memory filled with results never opened (3/3).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Miner } from '../../miner/miner.js';
import { CpuBackend } from '../../miner/backends/cpu.js';
import { createSigner, cryptoReady } from '../../shared/protocol/signing.js';
import { Dendrite, type AxonTarget } from '../../validator/dendrite.js';
import { forward } from '../../validator/forward.js';
import { parseIncentives } from '../../validator/incentives.js';
import { ValidatorStore } from '../../validator/store/db.js';
import { challenge, metagraph, neuron, PacedBackend, pair, TestChain } from '../miner/fixtures.js';

await cryptoReady();
const rogue = pair('//Rogue');
const owner = pair('//NextOwner');
const victim = pair('//Victim');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A block a second, two blocks a slot: the rogue (uid 0) owns the slots starting at blocks
 * 100 + 4i, the next owner (uid 1) those starting at 102 + 4i. The miner measures the block time
 * from the third block on.
 */
const BLOCK_MS = 1_000;
const SLOT_BLOCKS = 2;
const rogueSlot = (i: number) => 100 + 4 * i;
const ownerSlot = (i: number) => 102 + 4 * i;

/** The next owner's rounds: a 1 s window, GEMMs sized for the device's pace. */
const incentives = (pace: number) =>
  parseIncentives({ startTflops: pace / 1e12, challengeSeconds: 1, slotBlocks: SLOT_BLOCKS, timeouts: { probeMs: 1_000, openingsMs: 2_000 }, failure: { noAnswer: 'decay' } });

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function subnet(pace: number, memoryBytes?: number) {
  const graph = metagraph([
    neuron(0, rogue.address, { validatorPermit: true, stake: 1_000n }),
    neuron(1, owner.address, { validatorPermit: true, stake: 1_000n }),
    neuron(2, victim.address),
  ]);
  const chain = new TestChain(graph, 100);
  const backend = new PacedBackend(new CpuBackend({ threads: 1 }), pace, memoryBytes === undefined ? {} : { memoryBytes });
  const miner = await Miner.start({ signer: createSigner(victim), backend, metagraph: chain.source, slotBlocks: SLOT_BLOCKS, host: '127.0.0.1', port: 0 });
  graph.neurons[2]!.axon = { block: 1, version: 0, ip: '127.0.0.1', port: miner.port, ipType: 4, protocol: 4 };
  const rogueDendrite = new Dendrite({ signer: createSigner(rogue) });
  const ownerDendrite = new Dendrite({ signer: createSigner(owner) });
  const store = ValidatorStore.open(':memory:', { netuid: 1, hotkey: owner.address });
  open.push(backend, miner, rogueDendrite, ownerDendrite, store, chain);
  chain.tick(BLOCK_MS);
  const target: AxonTarget = { hotkey: victim.address, ip: '127.0.0.1', port: miner.port };
  let round = 0;
  /** The next owner's round, at the start of its own slot. */
  const ownerRound = async () => {
    const { results } = await forward({ round: ++round, block: chain.block, metagraph: graph, self: owner.address, incentives: incentives(pace), store, dendrite: ownerDendrite, ownsSlot: () => true });
    return results[0]!;
  };
  return { chain, backend, miner, rogueDendrite, target, ownerRound };
}

/** `promise`, or 'still running' after `ms`. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'still running'> => Promise.race([promise, sleep(ms).then(() => 'still running' as const)]);

describe('a rogue validator against the next slot owner', () => {
  it('a window far longer than its slot: stopped at the boundary, then, once the miner knows the block time, refused', async () => {
    const { chain, rogueDendrite, target, ownerRound } = await subnet(50e6);
    // 1024 GEMMs of 84 ms and a 10-minute window, in its own slot: it would hold the device 86 s.
    const long = () => rogueDendrite.challenge(target, challenge({ m: 1024, n: 128, k: 128, deadlineMs: 600_000 }));
    // Block 100: the miner has not yet seen a block arrive, so it cannot tell when the slot ends.
    const first = long();
    await chain.reach(ownerSlot(0));
    // The boundary stops it after the GEMM in progress, before the next owner has asked for anything.
    const stopped = await within(first, 1_000);
    if (stopped === 'still running') expect.fail('the challenge still runs after its slot ended');
    expect(stopped.ok && stopped.value.gemms).toBeGreaterThan(10);
    const result = await ownerRound();
    expect(result, `${result.reason} ${result.detail ?? ''}`).toMatchObject({ verdict: 'verified' });

    await chain.reach(rogueSlot(1));
    const refused = await long();
    expect(!refused.ok && refused.code).toBe('E_WINDOW_PAST_SLOT');
    expect(!refused.ok && refused.signed).toBe(true);
    await chain.reach(ownerSlot(1));
    const next = await ownerRound();
    expect(next, `${next.reason} ${next.detail ?? ''}`).toMatchObject({ verdict: 'verified' });
  }, 60_000);

  it('one GEMM longer than the window, sent out of turn, is refused: the next owner verifies every round', async () => {
    const { chain, rogueDendrite, target, ownerRound } = await subnet(50e6);
    for (let i = 0; i < 3; i++) {
      await chain.reach(ownerSlot(i));
      // One GEMM of 2·2048³ FLOPs is 343 s on this device: nothing could interrupt it.
      const huge = rogueDendrite.challenge(target, challenge({ m: 1, n: 2048, k: 2048, deadlineMs: 1_500 }));
      await sleep(20);
      const result = await ownerRound();
      expect(result, `round ${i + 1}: ${result.reason} ${result.detail ?? ''}`).toMatchObject({ verdict: 'verified' });
      const refused = await huge;
      expect(!refused.ok && refused.code).toBe('E_GEMM_TOO_LONG');
      expect(!refused.ok && refused.signed).toBe(true);
    }
  }, 60_000);

  it('results never opened are freed at the slot boundary, or when the owner\'s challenge starts: the next owner verifies every round', async () => {
    // 1.5 MiB of device memory: 24 results of a 128² GEMM (42 ms each); the owner's 1 s window needs about 18.
    const memory = 1.5 * 1024 * 1024;
    const { chain, backend, miner, rogueDendrite, target, ownerRound } = await subnet(100e6, memory);
    for (const [i, when] of (['after the fill', 'during the fill', 'after the fill'] as const).entries()) {
      await chain.reach(rogueSlot(i));
      // Cheap results, as many as fit, and no openings ever.
      const fill = (deadlineMs: number) => rogueDendrite.challenge(target, challenge({ m: 256, n: 128, k: 128, deadlineMs }));
      if (when === 'after the fill') {
        const filled = await fill(1_900);
        expect(filled.ok, filled.ok ? '' : `${filled.code}: ${filled.message}`).toBe(true);
        // Nearly full: what is left holds at most 4 of the owner's results.
        expect(backend.heldBytes).toBeGreaterThanOrEqual(memory - 4 * 128 * 128 * 4);
      } else {
        // Started late in its slot, so the boundary stops it: it commits after it, in the owner's slot.
        await chain.reach(rogueSlot(i) + 1);
        const filling = fill(1_200);
        await chain.reach(ownerSlot(i));
        expect((await filling).ok).toBe(true);
      }
      await chain.reach(ownerSlot(i));
      const result = await ownerRound();
      expect(result, `${when}: ${result.reason} ${result.detail ?? ''}`).toMatchObject({ verdict: 'verified' });
      expect(result.gemms).toBeGreaterThan(12);
      expect(miner.stats().held).toBe(0);
    }
  }, 60_000);
});
