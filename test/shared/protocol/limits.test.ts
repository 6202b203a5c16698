/**
 * The per-operation limits hold every honest message with room to spare, and little more: an openings
 * answer is bounded by what was asked, not by the largest frame the validator accepts.
 */
import { describe, expect, it } from 'vitest';
import { rowProofLength } from '../../../shared/challenge/merkle.js';
import { MAX_OPENED_ROWS, pickRows } from '../../../shared/challenge/openings.js';
import { PRECISIONS, type Challenge } from '../../../shared/challenge/types.js';
import { decodeErrorBody, decodeRequestBody, decodeResponseBody, encode } from '../../../shared/protocol/codec.js';
import { ERROR_LIMIT, FRAME_BYTES, REQUEST_BUDGETS, answerLimit } from '../../../shared/protocol/limits.js';
import { createSigner, cryptoReady, requestDigest, signRequest, signResponse } from '../../../shared/protocol/signing.js';
import { checkValue } from '../../../shared/protocol/msgpack.js';
import { challenge, pair } from '../../miner/fixtures.js';

await cryptoReady();
const validator = createSigner(pair('//Alice'));
const miner = createSigner(pair('//Bob'));

/** A signed answer frame to a request of `op`, as the reference miner encodes it. */
function answer(op: 'ping' | 'device' | 'challenge' | 'open', body: unknown, status: 'ok' | 'error' = 'ok'): Uint8Array {
  const request = signRequest(validator, { op, id: 0xffff_ffff, receiver: miner.address, body: encode({}) });
  return encode(signResponse(miner, { op, id: request.id, receiver: validator.address, status, body: encode(body) }, requestDigest(request)));
}

/** Openings of the largest honest shape: every requested row, n values, the longest path its tree has. */
function openings(c: Pick<Challenge, 'id' | 'precision' | 'm' | 'n'>, rows: number) {
  const request = pickRows(c, rows);
  const bytesPer = c.precision === 'fp64' ? 8 : 4;
  return {
    request,
    body: {
      id: c.id,
      rows: request.rows.map((r) => ({
        matrix: r.matrix,
        row: r.row,
        data: new Uint8Array(c.n * bytesPer),
        path: Array.from({ length: rowProofLength(r.matrix, r.row, c.m, c.n) }, () => new Uint8Array(32)),
      })),
    },
  };
}

describe('limits', () => {
  it('an openings answer fits its limit and its value budget (4- and 8-byte results), within 25 % + 2 KiB of it', () => {
    const cases = [
      { m: 1, n: 64, rows: 1 },
      { m: 2, n: 64, rows: 48 },
      { m: 1024, n: 128, rows: MAX_OPENED_ROWS },
      { m: 7, n: 4096, rows: 48 },
      { m: 3, n: 16384, rows: 8 },
    ];
    for (const precision of ['fp32', 'fp64'] as const) {
      for (const { m, n, rows } of cases) {
        const c = challenge({ precision, m, n });
        const { request, body } = openings(c, rows);
        const limit = answerLimit('open', request, c, 1 << 30);
        const frame = answer('open', body);
        expect(frame.length, `${precision} m=${m} n=${n} rows=${rows}`).toBeLessThanOrEqual(limit.maxBytes);
        expect(limit.maxBytes).toBeLessThanOrEqual(1.25 * frame.length + 2048);
        expect(decodeResponseBody('open', encode(body), limit).rows).toHaveLength(request.rows.length);
      }
    }
  });

  it('without the challenge, an openings answer is held to the schema maxima and the validator cap', () => {
    const request = { id: 'a'.repeat(32), rows: [{ matrix: 0, row: 0 }] };
    expect(answerLimit('open', request, undefined, 1 << 30).maxBytes).toBeGreaterThanOrEqual(8 * 131072 + 64 * 34);
    expect(answerLimit('open', request, undefined, 100_000).maxBytes).toBe(100_000);
  });

  it('ping, device, commitment and the longest refusal fit FRAME_BYTES, even in 3-byte characters', () => {
    const c = challenge();
    expect(answer('ping', { time: Date.now() }).length).toBeLessThanOrEqual(FRAME_BYTES);
    const device = { backend: 'cuda', name: '€'.repeat(256), memoryBytes: 2 ** 40, precisions: [...PRECISIONS], detail: '€'.repeat(1024) };
    expect(answer('device', device).length).toBeLessThanOrEqual(FRAME_BYTES);
    expect(decodeResponseBody('device', encode(device), answerLimit('device', {}, undefined, 1 << 30)).name).toBe(device.name);
    expect(answer('challenge', { id: c.id, gemms: 1024, root: new Uint8Array(32) }).length).toBeLessThanOrEqual(FRAME_BYTES);
    const refusal = { code: 'E_BAD_REQUEST', message: '€'.repeat(1024), retryAfterMs: 3_600_000 };
    expect(answer('open', refusal, 'error').length).toBeLessThanOrEqual(ERROR_LIMIT.maxBytes);
    expect(decodeErrorBody(encode(refusal)).message).toBe(refusal.message);
  });

  it('the largest request, 256 rows to open, fits FRAME_BYTES and its budget', () => {
    const c = challenge({ m: 1024, n: 131072 });
    const request = pickRows(c, MAX_OPENED_ROWS);
    const frame = encode(signRequest(validator, { op: 'open', id: 0xffff_ffff, receiver: miner.address, body: encode(request) }));
    expect(frame.length).toBeLessThanOrEqual(FRAME_BYTES);
    expect(decodeRequestBody('open', encode(request)).rows).toHaveLength(MAX_OPENED_ROWS);
    expect(() => checkValue(encode({ ...request, rows: [...request.rows, { matrix: 0, row: 0 }] }), REQUEST_BUDGETS.open)).toThrow(/values/);
  });
});
