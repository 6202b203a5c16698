/**
 * The envelope's test vector of docs/protocol.md §16.9: a signed ping from //Alice to //Bob, Bob's signed
 * answer, and an unsigned refusal, as the reference encodes them. sr25519 signatures are randomised, so
 * this makes new ones each run: run it only when the vector must change (a new protocol version), then
 * check the result with `npx vitest run test/shared/protocol/vector.test.ts`.
 *
 *   npx tsx scripts/protocol-vector.ts           print the block
 *   npx tsx scripts/protocol-vector.ts --write   replace it in docs/protocol.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { ProtocolError, encode } from '../shared/protocol/codec.js';
import { createSigner, cryptoReady, requestDigest, requestMessage, responseMessage, signRequest, signResponse } from '../shared/protocol/signing.js';

export const VECTOR_START = '<!-- envelope-vector:start -->';
export const VECTOR_END = '<!-- envelope-vector:end -->';
/** The fixed inputs: everything but the two signatures. */
export const VECTOR_INPUTS = { id: 1, timestamp: 1_700_000_000_000, nonce: '000102030405060708090a0b0c0d0e0f', time: 1_700_000_000_001 };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Long hex cut into lines of 64 characters, continuations indented under the value. */
const wrap = (h: string): string => (h.match(/.{1,64}/g) ?? ['']).join(`\n${' '.repeat(20)}`);
const line = (name: string, value: string): string => `${name.padEnd(20)}${value}`;

async function block(): Promise<string> {
  await cryptoReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = createSigner(keyring.addFromUri('//Alice'));
  const bob = createSigner(keyring.addFromUri('//Bob'));
  const request = signRequest(alice, { op: 'ping', id: VECTOR_INPUTS.id, receiver: bob.address, body: encode({}), timestamp: VECTOR_INPUTS.timestamp, nonce: VECTOR_INPUTS.nonce });
  const digest = requestDigest(request);
  const response = signResponse(bob, { op: 'ping', id: request.id, receiver: alice.address, status: 'ok', body: encode({ time: VECTOR_INPUTS.time }) }, digest);
  const refusal = signResponse(bob, { op: null, id: null, receiver: null, status: 'error', body: encode(new ProtocolError('E_MALFORMED', 'not a frame').toBody()) }, null);
  return [
    '```text',
    line('validator', `${alice.address} (//Alice)`),
    line('miner', `${bob.address} (//Bob)`),
    line('request.body', hex(request.body)),
    line('request.message', JSON.stringify(Buffer.from(requestMessage(request)).toString('utf8'))),
    line('request.signature', wrap(hex(request.signature))),
    line('request.frame', wrap(hex(encode(request)))),
    line('request.digest', hex(digest)),
    line('response.body', hex(response.body)),
    line('response.message', JSON.stringify(Buffer.from(responseMessage(response, digest)).toString('utf8'))),
    line('response.signature', wrap(hex(response.signature!))),
    line('response.frame', wrap(hex(encode(response)))),
    line('refusal.frame', wrap(hex(encode(refusal)))),
    '```',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await block();
  if (process.argv.includes('--write')) {
    const path = fileURLToPath(new URL('../docs/protocol.md', import.meta.url));
    const doc = readFileSync(path, 'utf8');
    const i = doc.indexOf(VECTOR_START);
    const j = doc.indexOf(VECTOR_END);
    if (i < 0 || j < i) throw new Error(`docs/protocol.md has no ${VECTOR_START} … ${VECTOR_END} block`);
    writeFileSync(path, `${doc.slice(0, i + VECTOR_START.length)}\n${text}\n${doc.slice(j)}`);
  } else {
    process.stdout.write(`${text}\n`);
  }
}
