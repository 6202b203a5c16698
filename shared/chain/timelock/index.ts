/**
 * Timelocked weight commits (commit-reveal v3 and v4), pure: no I/O, tested alone.
 *
 *   const revealRound = revealRoundDynamic({ state, revealPeriodEpochs, blockTime: 12, now });
 *   const commit = encryptWeights({ version: 4, hotkey, uids, values, versionKey, revealRound });
 *   // → SubtensorModule.commit_timelocked_mechanism_weights(netuid, 0, commit, revealRound, 4)
 *
 * The chain decrypts the commit itself once drand's pulse for `revealRound` is stored (timelockDecrypt
 * with the round's signature), so a validator that restarts after committing loses nothing.
 */
import { QUICKNET_BEACON, type Beacon } from './beacon.js';
import { encodeLegacyWeightsPayload, encodeWeightsPayload } from './payload.js';
import { timelockEncrypt, type RandomSource } from './tlock.js';

export { QUICKNET, QUICKNET_BEACON, roundAt, roundTime, samePublicKey, trustedBeacon, UntrustedBeaconError, type Beacon } from './beacon.js';
export { verifyRound, signRound, beaconPublicKey, roundMessage, InvalidPointError } from './bls.js';
export { timelockEncrypt, timelockDecrypt, parseCiphertext, TimelockError, MAX_COMMIT_BYTES, type RandomSource } from './tlock.js';
export { encodeWeightsPayload, encodeLegacyWeightsPayload, decodeWeightsPayload, type WeightsPayload, type DecodedPayload } from './payload.js';
export {
  revealRoundClassic,
  revealRoundDynamic,
  predictFirstRevealBlock,
  classicFirstRevealBlock,
  commitEpoch,
  epochWithLookahead,
  shouldRunEpoch,
  stepSchedule,
  EpochScheduleError,
  SECURITY_BLOCK_OFFSET,
  type EpochScheduleState,
} from './reveal-round.js';

/** 3: `commit_crv3_weights` with the legacy payload (spec ≤ 298); 4: the hotkey payload (spec ≥ 299). */
export type TimelockVersion = 3 | 4;

export interface EncryptWeightsInput {
  version: TimelockVersion;
  /** The committing hotkey's 32 public-key bytes (v4 binds the weights to it). */
  hotkey: Uint8Array;
  uids: readonly number[];
  values: readonly number[];
  versionKey: bigint | number;
  revealRound: number;
  /** Defaults to quicknet. */
  beacon?: Pick<Beacon, 'publicKey'>;
  random?: RandomSource;
}

/** The commit bytes for `commit_timelocked_*` / `commit_crv3_weights`. */
export function encryptWeights(input: EncryptWeightsInput): Uint8Array {
  const payload = input.version === 4 ? encodeWeightsPayload(input) : encodeLegacyWeightsPayload(input);
  return timelockEncrypt(payload, input.revealRound, (input.beacon ?? QUICKNET_BEACON).publicKey, input.random);
}
