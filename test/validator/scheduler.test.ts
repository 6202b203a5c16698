import { describe, expect, it } from 'vitest';
import { planRound } from '../../validator/scheduler.js';
import { metagraph, neuron } from '../miner/fixtures.js';

const graph = metagraph([
  neuron(0, 'v0', { validatorPermit: true }),
  neuron(1, 'miner'),
  neuron(2, 'v2', { validatorPermit: true }),
  neuron(3, 'nopermit'),
]);

/** A round of 26 s (the default config's) and a slot with a minute left. */
const roomy = { budgetMs: 26_000, msUntil: () => 60_000 };

describe('planRound', () => {
  it('runs once in each slot this validator owns, and waits through the others', () => {
    // Permitted validators in uid order: v0 owns even slots, v2 odd ones (slots of 5 blocks).
    expect(planRound({ metagraph: graph, hotkey: 'v0', block: 10, slotBlocks: 5, lastSlot: undefined, ...roomy })).toMatchObject({ run: true, slot: { index: 2, startBlock: 10, endBlock: 15 } });
    expect(planRound({ metagraph: graph, hotkey: 'v0', block: 12, slotBlocks: 5, lastSlot: 2, ...roomy })).toMatchObject({ run: false, cause: 'done', reason: "this slot's round is done", nextBlock: 20 });
    expect(planRound({ metagraph: graph, hotkey: 'v0', block: 15, slotBlocks: 5, lastSlot: 2, ...roomy })).toMatchObject({ run: false, nextBlock: 20 });
    expect(planRound({ metagraph: graph, hotkey: 'v2', block: 15, slotBlocks: 5, lastSlot: undefined, ...roomy })).toMatchObject({ run: true, slot: { index: 3 } });
  });

  it('never runs without a validator permit or a registration', () => {
    expect(planRound({ metagraph: graph, hotkey: 'nopermit', block: 10, slotBlocks: 5, lastSlot: undefined, ...roomy })).toMatchObject({ run: false, reason: expect.stringContaining('no validator permit') });
    expect(planRound({ metagraph: graph, hotkey: 'stranger', block: 10, slotBlocks: 5, lastSlot: undefined, ...roomy })).toMatchObject({ run: false, reason: expect.stringContaining('not registered') });
  });

  it('starts a round only when the probes, the window and the openings fit before the slot ends', () => {
    // Slot 2 is blocks 10–14, v0's; 12 s blocks, the last one arrived at `now`.
    const at = (block: number, sinceMs = 0) => ({ metagraph: graph, hotkey: 'v0', block, slotBlocks: 5, lastSlot: undefined, budgetMs: 26_000, msUntil: (end: number) => (end - block) * 12_000 - sinceMs });
    expect(planRound(at(10)).run).toBe(true);
    expect(planRound(at(12)).run).toBe(true); // 36 s left
    expect(planRound(at(12, 11_000))).toMatchObject({ run: false, cause: 'no_room', reason: expect.stringContaining('25.0 s left; a round may take 26.0 s'), nextBlock: 20 });
    expect(planRound(at(14)).run).toBe(false);
    // Not before the block time is known.
    expect(planRound({ ...at(10), msUntil: () => undefined })).toMatchObject({ run: false, cause: 'measuring', reason: expect.stringContaining('block time'), nextBlock: 11 });
  });

  it('gives a lone validator every slot', () => {
    const lone = metagraph([neuron(0, 'v0', { validatorPermit: true }), neuron(1, 'miner')]);
    for (let block = 0; block < 20; block++) expect(planRound({ metagraph: lone, hotkey: 'v0', block, slotBlocks: 1, lastSlot: block - 1, ...roomy }).run).toBe(true);
  });
});
