/**
 * What a registration costs on runtimes with miner collateral (spec ≥ 435, subtensor
 * `subnets/collateral.rs`): the subnet's `CollateralLockShare` p (65535 = 100 %) splits the price into a
 * burned part, (1 − p)·Burn, and a collateral requirement, p·Burn, staked to the hotkey and locked. A
 * (hotkey, coldkey) that already has collateral standing on the subnet pays only what its value (at
 * the subnet's alpha price) leaves short of the requirement. Without collateral, all of Burn is burned.
 */
export interface RegistrationCostInput {
  /** `Burn[netuid]`, rao. */
  burn: bigint;
  /** `CollateralLockShare[netuid]`, u16; undefined on runtimes without collateral. */
  lockShare?: number;
  /** Alpha already locked for this (hotkey, coldkey) on the subnet. */
  standingAlpha?: bigint;
  /** The subnet's alpha price as U64F64 bits (TAO per alpha × 2^64); values the standing lock. */
  alphaPriceBits?: bigint;
}

export interface RegistrationCost {
  /** TAO that is burned, rao. */
  burned: bigint;
  /** TAO turned into alpha staked to the hotkey and locked as collateral, rao. */
  locked: bigint;
  /** What the coldkey pays: burned + locked, rao (at most Burn). */
  total: bigint;
  /** p·Burn, rao, before crediting standing collateral. */
  requirement: bigint;
  /** Value of the collateral already standing, rao. */
  standing: bigint;
  /** Whether this runtime has collateral at all. */
  collateral: boolean;
}

export function registrationCost(input: RegistrationCostInput): RegistrationCost {
  const { burn } = input;
  if (input.lockShare === undefined || input.lockShare === 0) {
    return { burned: burn, locked: 0n, total: burn, requirement: 0n, standing: 0n, collateral: input.lockShare !== undefined };
  }
  const requirement = (burn * BigInt(input.lockShare)) / 65535n;
  const standing = ((input.standingAlpha ?? 0n) * (input.alphaPriceBits ?? 0n)) >> 64n;
  const locked = requirement > standing ? requirement - standing : 0n;
  const burned = burn - requirement;
  return { burned, locked, total: burned + locked, requirement, standing, collateral: true };
}
