import { describe, expect, it } from 'vitest';
import { planRound } from '../../validator/scheduler.js';
import { metagraph, neuron } from '../miner/fixtures.js';

const graph = metagraph([
  neuron(0, 'v0', { validatorPermit: true }),
  neuron(1, 'miner'),
  neuron(2, 'v2', { validatorPermit: true }),
  neuron(3, 'nopermit'),
]);

describe('planRound', () => {
  it('runs once in each slot this validator owns, and waits through the others', () => {
    // Permitted validators in uid order: v0 owns even slots, v2 odd ones (slots of 5 blocks).
    expect(planRound({ metagraph: graph, hotkey: 'v0', block: 10, slotBlocks: 5, lastSlot: undefined })).toMatchObject({ run: true, slot: { index: 2, startBlock: 10, endBlock: 15 } });
    expect(planRound({ metagraph: graph, hotkey: 'v0', block: 12, slotBlocks: 5, lastSlot: 2 })).toEqual({ run: false, reason: "this slot's round is done", nextBlock: 20 });
    expect(planRound({ metagraph: graph, hotkey: 'v0', block: 15, slotBlocks: 5, lastSlot: 2 })).toMatchObject({ run: false, nextBlock: 20 });
    expect(planRound({ metagraph: graph, hotkey: 'v2', block: 15, slotBlocks: 5, lastSlot: undefined })).toMatchObject({ run: true, slot: { index: 3 } });
  });

  it('never runs without a validator permit or a registration', () => {
    expect(planRound({ metagraph: graph, hotkey: 'nopermit', block: 10, slotBlocks: 5, lastSlot: undefined })).toMatchObject({ run: false, reason: expect.stringContaining('no validator permit') });
    expect(planRound({ metagraph: graph, hotkey: 'stranger', block: 10, slotBlocks: 5, lastSlot: undefined })).toMatchObject({ run: false, reason: expect.stringContaining('not registered') });
  });

  it('gives a lone validator every slot', () => {
    const lone = metagraph([neuron(0, 'v0', { validatorPermit: true }), neuron(1, 'miner')]);
    for (let block = 0; block < 20; block++) expect(planRound({ metagraph: lone, hotkey: 'v0', block, slotBlocks: 1, lastSlot: block - 1 }).run).toBe(true);
  });
});
