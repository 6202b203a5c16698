/**
 * pallet_drand (index 26), as subtensor declares it (pallets/drand): `BeaconConfig`, `Pulses` (round →
 * Pulse, Blake2_128Concat), `LastStoredRound`, `OldestStoredRound`, the events `NewPulse { rounds }` …
 * and the errors in their order. Timelocked weight commits are decrypted with the pulses stored here.
 *
 * Where pulses come from: on subtensor an offchain worker fetches quicknet and submits unsigned
 * `write_pulse` extrinsics. The devnet has two sources, both written at block initialisation after
 * SubtensorModule's block step (so, as on a node, a block's reveal sees the pulses of earlier blocks):
 *
 * - its own beacon (default `--drand devnet`): a KNOWN TEST KEY, public by design (DEVNET_BEACON_SECRET),
 *   that signs one round per `period` seconds of chain time (Timestamp.Now), so tests need no network.
 *   Its public key is in BeaconConfig; flopnet's client encrypts to it only on a flopnet devnet.
 * - pulses handed in by `dev_drandPulse` (e.g. real quicknet pulses from public vectors, with
 *   `--drand quicknet`), verified against BeaconConfig's key before they are queued.
 */
import { sha256 } from '@noble/hashes/sha2';
import { Pallet, DispatchFailure, type BlockContext, type RuntimeTypes } from '../runtime/pallet.js';
import type { State, StateReader } from '../runtime/storage.js';
import { QUICKNET, QUICKNET_BEACON, roundAt, samePublicKey, type Beacon } from '../../shared/chain/timelock/beacon.js';
import { beaconPublicKey, signRound, CURVE_ORDER } from '../../shared/chain/timelock/bls.js';

/** Pulses kept (one week of quicknet), and at most this many pruned per block, as pallet-drand. */
export const MAX_KEPT_PULSES = 216_000n;
const MAX_REMOVED_PULSES = 100;
/** The most rounds the devnet beacon catches up in one block (pallet-drand's MAX_PULSES_TO_FETCH). */
const MAX_PULSES_PER_BLOCK = 50n;

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The devnet beacon's secret: a test key anyone can recompute. Never a secret, never on a real network. */
export const DEVNET_BEACON_SECRET: bigint = (() => {
  const digest = sha256(text('flopnet devnet drand beacon: a TEST key, public by design'));
  return (BigInt(`0x${Buffer.from(digest).toString('hex')}`) % (CURVE_ORDER - 1n)) + 1n;
})();

let devnetBeaconCache: Beacon | undefined;
/** The devnet beacon (genesis 0, a round per second); derived on first use, not when the CLI loads. */
export function devnetBeacon(): Beacon {
  devnetBeaconCache ??= Object.freeze({ publicKey: beaconPublicKey(DEVNET_BEACON_SECRET), genesisTime: 0, period: 1 });
  return devnetBeaconCache;
}

export type DrandMode = 'devnet' | 'quicknet';

export interface Pulse {
  round: bigint;
  randomness: Uint8Array;
  signature: Uint8Array;
}

export interface BeaconConfiguration {
  public_key: Uint8Array;
  period: number;
  genesis_time: number;
  hash: Uint8Array;
  group_hash: Uint8Array;
  scheme_id: Uint8Array;
  metadata: { beacon_id: Uint8Array };
}

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

/** pallet-drand's DefaultBeaconConfig: quicknet. */
export const QUICKNET_CONFIG: BeaconConfiguration = {
  public_key: QUICKNET_BEACON.publicKey,
  period: QUICKNET.period,
  genesis_time: QUICKNET.genesisTime,
  hash: hex(QUICKNET.chainHash),
  group_hash: hex(QUICKNET.groupHash),
  scheme_id: text(QUICKNET.schemeId),
  metadata: { beacon_id: text(QUICKNET.beaconId) },
};

