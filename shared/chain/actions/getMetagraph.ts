/**
 * The metagraph of one subnet at the best block, decoded with the types the runtime declares.
 *
 * Sources, best first (each used when the runtime's metadata declares it with a typed result):
 * 1. `SubnetInfoRuntimeApi_get_selective_metagraph(netuid, indexes)`: only the fields flopnet uses,
 *    their indexes read from the SelectiveMetagraph struct's field order in the metadata;
 * 2. `SubnetInfoRuntimeApi_get_metagraph(netuid)`;
 * 3. `NeuronInfoRuntimeApi_get_neurons_lite(netuid)` plus `BlockAtRegistration` entries;
 * 4. storage: SubnetworkN, Keys, the per-uid vectors, Owner, Axons, stake.
 * One `chain_getHeader` first, and every read at that block. Stake is the stake weight the chain ranks
 * permits by: alpha plus root stake × TaoWeight (`get_stake_weights_for_network`).
 */
import { encodeAddress } from '@polkadot/util-crypto';
import type { Codec } from '@polkadot/types/types';
import { SS58_PREFIX } from '../../wallet/keypair.js';
import { SubnetNotFoundError } from '../errors.js';
import { u128ToIp } from '../ip.js';
import { callRuntimeApi, field, runtimeApiMethod, structFieldNames } from '../runtime-api.js';
import { head, requireStorage, storageEntry } from '../storage.js';
import type { ChainContext } from '../context.js';
import type { AxonInfo, Metagraph, Neuron } from '../types.js';

export type MetagraphSource = 'selective-metagraph' | 'metagraph' | 'neurons-lite' | 'storage';

export interface GetMetagraphParameters {
  netuid: number;
  /** Force a source (tests, old runtimes); `runtime-api` = the best runtime API; default: the best there is. */
  source?: MetagraphSource | 'runtime-api';
}

export type GetMetagraphReturnType = Metagraph;

const U16 = 65535;
/** The SelectiveMetagraph / Metagraph fields a Neuron is built from. */
const METAGRAPH_FIELDS = [
  'hotkeys', 'coldkeys', 'axons', 'active', 'validator_permit', 'last_update', 'emission', 'dividends', 'incentives',
  'consensus', 'trust', 'rank', 'block_at_registration', 'alpha_stake', 'tao_stake', 'total_stake',
] as const;

/** Which source this runtime offers, best first (see the file comment). */
export function metagraphSource(ctx: ChainContext): MetagraphSource {
  if (runtimeApiMethod(ctx, 'SubnetInfoRuntimeApi', 'get_selective_metagraph')) return 'selective-metagraph';
  if (runtimeApiMethod(ctx, 'SubnetInfoRuntimeApi', 'get_metagraph')) return 'metagraph';
  if (runtimeApiMethod(ctx, 'NeuronInfoRuntimeApi', 'get_neurons_lite')) return 'neurons-lite';
  return 'storage';
}

