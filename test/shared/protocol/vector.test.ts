/**
 * The envelope's test vector in docs/protocol.md §16.9, checked byte for byte: the signed messages are
 * rebuilt from the fixed inputs, the pinned signatures verify under //Alice's and //Bob's keys, and the
 * frames the reference encodes from those fields are exactly the pinned bytes.
 */
import { readFileSync } from 'node:fs';
import { sr25519Verify } from '@polkadot/util-crypto';
import { describe, expect, it } from 'vitest';
import { VECTOR_END, VECTOR_INPUTS, VECTOR_START } from '../../../scripts/protocol-vector.js';
import { decodeErrorBody, decodeFrame, decodeResponseBody, encode } from '../../../shared/protocol/codec.js';
import { PROTOCOL_VERSION, type RequestFrame, type ResponseFrame } from '../../../shared/protocol/messages.js';
import { cryptoReady, requestDigest, requestMessage, responseMessage, verifyResponse } from '../../../shared/protocol/signing.js';
import { pair } from '../../miner/fixtures.js';

await cryptoReady();
const alice = pair('//Alice');
const bob = pair('//Bob');

/** The vector block of docs/protocol.md: `name  value` lines, hex continued on indented lines. */
function vector(): Record<string, string> {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const block = doc.slice(doc.indexOf(VECTOR_START), doc.indexOf(VECTOR_END));
  const fields: Record<string, string> = {};
  let last = '';
  for (const line of block.split('\n')) {
    const named = /^([a-z.]+)\s+(.+)$/.exec(line);
    if (named) fields[(last = named[1]!)] = named[2]!;
    else if (/^\s+[0-9a-f]+$/.test(line) && last) fields[last] += line.trim();
  }
  return fields;
}
const bytes = (hex: string): Buffer => Buffer.from(hex, 'hex');
const text = (u: Uint8Array): string => Buffer.from(u).toString('utf8');

describe('docs/protocol.md §16.9 test vector', () => {
  const v = vector();

  it('is for this protocol version (regenerate it: npx tsx scripts/protocol-vector.ts --write)', () => {
    expect(JSON.parse(v['request.message']!)).toMatch(new RegExp(`^flopnet/${PROTOCOL_VERSION} request\n`));
    expect(v['validator']).toBe(`${alice.address} (//Alice)`);
    expect(v['miner']).toBe(`${bob.address} (//Bob)`);
  });

  it('request: the signed message from the fields, the signature by //Alice, the frame byte for byte', () => {
    const fields = { op: 'ping' as const, id: VECTOR_INPUTS.id, sender: alice.address, receiver: bob.address, nonce: VECTOR_INPUTS.nonce, timestamp: VECTOR_INPUTS.timestamp, body: encode({}) };
    expect(v['request.body']).toBe(Buffer.from(fields.body).toString('hex'));
    const message = requestMessage(fields);
    expect(text(message)).toBe(JSON.parse(v['request.message']!));
    const signature = bytes(v['request.signature']!);
    expect(sr25519Verify(message, signature, alice.publicKey)).toBe(true);
    expect(Buffer.from(requestDigest(fields)).toString('hex')).toBe(v['request.digest']);
    const frame: RequestFrame = { v: PROTOCOL_VERSION, type: 'request', ...fields, signature };
    expect(Buffer.from(encode(frame)).toString('hex')).toBe(v['request.frame']);
    expect(decodeFrame(bytes(v['request.frame']!), 1 << 16)).toEqual({ ...frame, body: Buffer.from(fields.body) });
  });

  it('response: bound to the request’s digest, signed by //Bob, the frame byte for byte', () => {
    const fields = { op: 'ping' as const, id: VECTOR_INPUTS.id, receiver: alice.address, status: 'ok' as const, body: encode({ time: VECTOR_INPUTS.time }) };
    expect(v['response.body']).toBe(Buffer.from(fields.body).toString('hex'));
    const digest = bytes(v['request.digest']!);
    const message = responseMessage({ ...fields, sender: bob.address }, digest);
    expect(text(message)).toBe(JSON.parse(v['response.message']!));
    const frame: ResponseFrame = { v: PROTOCOL_VERSION, type: 'response', ...fields, sender: bob.address, signature: bytes(v['response.signature']!) };
    expect(verifyResponse(frame, bob.address, digest)).toBe(true);
    expect(Buffer.from(encode(frame)).toString('hex')).toBe(v['response.frame']);
    const decoded = decodeFrame(bytes(v['response.frame']!), 1 << 16) as ResponseFrame;
    expect(decodeResponseBody('ping', decoded.body, { maxValues: 3, maxDepth: 1 })).toEqual({ time: VECTOR_INPUTS.time });
  });

  it('refusal: unsigned, no id, an error body, byte for byte', () => {
    const frame: ResponseFrame = {
      v: PROTOCOL_VERSION,
      type: 'response',
      op: null,
      id: null,
      receiver: null,
      status: 'error',
      body: encode({ code: 'E_MALFORMED', message: 'not a frame' }),
      sender: bob.address,
      signature: null,
    };
    expect(Buffer.from(encode(frame)).toString('hex')).toBe(v['refusal.frame']);
    const decoded = decodeFrame(bytes(v['refusal.frame']!), 1 << 16) as ResponseFrame;
    expect(decodeErrorBody(decoded.body)).toEqual({ code: 'E_MALFORMED', message: 'not a frame' });
  });
});
