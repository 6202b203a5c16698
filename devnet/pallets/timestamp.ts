/**
 * pallet_timestamp (index 2): `Now` in milliseconds and the `MinimumPeriod` constant (half the slot), as
 * on subtensor. The devnet's clock is a chain clock: the first block takes the wall clock, every later
 * block adds one slot (the block time). Blocks built on demand (instant / manual modes) thus still read
 * as evenly spaced, so a client that turns blocks into time (the drand reveal round) sees the same
 * arithmetic as on a node, and tests that step blocks by hand need no real waiting.
 */
import { Pallet, type RuntimeTypes } from '../runtime/pallet.js';

export function timestampPallet(rt: RuntimeTypes, slotMs: number) {
  const p = new Pallet(rt, 'Timestamp', 2, ['pallet_timestamp', 'pallet']);
  const { c } = p;
  const Now = p.value<bigint>('Now', c.u64, 0n);
  p.constant('MinimumPeriod', c.u64, BigInt(Math.floor(slotMs / 2)), ['The minimum period between blocks: half the slot duration.']);
  p.hooks.onInitialize = (ctx) => {
    const previous = Now.get(ctx.state);
    Now.set(ctx.state, previous === 0n ? BigInt(ctx.inherents.now) : previous + BigInt(slotMs));
  };
  return { pallet: p, Now };
}

export type TimestampPallet = ReturnType<typeof timestampPallet>;
