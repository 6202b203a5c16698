/**
 * What registering `hotkey` on a subnet will cost `coldkey` now, and how it splits into burned TAO and
 * locked collateral (collateral.ts). Reads Burn, and where the runtime has them CollateralLockShare,
 * MinerCollateral((netuid, hotkey, coldkey)) and the subnet's price (SubnetMovingPrice, else the pool's
 * spot price SubnetTAO / SubnetAlphaIn).
 */
import type { Codec } from '@polkadot/types/types';
import { SubnetNotFoundError } from '../errors.js';
import { registrationCost, type RegistrationCost } from '../collateral.js';
import { storageEntry } from '../storage.js';
import type { ChainContext } from '../context.js';
import { subnetExists } from './getMetagraph.js';
import { field } from '../runtime-api.js';

export interface GetRegistrationCostParameters {
  netuid: number;
  hotkey: string;
  coldkey: string;
}

const big = (c: Codec | undefined): bigint => (c ? BigInt(c.toString()) : 0n);

export async function getRegistrationCost(ctx: ChainContext, { netuid, hotkey, coldkey }: GetRegistrationCostParameters): Promise<RegistrationCost> {
  if (!(await subnetExists(ctx, netuid))) throw new SubnetNotFoundError(netuid, ctx.endpoint);
  const entry = (item: string) => storageEntry(ctx, 'SubtensorModule', item);
  const read = async (item: string, ...keys: unknown[]): Promise<Codec | undefined> => {
    const e = entry(item);
    return e ? e(...keys) : undefined;
  };
  const burn = big(await read('Burn', netuid));
  const share = await read('CollateralLockShare', netuid);
  if (share === undefined) return registrationCost({ burn });
  const [standing, moving, tao, alphaIn] = await Promise.all([
    read('MinerCollateral', netuid, hotkey, coldkey),
    read('SubnetMovingPrice', netuid),
    read('SubnetTAO', netuid),
    read('SubnetAlphaIn', netuid),
  ]);
  const state = standing as unknown as { isSome?: boolean; unwrap(): Codec } | undefined;
  const locked = state?.isSome ? big(field(state.unwrap(), 'locked')) : 0n;
  // SubnetMovingPrice is I96F32 (bits / 2^32); the spot price is the pool's ratio.
  const priceBits = moving ? big(field(moving, 'bits') ?? moving) << 32n : big(alphaIn) === 0n ? 0n : (big(tao) << 64n) / big(alphaIn);
  return registrationCost({ burn, lockShare: Number(share.toString()), standingAlpha: locked, alphaPriceBits: priceBits });
}
