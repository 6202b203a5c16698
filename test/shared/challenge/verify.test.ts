import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { committedPart, createChallenge } from '../../../shared/challenge/challenge.js';
import { colOfB, matrixKey, rowOfA } from '../../../shared/challenge/elements.js';
import { hashLeaf, merkleLevels, merkleProof, merkleRoot, rowProof } from '../../../shared/challenge/merkle.js';
import { pickRows } from '../../../shared/challenge/openings.js';
import { entryBound, referenceDot } from '../../../shared/challenge/tolerance.js';
import { REASON_CODES, verifyOpenings, type Verdict } from '../../../shared/challenge/verify.js';
import type { Challenge, OpeningRequest, Openings, Precision } from '../../../shared/challenge/types.js';

/** An honest miner written directly from the spec: fp64 dot products rounded to the result type. */
function honestRows(challenge: Challenge): Uint8Array[] {
  const { precision, m, n, k, seed } = challenge;
  const width = precision === 'fp64' ? 8 : 4;
  const rows: Uint8Array[] = [];
  for (let j = 0; j < m; j++) {
    const keyA = matrixKey(seed, 'A', j);
    const keyB = matrixKey(seed, 'B', j);
    const cols = Array.from({ length: n }, (_, c) => colOfB(precision, keyB, c, k));
    for (let r = 0; r < n; r++) {
      const a = rowOfA(precision, keyA, r, k);
      const out = Buffer.alloc(n * width);
      cols.forEach((b, c) => {
        const v = referenceDot(precision, a, b, k).value;
        if (width === 8) out.writeDoubleLE(v, c * 8);
        else out.writeFloatLE(v, c * 4);
      });
      rows.push(new Uint8Array(out));
    }
  }
  return rows;
}

/** The v3 commitment (a tree per GEMM, then a tree over the GEMM roots) and the openings of `request`. */
function answer(challenge: Challenge, rows: Uint8Array[], request: OpeningRequest) {
  const { m, n } = challenge;
  const leaves = (j: number) => new Uint8Array(Buffer.concat(rows.slice(j * n, (j + 1) * n).map(hashLeaf)));
  const gemmLevels = Array.from({ length: m }, (_, j) => merkleLevels(leaves(j)));
  const top = merkleLevels(new Uint8Array(Buffer.concat(gemmLevels.map(merkleRoot))));
  const commitment = { id: challenge.id, gemms: m, root: merkleRoot(top) };
  const openings: Openings = {
    id: challenge.id,
    rows: request.rows.map(({ matrix, row }) => ({
      matrix,
      row,
      data: rows[matrix * n + row]!.slice(),
      path: rowProof(gemmLevels[matrix]!, row, top, matrix),
    })),
  };
  return { commitment, openings };
}

// With n not a power of two (7) the v3 tree over GEMM roots differs from v2's flat tree over all rows.
const small = (precision: Precision = 'fp32', n = 8) => createChallenge({ precision, m: 2, n, k: 64, deadlineMs: 1000 });