export function devnetConfig(): BeaconConfiguration {
  const beacon = devnetBeacon();
  return {
    public_key: beacon.publicKey,
    period: beacon.period,
    genesis_time: beacon.genesisTime,
    hash: sha256(beacon.publicKey),
    group_hash: sha256(beacon.publicKey),
    scheme_id: text(QUICKNET.schemeId),
    metadata: { beacon_id: text('flopnet-devnet') },
  };
}

export function beaconOf(config: BeaconConfiguration): Beacon {
  return { publicKey: config.public_key, period: config.period, genesisTime: config.genesis_time };
}

export function drandPallet(rt: RuntimeTypes, now: (st: StateReader) => bigint) {
  const p = new Pallet(rt, 'Drand', 26, ['pallet_drand', 'pallet']);
  const { t, c } = p;
  const pulse = t.composite(['pallet_drand', 'types', 'Pulse'], [
    { name: 'round', type: c.u64, typeName: 'RoundNumber' },
    { name: 'randomness', type: c.bytes, typeName: 'BoundedVec<u8, ConstU32<32>>' },
    { name: 'signature', type: c.bytes, typeName: 'BoundedVec<u8, ConstU32<144>>' },
  ]);
  const metadata = t.composite(['pallet_drand', 'types', 'Metadata'], [{ name: 'beacon_id', type: c.bytes, typeName: 'BoundedHash' }]);
  const config = t.composite(['pallet_drand', 'types', 'BeaconConfiguration'], [
    { name: 'public_key', type: c.bytes, typeName: 'OpaquePublicKey' },
    { name: 'period', type: c.u32, typeName: 'u32' },
    { name: 'genesis_time', type: c.u32, typeName: 'u32' },
    { name: 'hash', type: c.bytes, typeName: 'BoundedHash' },
    { name: 'group_hash', type: c.bytes, typeName: 'BoundedHash' },
    { name: 'scheme_id', type: c.bytes, typeName: 'BoundedHash' },
    { name: 'metadata', type: metadata, typeName: 'Metadata' },
  ]);
  const publicKey = t.composite(['sp_core', 'sr25519', 'Public'], [{ type: t.array(32, c.u8), typeName: '[u8; 32]' }]);
  const signature = t.option(t.composite(['sp_core', 'sr25519', 'Signature'], [{ type: t.array(64, c.u8), typeName: '[u8; 64]' }]));
  const pulsesPayload = t.composite(['pallet_drand', 'types', 'PulsesPayload'], [
    { name: 'block_number', type: c.u32, typeName: 'BlockNumber' },
    { name: 'pulses', type: t.vec(pulse), typeName: 'Vec<Pulse>' },
    { name: 'public', type: publicKey, typeName: 'Public' },
  ]);
  const configPayload = t.composite(['pallet_drand', 'types', 'BeaconConfigurationPayload'], [
    { name: 'block_number', type: c.u32, typeName: 'BlockNumber' },
    { name: 'config', type: config, typeName: 'BeaconConfiguration' },
    { name: 'public', type: publicKey, typeName: 'Public' },
  ]);

  const BeaconConfig = p.value<BeaconConfiguration>('BeaconConfig', config, QUICKNET_CONFIG);
  const Pulses = p.map<[bigint], Pulse | null>('Pulses', [['Blake2_128Concat', c.u64]], pulse);
  const LastStoredRound = p.value<bigint>('LastStoredRound', c.u64, 0n);
  const OldestStoredRound = p.value<bigint>('OldestStoredRound', c.u64, 0n);
  p.value<number>('NextUnsignedAt', c.u32, 0);

  p.error('NoneValue', 0);
  p.error('StorageOverflow', 1);
  p.error('DrandConnectionFailure', 2);
  p.error('UnverifiedPulse', 3);
  p.error('InvalidRoundNumber', 4);
  p.error('PulseVerificationError', 5);

  p.event('BeaconConfigChanged', 0, []);
  p.event('NewPulse', 1, [['rounds', t.vec(c.u64), 'Vec<RoundNumber>']]);
  p.event('SetOldestStoredRound', 2, [[undefined, c.u64, 'u64']]);

  const ensureRoot = (origin: { kind: string }): void => {
    if (origin.kind !== 'root') throw DispatchFailure.badOrigin();
  };
  // write_pulse is an unsigned extrinsic of the offchain worker; the devnet takes pulses as inherents.
  p.call('write_pulse', 0, [['pulses_payload', pulsesPayload, 'PulsesPayload<T::Public, BlockNumberFor<T>>'], ['_signature', signature, 'Option<T::Signature>']], () => {
    throw DispatchFailure.badOrigin();
  }, { paysFee: false });
  p.call<{ config_payload: { config: BeaconConfiguration } }>('set_beacon_config', 1, [['config_payload', configPayload, 'BeaconConfigurationPayload<T::Public, BlockNumberFor<T>>'], ['_signature', signature, 'Option<T::Signature>']], (ctx, a) => {
    ensureRoot(ctx.origin);
    BeaconConfig.set(ctx.state, a.config_payload.config);
    ctx.emit('Drand', 'BeaconConfigChanged');
  }, { paysFee: false });
  p.call<{ oldest_round: bigint }>('set_oldest_stored_round', 2, [['oldest_round', c.u64, 'u64']], (ctx, a) => {
    ensureRoot(ctx.origin);
    OldestStoredRound.set(ctx.state, a.oldest_round);
    ctx.emit('Drand', 'SetOldestStoredRound', [a.oldest_round]);
  }, { paysFee: false });

  /** Stores pulses above LastStoredRound in ascending order, prunes, and emits NewPulse (write_pulse's effect). */
  const store = (ctx: BlockContext, pulses: { round: bigint; signature: Uint8Array }[]): void => {
    const st = ctx.state;
    let last = LastStoredRound.get(st);
    const firstStorage = last === 0n && OldestStoredRound.get(st) === 0n;
    const rounds: bigint[] = [];
    for (const { round, signature } of [...pulses].sort((a, b) => (a.round < b.round ? -1 : 1))) {
      if (round <= last) continue;
      Pulses.set(st, round, { round, randomness: sha256(signature), signature });
      last = round;
      rounds.push(round);
    }
    if (rounds.length === 0) return;
    LastStoredRound.set(st, last);
    if (firstStorage) OldestStoredRound.set(st, rounds[0]!);
    let oldest = OldestStoredRound.get(st);
    for (let removed = 0; oldest !== 0n && last - oldest + 1n > MAX_KEPT_PULSES && removed < MAX_REMOVED_PULSES; removed++) {
      Pulses.remove(st, oldest);
      oldest += 1n;
    }
    if (oldest !== 0n) OldestStoredRound.set(st, oldest);
    ctx.emit('Drand', 'NewPulse', { rounds });
  };

  /** The devnet beacon's rounds due by the chain's clock, when BeaconConfig is the devnet key. */
  const devnetRounds = (st: StateReader): { round: bigint; signature: Uint8Array }[] => {
    const cfg = BeaconConfig.get(st);
    if (!samePublicKey(cfg.public_key, devnetBeacon().publicKey)) return [];
    const current = BigInt(roundAt(beaconOf(cfg), Number(now(st)) / 1000));
    const last = LastStoredRound.get(st);
    const from = last === 0n ? current : last + 1n;
    const to = current < from + MAX_PULSES_PER_BLOCK - 1n ? current : from + MAX_PULSES_PER_BLOCK - 1n;
    const out: { round: bigint; signature: Uint8Array }[] = [];
    for (let r = from; r <= to; r++) out.push({ round: r, signature: signRound(DEVNET_BEACON_SECRET, r) });
    return out;
  };

  p.hooks.onInitialize = (ctx) => {
    store(ctx, [...ctx.inherents.pulses, ...devnetRounds(ctx.state)]);
  };

  return {
    pallet: p,
    BeaconConfig,
    Pulses,
    LastStoredRound,
    OldestStoredRound,
    genesis: (st: State, mode: DrandMode) => BeaconConfig.set(st, mode === 'devnet' ? devnetConfig() : QUICKNET_CONFIG),
  };
}

export type DrandPallet = ReturnType<typeof drandPallet>;
