import { Keyring } from '@polkadot/keyring';
import { sr25519Verify } from '@polkadot/util-crypto';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../helpers/protocol.js';
import { encode } from '../../../shared/protocol/codec.js';
import {
  ReplayGuard,
  createSigner,
  cryptoReady,
  requestDigest,
  requestMessage,
  signRequest,
  signResponse,
  verifyRequest,
  verifyResponse,
} from '../../../shared/protocol/signing.js';
import { pair } from '../../miner/fixtures.js';

await cryptoReady();
const validator = pair('//Alice');
const miner = pair('//Bob');
const now = 1_700_000_000_000;
const request = (over: Partial<Parameters<typeof signRequest>[1]> = {}) =>
  signRequest(createSigner(validator), { op: 'ping', id: 1, receiver: miner.address, body: encode({}), timestamp: now, ...over });


describe('signing', () => {
  it('the fast signer makes standard sr25519 signatures (checked with util-crypto) over the request fields', () => {
    const frame = request();
    expect(sr25519Verify(requestMessage(frame), frame.signature, validator.publicKey)).toBe(true);
    expect(createSigner(validator).address).toBe(validator.address);
  });

  it('falls back to the pair for keys it cannot export (ed25519)', () => {
    const ed = new Keyring({ type: 'ed25519' }).addFromUri('//Alice');
    const signer = createSigner(ed);
    expect(ed.verify(new Uint8Array([1, 2]), signer.sign(new Uint8Array([1, 2])), ed.publicKey)).toBe(true);
  });

  it('accepts an authentic request once, and each field it covers is bound', () => {
    const frame = request({ body: encode({ a: 1 }) });
    expect(codeOf(() => verifyRequest(frame, miner.address, new ReplayGuard(), now))).toBe('ok');
    const tampered: Array<Partial<typeof frame>> = [
      { op: 'device' },
      { id: 2 },
      { nonce: '0'.repeat(32) },
      { timestamp: now + 1 },
      { body: encode({ a: 2 }) },
      { sender: miner.address },
    ];
    for (const change of tampered) {
      expect(codeOf(() => verifyRequest({ ...frame, ...change }, miner.address, new ReplayGuard(), now)), JSON.stringify(Object.keys(change))).toBe('E_BAD_SIGNATURE');
    }
  });

  it('checks the signature before the receiver, window and nonce', () => {
    const forged = { ...request({ receiver: validator.address, timestamp: 0 }), signature: new Uint8Array(64) };
    expect(codeOf(() => verifyRequest(forged, miner.address, new ReplayGuard(), now))).toBe('E_BAD_SIGNATURE');
    expect(codeOf(() => verifyRequest(request({ receiver: validator.address }), miner.address, new ReplayGuard(), now))).toBe('E_WRONG_RECEIVER');
  });

  it('enforces the timestamp window at its edges', () => {
    const guard = new ReplayGuard({ maxAgeMs: 30_000, maxFutureMs: 5_000 });
    expect(codeOf(() => verifyRequest(request({ timestamp: now - 30_000 }), miner.address, guard, now))).toBe('ok');
    expect(codeOf(() => verifyRequest(request({ timestamp: now - 30_001 }), miner.address, guard, now))).toBe('E_STALE');
    expect(codeOf(() => verifyRequest(request({ timestamp: now + 5_000 }), miner.address, guard, now))).toBe('ok');
    expect(codeOf(() => verifyRequest(request({ timestamp: now + 5_001 }), miner.address, guard, now))).toBe('E_STALE');
  });

  it('refuses a recorded nonce for as long as its timestamp is in the window', () => {
    const guard = new ReplayGuard({ maxAgeMs: 30_000, maxFutureMs: 5_000 });
    const frame = request();
    verifyRequest(frame, miner.address, guard, now);
    guard.record(frame.sender, frame.nonce);
    expect(codeOf(() => verifyRequest(frame, miner.address, guard, now + 1_000))).toBe('E_REPLAY');
    // Once the window has passed the request is stale, whatever the nonce memory holds.
    expect(codeOf(() => verifyRequest(frame, miner.address, guard, now + 30_001))).toBe('E_STALE');
    // Another sender's identical nonce is its own.
    const other = signRequest(createSigner(miner), { op: 'ping', id: 1, receiver: miner.address, body: encode({}), timestamp: now, nonce: frame.nonce });
    expect(codeOf(() => verifyRequest(other, miner.address, guard, now))).toBe('ok');
  });

  it('binds a response to its request, its status and its body', () => {
    const req = request();
    const digest = requestDigest(req);
    const res = signResponse(createSigner(miner), { op: 'ping', id: 1, receiver: validator.address, status: 'ok', body: encode({ time: 5 }) }, digest);
    expect(verifyResponse(res, miner.address, digest)).toBe(true);
    expect(verifyResponse(res, validator.address, digest)).toBe(false);
    expect(verifyResponse(res, miner.address, requestDigest(request()))).toBe(false);
    expect(verifyResponse({ ...res, body: encode({ time: 6 }) }, miner.address, digest)).toBe(false);
    expect(verifyResponse({ ...res, status: 'error' }, miner.address, digest)).toBe(false);
    expect(verifyResponse({ ...res, id: 2 }, miner.address, digest)).toBe(false);
    const unsigned = signResponse(createSigner(miner), { op: null, id: null, receiver: null, status: 'error', body: encode({}) }, null);
    expect(unsigned.signature).toBeNull();
    expect(verifyResponse(unsigned, miner.address, digest)).toBe(false);
  });
});
