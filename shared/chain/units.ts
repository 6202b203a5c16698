/**
 * TAO amounts: the chain counts rao (1 TAO = 10^9 rao) as u64; people type and read TAO.
 */
import { UsageError } from '../errors.js';

export const RAO_PER_TAO = 1_000_000_000n;

/** Parses "1.5" / "0.000000001" / "10" TAO into rao, exactly (no float rounding). */
export function taoToRao(text: string | number): bigint {
  const s = String(text).trim();
  const m = /^(\d+)(?:\.(\d{0,9}))?$/.exec(s);
  if (!m) {
    throw new UsageError(`"${s}" is not an amount of TAO`, { code: 'E_AMOUNT', hint: 'give a non-negative decimal with at most 9 decimals, e.g. 1.5' });
  }
  return BigInt(m[1]!) * RAO_PER_TAO + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}

/** rao → "1.500000000 τ"-style text without float rounding; `digits` trims the fraction. */
export function formatTao(rao: bigint, digits = 9): string {
  const neg = rao < 0n;
  const v = neg ? -rao : rao;
  const whole = v / RAO_PER_TAO;
  const frac = (v % RAO_PER_TAO).toString().padStart(9, '0').slice(0, digits);
  return `${neg ? '-' : ''}${whole}${digits > 0 ? '.' + frac : ''}`;
}
