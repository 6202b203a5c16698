/**
 * What a subnet is: owner, size, tempo, registration cost and state, from storage (items this runtime
 * lacks are left undefined). `listSubnets` gives the netuids that exist.
 */
import { encodeAddress } from '@polkadot/util-crypto';
import type { Codec } from '@polkadot/types/types';
import { SubnetNotFoundError } from '../errors.js';
import { SS58_PREFIX } from '../../wallet/keypair.js';
import { requireStorage, storageEntry } from '../storage.js';
import type { ChainContext } from '../context.js';
import { subnetExists } from './getMetagraph.js';

export interface SubnetInfo {
  netuid: number;
  owner?: string;
  ownerHotkey?: string;
  /** Registered uids. */
  n: number;
  maxUids?: number;
  tempo?: number;
  /** Registration cost, rao. */
  burn?: bigint;
  registrationAllowed?: boolean;
  /** start_call has run (emission and staking on). */
  started?: boolean;
  firstEmissionBlock?: number;
  commitReveal?: boolean;
}

async function read(ctx: ChainContext, item: string, ...keys: unknown[]): Promise<Codec | undefined> {
  const entry = storageEntry(ctx, 'SubtensorModule', item);
  return entry ? entry(...keys) : undefined;
}

const account = (c: Codec | undefined): string | undefined => (c ? encodeAddress(c.toU8a(), SS58_PREFIX) : undefined);
const num = (c: Codec | undefined): number | undefined => (c ? Number(c.toString()) : undefined);
const bool = (c: Codec | undefined): boolean | undefined => (c ? (c as unknown as { isTrue: boolean }).isTrue : undefined);

export async function getSubnetInfo(ctx: ChainContext, { netuid }: { netuid: number }): Promise<SubnetInfo> {
  if (!(await subnetExists(ctx, netuid))) throw new SubnetNotFoundError(netuid, ctx.endpoint);
  const [owner, ownerHotkey, n, maxUids, tempo, burn, allowed, subtoken, first, cr] = await Promise.all([
    read(ctx, 'SubnetOwner', netuid),
    read(ctx, 'SubnetOwnerHotkey', netuid),
    read(ctx, 'SubnetworkN', netuid),
    read(ctx, 'MaxAllowedUids', netuid),
    read(ctx, 'Tempo', netuid),
    read(ctx, 'Burn', netuid),
    read(ctx, 'NetworkRegistrationAllowed', netuid),
    read(ctx, 'SubtokenEnabled', netuid),
    read(ctx, 'FirstEmissionBlockNumber', netuid),
    read(ctx, 'CommitRevealWeightsEnabled', netuid),
  ]);
  const firstBlock = first as unknown as { isSome?: boolean; unwrap(): Codec } | undefined;
  return {
    netuid,
    owner: account(owner),
    ownerHotkey: account(ownerHotkey),
    n: num(n) ?? 0,
    maxUids: num(maxUids),
    tempo: num(tempo),
    burn: burn ? BigInt(burn.toString()) : undefined,
    registrationAllowed: bool(allowed),
    started: bool(subtoken),
    firstEmissionBlock: firstBlock?.isSome ? Number(firstBlock.unwrap().toString()) : undefined,
    commitReveal: bool(cr),
  };
}

export async function listSubnets(ctx: ChainContext): Promise<number[]> {
  const added = storageEntry(ctx, 'SubtensorModule', 'NetworksAdded');
  const entries = added ? await added.entries() : await requireStorage(ctx, 'SubtensorModule', 'SubnetworkN').entries();
  return entries
    .filter(([, v]) => (added ? (v as unknown as { isTrue: boolean }).isTrue : Number(v.toString()) > 0))
    .map(([k]) => Number((k.args[0] as Codec).toString()))
    .sort((a, b) => a - b);
}