export async function getMetagraph(ctx: ChainContext, { netuid, source }: GetMetagraphParameters): Promise<Metagraph> {
  const at = await head(ctx);
  const best = metagraphSource(ctx);
  const chosen = source === undefined || source === 'runtime-api' ? best : source;
  if (source === 'runtime-api' && best === 'storage') throw new Error(`spec ${ctx.api.runtimeVersion.specVersion.toNumber()} declares no typed metagraph runtime API`);
  const neurons =
    chosen === 'selective-metagraph' || chosen === 'metagraph'
      ? await fromMetagraphApi(ctx, netuid, at.hash, chosen)
      : chosen === 'neurons-lite'
        ? await fromNeuronsLite(ctx, netuid, at.hash)
        : await fromStorage(ctx, netuid, at.hash);
  if (neurons === null || (neurons.length === 0 && !(await subnetExists(ctx, netuid, at.hash)))) throw new SubnetNotFoundError(netuid, ctx.endpoint);
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

/** A stored or returned AxonInfo, read by field name, as flopnet shows it (0.0.0.0 when never served). */
export function axonFromCodec(raw: Codec | undefined | null): AxonInfo {
  const get = (name: string) => (raw ? field(raw, name) : undefined);
  if (!raw || get('ip') === undefined) return { block: 0, version: 0, ip: '0.0.0.0', port: 0, ipType: 4, protocol: 0 };
  const ipType = Number(get('ip_type')!.toString()) === 6 ? 6 : 4;
  let ip: string;
  try {
    ip = u128ToIp(BigInt(get('ip')!.toString()), ipType);
  } catch {
    // A stored value that does not fit its type: show it rather than fail the whole metagraph.
    ip = get('ip')!.toString();
  }
  const num = (name: string) => Number(get(name)?.toString() ?? 0);
  return { block: num('block'), version: num('version'), ip, port: num('port'), ipType, protocol: num('protocol') };
}

const address = (c: Codec): string => encodeAddress(c.toU8a(), SS58_PREFIX);
/** The value inside an Option (undefined for None); any other codec as it is. */
const some = (c: Codec | undefined): Codec | undefined => {
  const o = c as unknown as { isSome?: boolean; unwrap(): Codec } | undefined;
  return o?.isSome === undefined ? c : o.isSome ? o.unwrap() : undefined;
};
/** A Vec (or Option<Vec>) as an array; [] when absent. */
const list = (c: Codec | undefined): Codec[] => {
  const inner = some(c);
  return inner ? [...(inner as unknown as Iterable<Codec>)] : [];
};
const valueAt = (values: Codec[], uid: number): bigint => BigInt(values[uid]?.toString() ?? '0');
const flag = (values: Codec[], uid: number): boolean => (values[uid] as unknown as { isTrue?: boolean } | undefined)?.isTrue ?? false;

async function fromMetagraphApi(ctx: ChainContext, netuid: number, block: string, source: 'selective-metagraph' | 'metagraph'): Promise<Neuron[] | null> {
  const selective = source === 'selective-metagraph';
  const method = runtimeApiMethod(ctx, 'SubnetInfoRuntimeApi', selective ? 'get_selective_metagraph' : 'get_metagraph');
  if (!method) throw new Error(`spec ${ctx.api.runtimeVersion.specVersion.toNumber()} declares no ${source} runtime API`);
  const names = structFieldNames(ctx, method.output);
  const indexes = METAGRAPH_FIELDS.map((f) => names.indexOf(f)).filter((i) => i >= 0);
  const [result, validatorTrust] = await Promise.all([
    callRuntimeApi(ctx, method, selective ? [netuid, indexes] : [netuid], block),
    // The metagraph structs carry no validator trust; one storage read adds it where it is kept.
    vector(ctx, 'ValidatorTrust', netuid, block),
  ]);
  const m = some(result);
  if (!m) return null;
  const v = Object.fromEntries(METAGRAPH_FIELDS.map((f) => [f, list(field(m, f))])) as Record<(typeof METAGRAPH_FIELDS)[number], Codec[]>;
  return v.hotkeys.map((hotkey, uid) => {
    const alpha = valueAt(v.alpha_stake, uid);
    const total = v.total_stake.length ? valueAt(v.total_stake, uid) : alpha;
    return {
      uid,
      hotkey: address(hotkey),
      coldkey: v.coldkeys[uid] ? address(v.coldkeys[uid]) : '',
      active: flag(v.active, uid),
      stake: total,
      alphaStake: alpha,
      rootStake: valueAt(v.tao_stake, uid),
      axon: axonFromCodec(v.axons[uid]),
      validatorPermit: flag(v.validator_permit, uid),
      rank: Number(valueAt(v.rank, uid)) / U16,
      trust: Number(valueAt(v.trust, uid)) / U16,
      consensus: Number(valueAt(v.consensus, uid)) / U16,
      incentive: Number(valueAt(v.incentives, uid)) / U16,
      dividends: Number(valueAt(v.dividends, uid)) / U16,
      validatorTrust: Number(valueAt(validatorTrust, uid)) / U16,
      emission: valueAt(v.emission, uid),
      lastUpdate: Number(valueAt(v.last_update, uid)),
      blockAtRegistration: Number(valueAt(v.block_at_registration, uid)),
    };
  });
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

async function fromNeuronsLite(ctx: ChainContext, netuid: number, block: string): Promise<Neuron[]> {
  const method = runtimeApiMethod(ctx, 'NeuronInfoRuntimeApi', 'get_neurons_lite');
  if (!method) throw new Error(`spec ${ctx.api.runtimeVersion.specVersion.toNumber()} declares no typed get_neurons_lite`);
  const [result, registered, taoWeight] = await Promise.all([callRuntimeApi(ctx, method, [netuid], block), blocksAtRegistration(ctx, netuid, block), readTaoWeight(ctx, block)]);
  const neurons = [...(result as unknown as Iterable<Codec>)];
  const prop = (n: Codec, name: string) => Number(field(n, name)?.toString() ?? 0) / U16;
  return Promise.all(
    neurons.map(async (n): Promise<Neuron> => {
      const uid = Number(field(n, 'uid')!.toString());
      const hotkey = address(field(n, 'hotkey')!);
      const alpha = list(field(n, 'stake')).reduce((sum, pair) => sum + BigInt((pair as unknown as Codec[])[1]!.toString()), 0n);
      const root = await rootStake(ctx, hotkey, block);
      return {
        uid,
        hotkey,
        coldkey: address(field(n, 'coldkey')!),
        active: (field(n, 'active') as unknown as { isTrue: boolean }).isTrue,
        stake: stakeWeight(alpha, root, taoWeight),
        alphaStake: alpha,
        rootStake: root,
        axon: axonFromCodec(field(n, 'axon_info')),
        validatorPermit: (field(n, 'validator_permit') as unknown as { isTrue: boolean }).isTrue,
        rank: prop(n, 'rank'),
        trust: prop(n, 'trust'),
        consensus: prop(n, 'consensus'),
        incentive: prop(n, 'incentive'),
        dividends: prop(n, 'dividends'),
        validatorTrust: prop(n, 'validator_trust'),
        emission: BigInt(field(n, 'emission')!.toString()),
        lastUpdate: Number(field(n, 'last_update')!.toString()),
        blockAtRegistration: registered.get(uid) ?? 0,
      };
    }),
  );
}

async function vector(ctx: ChainContext, item: string, netuid: number, at: string): Promise<Codec[]> {
  const entry = storageEntry(ctx, 'SubtensorModule', item);
  return entry ? [...((await entry.at(at, netuid)) as unknown as Codec[])] : [];
}

/** `TaoWeight` as a fraction (u64 bits over 2^64); 0 on runtimes without root stake weighting. */
async function readTaoWeight(ctx: ChainContext, at: string): Promise<bigint> {
  const entry = storageEntry(ctx, 'SubtensorModule', 'TaoWeight');
  return entry ? BigInt((await entry.at(at)).toString()) : 0n;
}

/** The hotkey's stake on the root subnet (netuid 0); 0 where the runtime keeps no per-subnet alpha. */
async function rootStake(ctx: ChainContext, hotkey: string, at: string): Promise<bigint> {
  const alpha = storageEntry(ctx, 'SubtensorModule', 'TotalHotkeyAlpha');
  return alpha ? BigInt((await alpha.at(at, hotkey, 0)).toString()) : 0n;
}

/** alpha + root × TaoWeight, TaoWeight being u64 bits of a fraction (`get_stake_weights_for_network`). */
export function stakeWeight(alpha: bigint, root: bigint, taoWeightBits: bigint): bigint {
  return alpha + (root * taoWeightBits) / (1n << 64n);
}

async function fromStorage(ctx: ChainContext, netuid: number, at: string): Promise<Neuron[]> {
  const keys = await requireStorage(ctx, 'SubtensorModule', 'Keys').entriesAt(at, netuid);
  const hotkeys = new Map<number, string>();
  for (const [key, value] of keys) hotkeys.set(Number((key.args[1] as Codec).toString()), address(value));
  const items = ['Active', 'Consensus', 'Incentive', 'Dividends', 'Emission', 'ValidatorTrust', 'ValidatorPermit', 'LastUpdate', 'Rank', 'Trust'] as const;
  const [vectors, registered, taoWeight] = await Promise.all([
    Promise.all(items.map((item) => vector(ctx, item, netuid, at))).then((vs) => Object.fromEntries(items.map((item, i) => [item, vs[i]!]))),
    blocksAtRegistration(ctx, netuid, at),
    readTaoWeight(ctx, at),
  ]);
  const owner = requireStorage(ctx, 'SubtensorModule', 'Owner');
  const axons = storageEntry(ctx, 'SubtensorModule', 'Axons');
  const alphaEntry = storageEntry(ctx, 'SubtensorModule', 'TotalHotkeyAlpha');
  const legacyStake = storageEntry(ctx, 'SubtensorModule', 'TotalHotkeyStake');
  const at_ = (values: Codec[] | undefined, uid: number) => (values ? valueAt(values, uid) : 0n);
  const num = (item: string, uid: number): number => Number(at_(vectors[item], uid));
  return Promise.all(
    [...hotkeys].map(async ([uid, hotkey]): Promise<Neuron> => {
      const [cold, axon, stake, root] = await Promise.all([
        owner.at(at, hotkey),
        axons ? axons.at(at, netuid, hotkey) : Promise.resolve(undefined),
        alphaEntry ? alphaEntry.at(at, hotkey, netuid) : legacyStake ? legacyStake.at(at, hotkey) : Promise.resolve(undefined),
        rootStake(ctx, hotkey, at),
      ]);
      const alpha = stake ? BigInt(stake.toString()) : 0n;
      return {
        uid,
        hotkey,
        coldkey: address(cold),
        active: flag(vectors['Active'] ?? [], uid),
        stake: stakeWeight(alpha, root, taoWeight),
        alphaStake: alpha,
        rootStake: root,
        axon: axonFromCodec(some(axon)),
        validatorPermit: flag(vectors['ValidatorPermit'] ?? [], uid),
        rank: num('Rank', uid) / U16,
        trust: num('Trust', uid) / U16,
        consensus: num('Consensus', uid) / U16,
        incentive: num('Incentive', uid) / U16,
        dividends: num('Dividends', uid) / U16,
        validatorTrust: num('ValidatorTrust', uid) / U16,
        emission: at_(vectors['Emission'], uid),
        lastUpdate: num('LastUpdate', uid),
        blockAtRegistration: registered.get(uid) ?? 0,
      };
    }),
  );
}
