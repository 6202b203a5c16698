import { describe, expect, it } from 'vitest';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { QUICKNET, QUICKNET_BEACON, roundAt, roundTime } from '../../../../shared/chain/timelock/beacon.js';
import { beaconPublicKey, InvalidPointError, signRound, verifyRound } from '../../../../shared/chain/timelock/bls.js';
import { encodeWeightsPayload } from '../../../../shared/chain/timelock/payload.js';
import { MAX_COMMIT_BYTES, parseCiphertext, timelockDecrypt, timelockEncrypt, TimelockError } from '../../../../shared/chain/timelock/tlock.js';
import { ALICE, BAD_PULSE_1000, fixedStream, PAYLOAD, PULSE_1000, QUICKNET_INFO, TIMELOCK_CIPHERTEXT, TLE_CIPHERTEXT, TLE_FIXED_STREAM_CIPHERTEXT } from './vectors.js';

const bytes = (hex: string) => hexToU8a(`0x${hex}`);
const signature = bytes(PULSE_1000.signature);
const payload = encodeWeightsPayload({ hotkey: bytes(ALICE), ...PAYLOAD });

describe('quicknet parameters', () => {
  it('match the drand info pallet-drand tests with', () => {
    expect(QUICKNET.publicKeyHex).toBe(QUICKNET_INFO.publicKey);
    expect(QUICKNET.genesisTime).toBe(QUICKNET_INFO.genesisTime);
    expect(QUICKNET.period).toBe(QUICKNET_INFO.period);
    expect(QUICKNET.chainHash).toBe(QUICKNET_INFO.hash);
    expect(QUICKNET.groupHash).toBe(QUICKNET_INFO.groupHash);
    expect(QUICKNET.schemeId).toBe(QUICKNET_INFO.schemeId);
  });

  it('maps rounds to time and back: round 1 at genesis, one round per period', () => {
    expect(roundTime(QUICKNET_BEACON, 1)).toBe(QUICKNET.genesisTime);
    expect(roundTime(QUICKNET_BEACON, 1000)).toBe(QUICKNET.genesisTime + 999 * 3);
    expect(roundAt(QUICKNET_BEACON, QUICKNET.genesisTime - 1)).toBe(0);
    expect(roundAt(QUICKNET_BEACON, QUICKNET.genesisTime)).toBe(1);
    expect(roundAt(QUICKNET_BEACON, roundTime(QUICKNET_BEACON, 1000) + 2)).toBe(1000);
    expect(roundAt(QUICKNET_BEACON, roundTime(QUICKNET_BEACON, 1000) + 3)).toBe(1001);
  });
});

describe('drand pulse verification', () => {
  it('accepts quicknet round 1000 under the quicknet key', () => {
    expect(verifyRound(QUICKNET_BEACON.publicKey, PULSE_1000.round, signature)).toBe(true);
  });

  it('refuses a good signature for another round', () => {
    expect(verifyRound(QUICKNET_BEACON.publicKey, 1001, signature)).toBe(false);
  });

  it('refuses the bad pulse pallet-drand refuses: its signature is no G1 point (PulseVerificationError there)', () => {
    expect(() => verifyRound(QUICKNET_BEACON.publicKey, BAD_PULSE_1000.round, bytes(BAD_PULSE_1000.signature))).toThrow(InvalidPointError);
  });

  it('throws on bytes that are not a G1 point (a peer-supplied pulse)', () => {
    expect(() => verifyRound(QUICKNET_BEACON.publicKey, 1000, signature.slice(0, 47))).toThrow(InvalidPointError);
    const offCurve = signature.slice();
    offCurve[47] ^= 1;
    expect(() => verifyRound(QUICKNET_BEACON.publicKey, 1000, offCurve)).toThrow(InvalidPointError);
    const infinity = new Uint8Array(48);
    infinity[0] = 0xc0;
    expect(() => verifyRound(QUICKNET_BEACON.publicKey, 1000, infinity)).toThrow(/infinity/);
  });

  it('verifies rounds a test beacon signs with its own key', () => {
    const pk = beaconPublicKey(0x1234n);
    expect(verifyRound(pk, 42, signRound(0x1234n, 42))).toBe(true);
    expect(verifyRound(pk, 43, signRound(0x1234n, 42))).toBe(false);
    expect(verifyRound(QUICKNET_BEACON.publicKey, 42, signRound(0x1234n, 42))).toBe(false);
  });
});

