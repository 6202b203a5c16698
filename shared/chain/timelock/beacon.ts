/**
 * A drand beacon as timelock encryption sees it: a BLS12-381 public key in G2, and the schedule that maps
 * wall-clock time to round numbers. Quicknet ("bls-unchained-g1-rfc9380") signs, every `period` seconds
 * from `genesisTime`, the message sha256(round as u64 big-endian) hashed to G1; a round's signature is the
 * key that opens everything encrypted to that round.
 *
 * Quicknet's values are the ones subtensor's pallet-drand declares as `DefaultBeaconConfig` and
 * bittensor-drand as `PUBLIC_KEY` / `GENESIS_TIME` / `DRAND_PERIOD` / `QUICKNET_CHAIN_HASH`.
 */
import { hexToU8a } from '@polkadot/util';
import { FlopnetError } from '../../errors.js';

export interface Beacon {
  /** Compressed G2 point, 96 bytes (zcash / ark-serialize encoding). */
  publicKey: Uint8Array;
  /** Unix seconds of round 1. */
  genesisTime: number;
  /** Seconds between rounds. */
  period: number;
}

export const QUICKNET = {
  chainHash: '52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971',
  groupHash: 'f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e',
  schemeId: 'bls-unchained-g1-rfc9380',
  beaconId: 'quicknet',
  publicKeyHex:
    '83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a',
  genesisTime: 1_692_803_367,
  period: 3,
} as const;

export const QUICKNET_BEACON: Beacon = Object.freeze({
  publicKey: hexToU8a(`0x${QUICKNET.publicKeyHex}`),
  genesisTime: QUICKNET.genesisTime,
  period: QUICKNET.period,
});

/** The last round a beacon had emitted at `unixSeconds` (0 before genesis). */
export function roundAt(beacon: Pick<Beacon, 'genesisTime' | 'period'>, unixSeconds: number): number {
  if (unixSeconds < beacon.genesisTime) return 0;
  return Math.floor((unixSeconds - beacon.genesisTime) / beacon.period) + 1;
}

/** Unix seconds at which a round is emitted. */
export function roundTime(beacon: Pick<Beacon, 'genesisTime' | 'period'>, round: number): number {
  if (!Number.isSafeInteger(round) || round < 1) throw new RangeError(`round ${round} is not a positive integer`);
  return beacon.genesisTime + (round - 1) * beacon.period;
}

/** Whether two beacon keys are the same point encoding (quicknet or not). */
export function samePublicKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class UntrustedBeaconError extends FlopnetError {
  override name = 'UntrustedBeaconError';
  constructor(chain: string) {
    super(`${chain}'s Drand pallet declares a beacon key that is not drand quicknet's; flopnet encrypts weights only to quicknet (or to a flopnet devnet's test beacon)`, {
      code: 'E_UNTRUSTED_BEACON',
      hint: 'connect to a subtensor whose Drand pallet follows quicknet, or have the subnet owner turn commit-reveal off',
    });
  }
}

/**
 * The beacon to encrypt to on a chain whose Drand pallet declares `declared`. Quicknet's key is a
 * constant of the client, never taken from the chain; any other key is used only on a flopnet devnet
 * (its test beacon), so no chain can make a validator encrypt weights to a key someone holds.
 */
export function trustedBeacon(declared: Beacon, chain: { isDevnet: boolean; name: string }): Beacon {
  if (samePublicKey(declared.publicKey, QUICKNET_BEACON.publicKey)) return QUICKNET_BEACON;
  if (chain.isDevnet) return declared;
  throw new UntrustedBeaconError(chain.name);
}
