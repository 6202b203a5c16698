/**
 * The metagraph of one subnet at the best block.
 *
 * RPC: `chain_getHeader`, then `state_call("NeuronInfoRuntimeApi_get_neurons_lite", netuid)` and
 * `BlockAtRegistration` entries when the runtime has that API (one round trip for the whole subnet);
 * otherwise batched storage reads (SubnetworkN, Keys, the per-uid vectors, Owner, Axons, stake).
 */
import { encodeAddress } from '@polkadot/util-crypto';
import type { Codec } from '@polkadot/types/types';
import { SubnetNotFoundError } from '../errors.js';
import { axonFromRaw, decodeNeuronsLite, SS58_PREFIX } from '../codec.js';
import { hasRuntimeApi, head, netuidBytes, requireStorage, runtimeCall, storageEntry } from '../storage.js';
import type { ChainContext } from '../context.js';
import type { Metagraph, Neuron } from '../types.js';

export interface GetMetagraphParameters {
  netuid: number;
  /** Force a source (tests, old runtimes); default: the runtime API when present. */
  source?: 'runtime-api' | 'storage';
}

export type GetMetagraphReturnType = Metagraph;

export async function getMetagraph(ctx: ChainContext, { netuid, source }: GetMetagraphParameters): Promise<Metagraph> {
  const at = await head(ctx);
  const useApi = source ? source === 'runtime-api' : hasRuntimeApi(ctx, 'NeuronInfoRuntimeApi');
  const neurons = useApi ? await fromRuntimeApi(ctx, netuid, at.hash) : await fromStorage(ctx, netuid, at.hash);
  if (neurons.length === 0 && !(await subnetExists(ctx, netuid, at.hash))) throw new SubnetNotFoundError(netuid, ctx.endpoint);
  neurons.sort((a, b) => a.uid - b.uid);
  return { netuid, block: at.number, neurons };
}

/** Whether `netuid` exists (NetworksAdded; older runtimes without it: a non-zero SubnetworkN). */
export async function subnetExists(ctx: ChainContext, netuid: number, at?: string): Promise<boolean> {
  const added = storageEntry(ctx, 'SubtensorModule', 'NetworksAdded');
  if (added) return ((at ? await added.at(at, netuid) : await added(netuid)) as unknown as { isTrue: boolean }).isTrue;
  const n = requireStorage(ctx, 'SubtensorModule', 'SubnetworkN');
  return Number((at ? await n.at(at, netuid) : await n(netuid)).toString()) > 0;
}

async function blocksAtRegistration(ctx: ChainContext, netuid: number, at: string): Promise<Map<number, number>> {
  const entry = storageEntry(ctx, 'SubtensorModule', 'BlockAtRegistration');
  const out = new Map<number, number>();
  if (!entry) return out;
  for (const [key, value] of await entry.entriesAt(at, netuid)) {
    out.set(Number((key.args[1] as Codec).toString()), Number(value.toString()));
  }
  return out;
}

async function fromRuntimeApi(ctx: ChainContext, netuid: number, at: string): Promise<Neuron[]> {
  const [bytes, registered] = await Promise.all([
    runtimeCall(ctx, 'NeuronInfoRuntimeApi_get_neurons_lite', netuidBytes(netuid), at),
    blocksAtRegistration(ctx, netuid, at),
  ]);
  return decodeNeuronsLite(bytes).map((n) => ({ ...n, blockAtRegistration: registered.get(n.uid) ?? 0 }));
}

const U16 = 65535;

async function vector(ctx: ChainContext, item: string, netuid: number, at: string): Promise<Codec[]> {
  const entry = storageEntry(ctx, 'SubtensorModule', item);
  return entry ? [...((await entry.at(at, netuid)) as unknown as Codec[])] : [];
}

async function fromStorage(ctx: ChainContext, netuid: number, at: string): Promise<Neuron[]> {
  const keys = await requireStorage(ctx, 'SubtensorModule', 'Keys').entriesAt(at, netuid);
  const hotkeys = new Map<number, string>();
  for (const [key, value] of keys) hotkeys.set(Number((key.args[1] as Codec).toString()), encodeAddress(value.toU8a(), SS58_PREFIX));
  const items = ['Active', 'Consensus', 'Incentive', 'Dividends', 'Emission', 'ValidatorTrust', 'ValidatorPermit', 'LastUpdate', 'Rank', 'Trust'] as const;
  const [vectors, registered] = await Promise.all([
    Promise.all(items.map((item) => vector(ctx, item, netuid, at))).then((vs) => Object.fromEntries(items.map((item, i) => [item, vs[i]!]))),
    blocksAtRegistration(ctx, netuid, at),
  ]);
  const owner = requireStorage(ctx, 'SubtensorModule', 'Owner');
  const axons = storageEntry(ctx, 'SubtensorModule', 'Axons');
  const alpha = storageEntry(ctx, 'SubtensorModule', 'TotalHotkeyAlpha');
  const legacyStake = storageEntry(ctx, 'SubtensorModule', 'TotalHotkeyStake');
  const num = (item: string, uid: number): number => {
    const v = vectors[item]?.[uid];
    return v ? Number(v.toString()) : 0;
  };
  const flag = (item: string, uid: number): boolean => (vectors[item]?.[uid] as unknown as { isTrue?: boolean } | undefined)?.isTrue ?? false;
  return Promise.all(
    [...hotkeys].map(async ([uid, hotkey]): Promise<Neuron> => {
      const [cold, axon, stake] = await Promise.all([
        owner.at(at, hotkey),
        axons ? axons.at(at, netuid, hotkey) : Promise.resolve(undefined),
        alpha ? alpha.at(at, hotkey, netuid) : legacyStake ? legacyStake.at(at, hotkey) : Promise.resolve(undefined),
      ]);
      const axonValue = axon as unknown as { isSome?: boolean; unwrap?: () => unknown } | undefined;
      const rawAxon = axonValue?.isSome === undefined ? axonValue : axonValue.isSome ? axonValue.unwrap!() : undefined;
      return {
        uid,
        hotkey,
        coldkey: encodeAddress(cold.toU8a(), SS58_PREFIX),
        active: flag('Active', uid),
        stake: stake ? BigInt(stake.toString()) : 0n,
        axon: axonFromRaw(rawAxon as Parameters<typeof axonFromRaw>[0]),
        validatorPermit: flag('ValidatorPermit', uid),
        rank: num('Rank', uid) / U16,
        trust: num('Trust', uid) / U16,
        consensus: num('Consensus', uid) / U16,
        incentive: num('Incentive', uid) / U16,
        dividends: num('Dividends', uid) / U16,
        validatorTrust: num('ValidatorTrust', uid) / U16,
        emission: BigInt(vectors['Emission']?.[uid]?.toString() ?? '0'),
        lastUpdate: num('LastUpdate', uid),
        blockAtRegistration: registered.get(uid) ?? 0,
      };
    }),
  );
}
