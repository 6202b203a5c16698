/**
 * The subnet pool: TAO ⇄ alpha swaps against a subnet's reserves (SubnetTAO, SubnetAlphaIn), as
 * subtensor spec 425's Swap pallet does them (`pallets/swap/src/pallet/{impls,swap_step,balancer}.rs`)
 * with the balancer at its initial equal weights, i.e. a constant-product pool: the fee (FeeRate 33/65535,
 * ≈0.05 %, taken from the input and burned when there is no block author) comes off first, then
 * out = reserveOut × in / (reserveIn + in), floored. The root subnet (mechanism 0) is a stable 1:1 pool
 * without fee. Prices are U64F64 bits (TAO per alpha × 2^64).
 */
import type { State, StateReader } from '../../runtime/storage.js';
import type { SubtensorStorage } from './storage.js';

/** `DefaultFeeRate`: 33/65535 of each swap's input. */
export const SWAP_FEE_RATE = 33n;
const ONE = 1n << 64n;

export interface SwapResult {
  /** What went into the reserve, after the fee. */
  paidIn: bigint;
  paidOut: bigint;
  fee: bigint;
}

function isStable(s: SubtensorStorage, st: StateReader, netuid: number): boolean {
  return s.SubnetMechanism.get(st, netuid) !== 1;
}

/** `current_alpha_price`: TAO reserve / alpha reserve as U64F64 bits; 0 for an empty pool, 1 for a stable one. */
export function alphaPrice(s: SubtensorStorage, st: StateReader, netuid: number): bigint {
  if (isStable(s, st, netuid)) return ONE;
  const alphaIn = s.SubnetAlphaIn.get(st, netuid);
  return alphaIn === 0n ? 0n : (s.SubnetTAO.get(st, netuid) * ONE) / alphaIn;
}

/** `get_median_subnet_alpha_price`: the median of the positive prices of the non-root subnets; 1 when none. */
export function medianAlphaPrice(s: SubtensorStorage, st: StateReader, netuids: number[]): bigint {
  const prices = netuids.map((n) => alphaPrice(s, st, n)).filter((p) => p > 0n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (prices.length === 0) return ONE;
  const mid = prices.length >> 1;
  return prices.length % 2 === 1 ? prices[mid]! : (prices[mid - 1]! + prices[mid]!) / 2n;
}

function fee(amount: bigint): bigint {
  return (amount * SWAP_FEE_RATE) / 65535n;
}

/**
 * One swap of `amount` into the pool: TAO for alpha (add_stake) or alpha for TAO (remove_stake). Null
 * when the pool would pay out nothing or all it holds.
 */
function swap(s: SubtensorStorage, st: State, netuid: number, amount: bigint, give: 'tao' | 'alpha'): SwapResult | null {
  if (isStable(s, st, netuid)) return { paidIn: amount, paidOut: amount, fee: 0n };
  const [inItem, outItem] = give === 'tao' ? [s.SubnetTAO, s.SubnetAlphaIn] : [s.SubnetAlphaIn, s.SubnetTAO];
  const f = fee(amount);
  const paidIn = amount - f;
  const reserveIn = inItem.get(st, netuid);
  const reserveOut = outItem.get(st, netuid);
  const paidOut = (reserveOut * paidIn) / (reserveIn + paidIn);
  if (paidOut === 0n || paidOut >= reserveOut) return null;
  inItem.set(st, netuid, reserveIn + paidIn);
  outItem.set(st, netuid, reserveOut - paidOut);
  return { paidIn, paidOut, fee: f };
}

export const swapTaoForAlpha = (s: SubtensorStorage, st: State, netuid: number, tao: bigint): SwapResult | null => swap(s, st, netuid, tao, 'tao');
export const swapAlphaForTao = (s: SubtensorStorage, st: State, netuid: number, alpha: bigint): SwapResult | null => swap(s, st, netuid, alpha, 'alpha');
