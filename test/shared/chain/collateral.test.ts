import { describe, expect, it } from 'vitest';
import { registrationCost } from '../../../shared/chain/collateral.js';

const TAO = 1_000_000_000n;
const ONE = 1n << 64n;

describe('registrationCost (spec ≥ 435 miner collateral)', () => {
  it('burns the whole price where the runtime or the subnet has no collateral', () => {
    expect(registrationCost({ burn: 2n * TAO })).toEqual({ burned: 2n * TAO, locked: 0n, total: 2n * TAO, requirement: 0n, standing: 0n, collateral: false });
    expect(registrationCost({ burn: 2n * TAO, lockShare: 0 })).toMatchObject({ burned: 2n * TAO, locked: 0n, collateral: true });
  });

  it('splits at the lock share: (1 − p) burned, p locked', () => {
    // 32768/65535 of 2 TAO, floored as the chain's U64F64 product is.
    expect(registrationCost({ burn: 2n * TAO, lockShare: 32768 })).toEqual({ burned: 999_984_741n, locked: 1_000_015_259n, total: 2n * TAO, requirement: 1_000_015_259n, standing: 0n, collateral: true });
  });

  it('credits collateral already standing for (hotkey, coldkey) at the alpha price: a returning miner pays only the shortfall', () => {
    const half = registrationCost({ burn: 2n * TAO, lockShare: 32768, standingAlpha: 800_000_000n, alphaPriceBits: ONE / 2n });
    expect(half).toMatchObject({ standing: 400_000_000n, locked: 600_015_259n, burned: 999_984_741n, total: 1_600_000_000n });
    const covered = registrationCost({ burn: 2n * TAO, lockShare: 32768, standingAlpha: 5n * TAO, alphaPriceBits: ONE });
    expect(covered).toMatchObject({ locked: 0n, total: 999_984_741n });
  });
});
