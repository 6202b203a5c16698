import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTao, taoToRao } from '../../../shared/chain/units.js';

describe('TAO amounts', () => {
  it('parses decimal TAO into exact rao', () => {
    expect(taoToRao('12.5')).toBe(12_500_000_000n);
    expect(taoToRao('0.000000001')).toBe(1n);
    expect(taoToRao(3)).toBe(3_000_000_000n);
    expect(taoToRao('18446744073.709551615')).toBe(18_446_744_073_709_551_615n); // u64::MAX rao, no float rounding
  });

  it('refuses what is not a non-negative amount with at most 9 decimals', () => {
    for (const bad of ['1.2.3', '-1', '1e3', '0.0000000001', '', 'ten']) expect(() => taoToRao(bad), bad).toThrow(/is not an amount of TAO/);
  });

  it('formats rao as TAO and round-trips', () => {
    expect(formatTao(1_500_000_000n)).toBe('1.500000000');
    expect(formatTao(1_234_567_890n, 4)).toBe('1.2345');
    expect(formatTao(5n, 0)).toBe('0');
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (rao) => taoToRao(formatTao(rao)) === rao));
  });
});
