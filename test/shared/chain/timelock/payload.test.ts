import { describe, expect, it } from 'vitest';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { decodeWeightsPayload, encodeLegacyWeightsPayload, encodeWeightsPayload } from '../../../../shared/chain/timelock/payload.js';
import { encryptWeights, trustedBeacon, UntrustedBeaconError } from '../../../../shared/chain/timelock/index.js';
import { QUICKNET_BEACON } from '../../../../shared/chain/timelock/beacon.js';
import { beaconPublicKey, signRound } from '../../../../shared/chain/timelock/bls.js';
import { timelockDecrypt } from '../../../../shared/chain/timelock/tlock.js';
import { ALICE, PAYLOAD } from './vectors.js';

const alice = hexToU8a(`0x${ALICE}`);
const bob = new Uint8Array(32).fill(7);

describe('WeightsTlockPayload', () => {
  it('is SCALE(hotkey: Vec<u8>, uids: Vec<u16>, values: Vec<u16>, version_key: u64)', () => {
    // compact(32) = 0x80, the key; compact(3) = 0x0c then u16 LE ×3, twice; version 3 as u64 LE.
    expect(u8aToHex(encodeWeightsPayload({ hotkey: alice, ...PAYLOAD }))).toBe(
      `0x80${ALICE}0c000001000200` + '0cffff00800700' + '0300000000000000',
    );
  });

  it('has a legacy form without the hotkey (CR v3 runtimes)', () => {
    expect(u8aToHex(encodeLegacyWeightsPayload(PAYLOAD))).toBe('0x0c0000010002000cffff008007000300000000000000');
  });

  it('refuses what the chain could not hold', () => {
    expect(() => encodeWeightsPayload({ hotkey: alice.slice(1), ...PAYLOAD })).toThrow(/32 public-key bytes/);
    expect(() => encodeWeightsPayload({ hotkey: alice, ...PAYLOAD, values: [1] })).toThrow(/differ in length/);
    expect(() => encodeWeightsPayload({ hotkey: alice, ...PAYLOAD, uids: [0, 1, 65536] })).toThrow(/not a u16/);
  });
});

describe('decoding a revealed payload as subtensor does', () => {
  const expected = { uids: PAYLOAD.uids, values: PAYLOAD.values, versionKey: PAYLOAD.versionKey };

  it('takes the hotkey payload when it names the committer', () => {
    expect(decodeWeightsPayload(encodeWeightsPayload({ hotkey: alice, ...PAYLOAD }), alice)).toEqual({ ok: true, payload: expected });
  });

  it('drops a payload that names another hotkey (a copied commit)', () => {
    expect(decodeWeightsPayload(encodeWeightsPayload({ hotkey: alice, ...PAYLOAD }), bob)).toEqual({ ok: false, reason: 'the payload names another hotkey' });
  });

  it('falls back to the legacy payload', () => {
    expect(decodeWeightsPayload(encodeLegacyWeightsPayload(PAYLOAD), alice)).toEqual({ ok: true, payload: expected });
  });

  it('ignores trailing bytes (SCALE decode, not decode_all)', () => {
    const bytes = new Uint8Array([...encodeWeightsPayload({ hotkey: alice, ...PAYLOAD }), 1, 2, 3]);
    expect(decodeWeightsPayload(bytes, alice).ok).toBe(true);
  });

  it('refuses garbage and lengths larger than the input without allocating them', () => {
    expect(decodeWeightsPayload(new Uint8Array([0x03, 0xff, 0xff, 0xff, 0x7f]), alice).ok).toBe(false);
    expect(decodeWeightsPayload(new Uint8Array(0), alice).ok).toBe(false);
  });
});

describe('encryptWeights', () => {
  const key = 0xbeefn;
  const beacon = { publicKey: beaconPublicKey(key) };

  it('v4 encrypts the hotkey payload, v3 the legacy one, to the round', () => {
    const v4 = timelockDecrypt(encryptWeights({ version: 4, hotkey: alice, ...PAYLOAD, revealRound: 9, beacon }), signRound(key, 9));
    expect(u8aToHex(v4)).toBe(u8aToHex(encodeWeightsPayload({ hotkey: alice, ...PAYLOAD })));
    const v3 = timelockDecrypt(encryptWeights({ version: 3, hotkey: alice, ...PAYLOAD, revealRound: 9, beacon }), signRound(key, 9));
    expect(u8aToHex(v3)).toBe(u8aToHex(encodeLegacyWeightsPayload(PAYLOAD)));
  });
});

describe('trustedBeacon', () => {
  const devBeacon = { publicKey: beaconPublicKey(5n), genesisTime: 0, period: 1 };

  it('uses the client`s quicknet constants whenever a chain declares quicknet`s key', () => {
    expect(trustedBeacon({ ...QUICKNET_BEACON, genesisTime: 1, period: 99 }, { isDevnet: false, name: 'Bittensor' })).toBe(QUICKNET_BEACON);
  });

  it('uses another key only on a flopnet devnet', () => {
    expect(trustedBeacon(devBeacon, { isDevnet: true, name: 'flopnet devnet' })).toBe(devBeacon);
    expect(() => trustedBeacon(devBeacon, { isDevnet: false, name: 'Bittensor' })).toThrow(UntrustedBeaconError);
  });
});