describe('timelock decryption of ciphertexts made by tle', () => {
  it('opens tle`s ciphertext (bittensor-drand`s revision) with quicknet`s round-1000 signature', () => {
    expect(u8aToHex(timelockDecrypt(bytes(TLE_CIPHERTEXT), signature))).toBe(u8aToHex(payload));
  });

  it('opens the refactored timelock crate`s ciphertext', () => {
    expect(u8aToHex(timelockDecrypt(bytes(TIMELOCK_CIPHERTEXT), signature))).toBe(u8aToHex(payload));
  });

  it('refuses to open them with another round`s signature', () => {
    expect(() => timelockDecrypt(bytes(TLE_CIPHERTEXT), signRound(0x1234n, 1000))).toThrow(TimelockError);
  });
});

describe('timelock encryption', () => {
  it('reproduces tle`s ciphertext byte for byte from the same random bytes', () => {
    const stream = fixedStream();
    let first = true;
    const key = new Uint8Array(32).fill(2);
    const random = (n: number) => {
      if (!first) return stream(n);
      first = false;
      return key;
    };
    expect(u8aToHex(timelockEncrypt(payload, 1000, QUICKNET_BEACON.publicKey, random))).toBe(`0x${TLE_FIXED_STREAM_CIPHERTEXT}`);
  });

  it('round-trips to quicknet round 1000 and opens only with that round`s signature', () => {
    const ct = timelockEncrypt(payload, 1000, QUICKNET_BEACON.publicKey);
    expect(u8aToHex(timelockDecrypt(ct, signature))).toBe(u8aToHex(payload));
    expect(() => timelockDecrypt(timelockEncrypt(payload, 1001, QUICKNET_BEACON.publicKey), signature)).toThrow(/does not open/);
  });

  it('is randomised: two encryptions of one message differ', () => {
    const a = timelockEncrypt(payload, 1000, QUICKNET_BEACON.publicKey);
    const b = timelockEncrypt(payload, 1000, QUICKNET_BEACON.publicKey);
    expect(u8aToHex(a)).not.toBe(u8aToHex(b));
  });

  it('writes the ark-serialize layout: U, V, W, body (ct, nonce), suite', () => {
    const ct = parseCiphertext(timelockEncrypt(payload, 1000, QUICKNET_BEACON.publicKey));
    expect(ct.u.length).toBe(96);
    expect(ct.v.length).toBe(32);
    expect(ct.w.length).toBe(32);
    expect(ct.nonce.length).toBe(12);
    expect(ct.aesCiphertext.length).toBe(payload.length + 16);
    expect(new TextDecoder().decode(ct.cipherSuite)).toBe('AES_GCM_');
  });
});

describe('hostile ciphertexts are refused with a cause, never a crash', () => {
  const good = bytes(TLE_CIPHERTEXT);

  it('a flipped byte in the AES body fails authentication', () => {
    const bad = good.slice();
    bad[bad.length - 40] ^= 1;
    expect(() => timelockDecrypt(bad, signature)).toThrow(/authentication/);
  });

  it('a flipped byte in V or W fails the U = rP check', () => {
    for (const at of [96 + 8, 96 + 8 + 32 + 8]) {
      const bad = good.slice();
      bad[at] ^= 1;
      expect(() => timelockDecrypt(bad, signature)).toThrow(/does not open/);
    }
  });

  it('U that is not a G2 point', () => {
    const bad = good.slice();
    bad[95] ^= 1;
    expect(() => timelockDecrypt(bad, signature)).toThrow(/ciphertext U/);
  });

  it('truncated, trailing or oversized input', () => {
    expect(() => parseCiphertext(good.slice(0, good.length - 1))).toThrow(/left/);
    expect(() => parseCiphertext(new Uint8Array([...good, 0]))).toThrow(/trailing/);
    expect(() => parseCiphertext(new Uint8Array(MAX_COMMIT_BYTES + 1))).toThrow(/more than 5000/);
    expect(() => parseCiphertext(new Uint8Array(10))).toThrow(TimelockError);
  });

  it('a length field claiming more than the input holds (no allocation from it)', () => {
    const bad = good.slice();
    // V's u64 length → 2^63: refused before any copy.
    bad.set([0, 0, 0, 0, 0, 0, 0, 0x80], 96);
    expect(() => parseCiphertext(bad)).toThrow(/V must be 32 bytes/);
    const body = good.slice();
    body.set([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], 96 + 80);
    expect(() => parseCiphertext(body)).toThrow(/body says/);
  });
});
