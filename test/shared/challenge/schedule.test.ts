import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BlockClock, challengeSlot, nextSlotOf, orderQueue, slotAt, type ScheduleValidator } from '../../../shared/challenge/schedule.js';

const validators: ScheduleValidator[] = [
  { uid: 7, hotkey: 'v7', validatorPermit: true },
  { uid: 2, hotkey: 'v2', validatorPermit: true },
  { uid: 4, hotkey: 'm4', validatorPermit: false },
  { uid: 9, hotkey: 'v9', validatorPermit: true },
];

describe('slots', () => {
  it('rotate over permitted validators in uid order, slotBlocks blocks each', () => {
    const owners = Array.from({ length: 8 }, (_, s) => slotAt(validators, s * 5 + 2, 5).owner?.hotkey);
    expect(owners).toEqual(['v2', 'v7', 'v9', 'v2', 'v7', 'v9', 'v2', 'v7']);
    expect(slotAt(validators, 12, 5)).toMatchObject({ index: 2, startBlock: 10, endBlock: 15 });
    expect(slotAt([], 12, 5).owner).toBeUndefined();
  });

  it('give exactly one owner per block, whatever the order the metagraph lists them in', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(validators, { minLength: 1 }), fc.nat(10 ** 7), fc.integer({ min: 1, max: 50 }), (list, block, slotBlocks) => {
        const a = slotAt(list, block, slotBlocks).owner;
        const b = slotAt([...list].reverse(), block, slotBlocks).owner;
        expect(a).toEqual(b);
        if (list.some((v) => v.validatorPermit)) expect(list.find((v) => v.hotkey === a?.hotkey)?.validatorPermit).toBe(true);
      }),
    );
  });

  it('tell a validator when its next slot starts', () => {
    expect(nextSlotOf(validators, 'v9', 11, 5)).toMatchObject({ startBlock: 10, owner: { hotkey: 'v9' } });
    expect(nextSlotOf(validators, 'v2', 11, 5)).toMatchObject({ startBlock: 15, owner: { hotkey: 'v2' } });
    expect(nextSlotOf(validators, 'm4', 11, 5)).toBeUndefined();
    fc.assert(
      fc.property(fc.nat(10 ** 6), fc.constantFrom('v2', 'v7', 'v9'), (block, hotkey) => {
        const slot = nextSlotOf(validators, hotkey, block, 5)!;
        expect(slot.owner?.hotkey).toBe(hotkey);
        expect(slot.endBlock).toBeGreaterThan(block);
        expect(slot.startBlock - block).toBeLessThan(15);
      }),
    );
  });
});

describe('orderQueue', () => {
  it('runs the slot owner first, then FIFO; over capacity it turns away the lowest stake', () => {
    const q = [
      { hotkey: 'a', stake: 10, arrivedAt: 1, inSlot: false },
      { hotkey: 'b', stake: 1, arrivedAt: 2, inSlot: false },
      { hotkey: 'c', stake: 5, arrivedAt: 3, inSlot: true },
      { hotkey: 'd', stake: 50, arrivedAt: 4, inSlot: false },
    ];
    expect(orderQueue(q, 10).run.map((x) => x.hotkey)).toEqual(['c', 'a', 'b', 'd']);
    const { run, reject } = orderQueue(q, 3);
    expect(run.map((x) => x.hotkey)).toEqual(['c', 'a', 'd']);
    expect(reject.map((x) => x.hotkey)).toEqual(['b']);
    expect(orderQueue(q, 1).run.map((x) => x.hotkey)).toEqual(['c']);
  });
});

describe('slot holders', () => {
  const neuron = (uid: number, extra: Partial<ScheduleValidator>): ScheduleValidator => ({ uid, hotkey: `n${uid}`, validatorPermit: true, lastUpdate: 10, blockAtRegistration: 10, ...extra });

  it('exclude a miner that earned a permit: it serves an axon and never sets weights', () => {
    const neurons = [neuron(1, {}), neuron(2, { axon: { port: 8091 } }), neuron(3, { lastUpdate: 50, axon: { port: 8092 } })];
    const owners = new Set(Array.from({ length: 12 }, (_, s) => slotAt(neurons, s * 5, 5).owner?.hotkey));
    // n1 serves no axon (a validator before its first weights), n3 serves one but sets weights.
    expect(owners).toEqual(new Set(['n1', 'n3']));
    expect(nextSlotOf(neurons, 'n2', 0, 5)).toBeUndefined();
  });

  it('still need a permit', () => {
    expect(slotAt([neuron(1, { validatorPermit: false })], 0, 5).owner).toBeUndefined();
  });
});

describe('challengeSlot', () => {
  // Slots of 5 blocks: v9 owns 10–14, v2 15–19, v7 20–24.
  it('is the sender\'s slot when it owns the current one, or the next one (its view a block ahead)', () => {
    expect(challengeSlot(validators, 'v9', 12, 5)).toMatchObject({ index: 2, endBlock: 15, own: true });
    expect(challengeSlot(validators, 'v2', 14, 5)).toMatchObject({ index: 3, endBlock: 20, own: true });
  });
  it('is the current slot for a challenge out of turn', () => {
    expect(challengeSlot(validators, 'v2', 12, 5)).toMatchObject({ index: 2, endBlock: 15, own: false });
    expect(challengeSlot(validators, 'v9', 15, 5)).toMatchObject({ index: 3, own: false });
  });
});

describe('BlockClock', () => {
  it('measures the block time from arrivals, as the median, and says when a later block is due', () => {
    const clock = new BlockClock();
    expect(clock.observe(100, 0)).toBe(true);
    expect(clock.observe(100, 5)).toBe(false);
    expect(clock.observe(101, 12_000)).toBe(true);
    // One gap is not a measurement.
    expect(clock.msPerBlock()).toBeUndefined();
    expect(clock.msUntil(105, 12_000)).toBeUndefined();
    clock.observe(102, 24_500);
    clock.observe(103, 36_000);
    // A late block moves it little; a gap of two blocks counts as its average.
    clock.observe(104, 60_000);
    clock.observe(106, 84_000);
    expect(clock.msPerBlock()).toBe(12_000);
    expect(clock.msPerBlock('longest')).toBe(24_000);
    expect(clock.last).toEqual({ block: 106, at: 84_000 });
    expect(clock.msUntil(110, 90_000)).toBe(84_000 + 4 * 12_000 - 90_000);
    expect(clock.msUntil(110, 90_000, 6_000)).toBe(84_000 + 4 * 6_000 - 90_000);
    expect(clock.msUntil(106, 90_000)).toBeLessThan(0);
    // Block 107 is overdue: the chain has not moved on, so the blocks after it still take their time.
    expect(clock.msUntil(110, 200_000)).toBe(3 * 12_000);
  });
  it('is not shortened by a burst of blocks when asked for the longest', () => {
    const clock = new BlockClock();
    for (let b = 0; b < 5; b++) clock.observe(b, b * 12_000);
    for (let b = 5; b < 15; b++) clock.observe(b, 48_000 + (b - 4) * 5);
    expect(clock.msPerBlock()).toBeLessThan(10);
    expect(clock.msPerBlock('longest')).toBe(12_000);
  });
  it('keeps only recent arrivals', () => {
    const clock = new BlockClock();
    for (let b = 0; b < 40; b++) clock.observe(b, b * (b < 20 ? 1_000 : 250));
    expect(clock.msPerBlock()).toBe(250);
  });
});
