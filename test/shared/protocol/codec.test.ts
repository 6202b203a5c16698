import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, decodeFrame, decodeRequestBody, decodeResponseBody, encode, peekRequestId } from '../../../shared/protocol/codec.js';
import { PROTOCOL_VERSION } from '../../../shared/protocol/messages.js';
import { createSigner, cryptoReady, signRequest } from '../../../shared/protocol/signing.js';
import { challenge, pair } from '../../miner/fixtures.js';

await cryptoReady();
const alice = pair('//Alice');
const bob = pair('//Bob');
const request = () => signRequest(createSigner(alice), { op: 'challenge', id: 42, receiver: bob.address, body: encode(challenge()) });

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (error) {
    return error instanceof ProtocolError ? error.code : `not a ProtocolError: ${String(error)}`;
  }
  return 'no error';
};

describe('codec', () => {
  it('round-trips a signed request frame field for field', () => {
    const frame = request();
    const decoded = decodeFrame(encode(frame), 1 << 16);
    expect(decoded).toEqual({ ...frame, body: Buffer.from(frame.body), signature: Buffer.from(frame.signature) });
  });

  it('decodes bodies with their operation schema', () => {
    const c = challenge();
    expect(decodeRequestBody('challenge', encode(c))).toMatchObject({ id: c.id, m: c.m, precision: 'fp32' });
    expect(codeOf(() => decodeRequestBody('challenge', encode({ ...c, precision: 'fp4' })))).toBe('E_SCHEMA');
    expect(codeOf(() => decodeRequestBody('ping', encode({ extra: 1 })))).toBe('E_SCHEMA');
    expect(codeOf(() => decodeResponseBody('challenge', encode({ id: c.id, root: new Uint8Array(31) }), { maxValues: 32, maxDepth: 2 }))).toBe('E_SCHEMA');
  });

  it('refuses with a reason code: size, msgpack, version, schema', () => {
    expect(codeOf(() => decodeFrame(new Uint8Array(101), 100))).toBe('E_FRAME_TOO_LARGE');
    expect(codeOf(() => decodeFrame(new Uint8Array(0), 100))).toBe('E_MALFORMED');
    expect(codeOf(() => decodeFrame(new Uint8Array([0xc1]), 100))).toBe('E_MALFORMED');
    expect(codeOf(() => decodeFrame(encode({ ...request(), v: PROTOCOL_VERSION + 1 }), 1 << 16))).toBe('E_VERSION');
    // A v1 peer (fixed-work challenges) is told so before anything else is read.
    expect(codeOf(() => decodeFrame(encode({ ...request(), v: 1 }), 1 << 16))).toBe('E_VERSION');
    expect(codeOf(() => decodeFrame(encode({ ...request(), sender: 'not-an-address' }), 1 << 16))).toBe('E_SCHEMA');
    // A base58 string with a broken checksum is not an address.
    const bad = alice.address.slice(0, -1) + (alice.address.endsWith('a') ? 'b' : 'a');
    expect(codeOf(() => decodeFrame(encode({ ...request(), sender: bad }), 1 << 16))).toBe('E_SCHEMA');
    expect(codeOf(() => decodeFrame(encode({ ...request(), nonce: 'x'.repeat(32) }), 1 << 16))).toBe('E_SCHEMA');
  });

  it('peeks the request id of a frame that fails its schema, and nothing else', () => {
    expect(peekRequestId(encode({ id: 9, junk: true }))).toBe(9);
    expect(peekRequestId(encode({ id: -1 }))).toBeNull();
    expect(peekRequestId(new Uint8Array([0xc1]))).toBeNull();
  });

  it('turns any byte string into a frame or a ProtocolError, never another throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const code = codeOf(() => decodeFrame(bytes, 256));
        expect(code).not.toMatch(/^not a ProtocolError/);
      }),
      { numRuns: 3000 },
    );
  });

  it('survives mutations of a valid frame', () => {
    const bytes = encode(request());
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const mutated = Uint8Array.from(bytes);
        mutated[at] = value;
        expect(codeOf(() => decodeFrame(mutated, 1 << 16))).not.toMatch(/^not a ProtocolError/);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses deep nesting and huge announced lengths within the size bound', () => {
    const deep = new Uint8Array(60_000).fill(0x91); // fixarray(1) nested 60,000 deep
    expect(codeOf(() => decodeFrame(deep, 65_536))).toMatch(/^E_(MALFORMED|SCHEMA)$/);
    expect(codeOf(() => decodeFrame(new Uint8Array([0xdd, 0x7f, 0xff, 0xff, 0xff]), 100))).toBe('E_MALFORMED');
    expect(codeOf(() => decodeFrame(new Uint8Array([0xc6, 0x7f, 0xff, 0xff, 0xff]), 100))).toBe('E_MALFORMED');
  });
});