describe('verifyOpenings', () => {
  it('accepts an honest answer in every class', () => {
    for (const precision of ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8'] as const) {
      const challenge = small(precision, 7);
      const request = pickRows(challenge, 16);
      const { commitment, openings } = answer(challenge, honestRows(challenge), request);
      const verdict = verifyOpenings(challenge, commitment, request, openings, { entries: 8 });
      expect(verdict).toMatchObject({ ok: true, reason: 'ok', rowsChecked: 14, entriesChecked: 98 }); // 8 entries asked, 7 columns exist
    }
  });

  it("refuses a commitment to protocol v2's flat tree over all rows (bad_path)", () => {
    const challenge = small('fp32', 7);
    const rows = honestRows(challenge);
    const request = pickRows(challenge, 6);
    const flat = merkleLevels(new Uint8Array(Buffer.concat(rows.map(hashLeaf))));
    const commitment = { id: challenge.id, gemms: challenge.m, root: merkleRoot(flat) };
    const openings = {
      id: challenge.id,
      rows: request.rows.map(({ matrix, row }) => ({ matrix, row, data: rows[matrix * challenge.n + row]!.slice(), path: merkleProof(flat, matrix * challenge.n + row) })),
    };
    expect(verifyOpenings(challenge, commitment, request, openings, { entries: 2 }).reason).toBe('bad_path');
  });

  it('bounds the accepted error by τ·u·√k·‖a∘b‖: one ulp-sized change passes, 2× the bound fails', () => {
    const challenge = createChallenge({ precision: 'fp32', m: 1, n: 4, k: 64, deadlineMs: 1000 });
    const rows = honestRows(challenge);
    const request: OpeningRequest = { id: challenge.id, rows: [{ matrix: 0, row: 1 }] };
    const a = rowOfA('fp32', matrixKey(challenge.seed, 'A', 0), 1, 64);
    const b = colOfB('fp32', matrixKey(challenge.seed, 'B', 0), 2, 64);
    const ref = referenceDot('fp32', a, b, 64);
    const bound = entryBound('fp32', 64, ref.sumSquares);
    const columnTwo = () => 2; // the verifier checks column 2
    const withEntry = (value: number) => {
      const changed = rows.map((r) => r.slice());
      Buffer.from(changed[1]!.buffer).writeFloatLE(value, 8);
      const { commitment, openings } = answer(challenge, changed, request);
      return verifyOpenings(challenge, commitment, request, openings, { entries: 1, random: columnTwo });
    };
    expect(withEntry(Math.fround(ref.value + bound * 0.5)).ok).toBe(true);
    const rejected = withEntry(ref.value + 2 * bound);
    expect(rejected.reason).toBe('out_of_tolerance');
    expect(rejected.worstRatio).toBeGreaterThan(1.5);
    expect(rejected.detail).toMatch(/C_0\[1, 2\]/);
  });

  it('rejects a late root, a wrong id, missing, extra, reordered rows, a wrong length and NaN', () => {
    const challenge = small();
    const request = pickRows(challenge, 4);
    const { commitment, openings } = answer(challenge, honestRows(challenge), request);
    const check = (o: unknown, c: unknown = commitment, options = {}) => verifyOpenings(challenge, c, request, o, options).reason;

    expect(check(openings, commitment, { elapsedMs: 1001 })).toBe('late');
    expect(check(openings, commitment, { elapsedMs: Number.NaN })).toBe('late');
    expect(check(openings, commitment, { elapsedMs: 999 })).toBe('ok');
    expect(check(openings, { ...commitment, id: 'f'.repeat(32) })).toBe('id_mismatch');
    expect(check({ ...openings, id: 'x' })).toBe('id_mismatch');
    expect(check({ ...openings, rows: openings.rows.slice(1) })).toBe('wrong_rows');
    expect(check({ ...openings, rows: [...openings.rows, openings.rows[0]] })).toBe('wrong_rows');
    expect(check({ ...openings, rows: [...openings.rows].reverse() })).toBe('wrong_rows');
    const first = openings.rows[0]!;
    const withFirst = (row: object) => ({ ...openings, rows: [{ ...first, ...row }, ...openings.rows.slice(1)] });
    expect(check(withFirst({ data: first.data.slice(0, 31) }))).toBe('bad_length');
    expect(check(withFirst({ data: new Uint8Array(first.data.length + 4) }))).toBe('bad_length');
    expect(check(withFirst({ data: new Uint8Array(8 * 131072 + 1) }))).toBe('malformed');
    expect(check(withFirst({ path: first.path.slice(1) }))).toBe('bad_path');
    expect(check(withFirst({ path: [...first.path, first.path[0]] }))).toBe('bad_path');
    expect(check(withFirst({ row: 10 ** 6 }))).toBe('wrong_rows');
    expect(check(withFirst({ row: -1 }))).toBe('malformed');

    // A NaN the miner committed to: the path is valid, the value is not.
    const rows = honestRows(challenge);
    const leaf = first.matrix * challenge.n + first.row;
    Buffer.from(rows[leaf]!.buffer).writeFloatLE(Number.NaN, 4);
    const nan = answer(challenge, rows, request);
    expect(verifyOpenings(challenge, nan.commitment, request, nan.openings).reason).toBe('non_finite');
    Buffer.from(rows[leaf]!.buffer).writeFloatLE(Number.POSITIVE_INFINITY, 4);
    const inf = answer(challenge, rows, request);
    expect(verifyOpenings(challenge, inf.commitment, request, inf.openings).reason).toBe('non_finite');
  });

  it('rejects a request outside the challenge instead of throwing', () => {
    const challenge = small();
    const request = { id: challenge.id, rows: [{ matrix: 2, row: 0 }] };
    expect(verifyOpenings(challenge, { id: challenge.id, gemms: challenge.m, root: new Uint8Array(32) }, request, { id: challenge.id, rows: [] }).reason).toBe('out_of_range');
  });

  it('judges a commitment to the first GEMMs on those GEMMs alone', () => {
    const challenge = small();
    const part = committedPart(challenge, 1);
    const rows = honestRows(part);
    const request = pickRows(part, 4);
    expect(request.rows.every((r) => r.matrix === 0)).toBe(true);
    const { commitment, openings } = answer(part, rows, request);
    expect(commitment.gemms).toBe(1);
    expect(verifyOpenings(challenge, commitment, request, openings).reason).toBe('ok');
    // A row of a GEMM it did not commit to does not exist; nor does a GEMM the challenge does not have.
    const beyond = { id: challenge.id, rows: [{ matrix: 1, row: 0 }] };
    expect(verifyOpenings(challenge, commitment, beyond, openings).reason).toBe('out_of_range');
    expect(verifyOpenings(challenge, { ...commitment, gemms: challenge.m + 1 }, request, openings).reason).toBe('out_of_range');
  });

  it('never throws and never accepts arbitrary peer input', () => {
    const challenge = small();
    const request = pickRows(challenge, 4);
    const honest = answer(challenge, honestRows(challenge), request);
    const isVerdict = (v: Verdict) => REASON_CODES.includes(v.reason) && v.ok === (v.reason === 'ok');
    fc.assert(
      fc.property(fc.anything({ withTypedArray: true, withBigInt: true, withMap: true }), fc.anything({ withTypedArray: true }), (commitment, openings) => {
        for (const v of [
          verifyOpenings(challenge, commitment, request, openings),
          verifyOpenings(challenge, honest.commitment, request, openings),
          verifyOpenings(challenge, commitment, request, honest.openings),
        ]) {
          expect(isVerdict(v)).toBe(true);
          expect(v.ok).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
    const hostile = [null, undefined, 42, 'x', [], { id: challenge.id, rows: null }, { id: challenge.id, rows: [{}] },
      { get id(): string { throw new Error('getter bomb'); } }];
    for (const h of hostile) {
      expect(isVerdict(verifyOpenings(challenge, honest.commitment, request, h))).toBe(true);
      expect(isVerdict(verifyOpenings(h as Challenge, honest.commitment, request, honest.openings))).toBe(true);
      expect(isVerdict(verifyOpenings(challenge, honest.commitment, h as OpeningRequest, honest.openings))).toBe(true);
    }
  });
});
