/**
 * The validator's check of a miner's answer (docs/protocol.md §8): the opened rows must be the ones asked
 * for, hash to leaves under the committed root, hold only finite numbers, and match e regenerated entries
 * each within the class's tolerance.
 *
 * Every argument may come from a peer, so nothing here trusts a type: the inputs are parsed, any failure
 * becomes a Verdict with a reason code, and no exception escapes.
 */
import {
  zChallenge,
  zCommitment,
  zOpeningRequest,
  zOpenings,
  type Challenge,
  type OpeningRequest,
  type RowOpening,
} from './types.js';
import { colOfB, matrixKey, rowOfA } from './elements.js';
import { hashLeaf, verifyRowProof } from './merkle.js';
import { cryptoRandomInt, DEFAULT_ENTRIES_PER_ROW, pickColumns, type RandomInt } from './openings.js';
import { entryBound, referenceDot } from './tolerance.js';

export const REASON_CODES = [
  /** Every check passed. */
  'ok',
  /** An argument does not have the wire schema's shape (types, sizes, missing fields). */
  'malformed',
  /** The commitment or openings name a different challenge. */
  'id_mismatch',
  /** The root arrived after the challenge's deadline. */
  'late',
  /** The commitment claims more GEMMs than the challenge has, or the request names a row outside the committed rows. */
  'out_of_range',
  /** The openings are not exactly the requested rows, in the requested order. */
  'wrong_rows',
  /** An opened row does not hold n values of the class's result type. */
  'bad_length',
  /** An opened row's Merkle path does not lead to the committed root. */
  'bad_path',
  /** An opened row holds NaN or ±Infinity. */
  'non_finite',
  /** A checked entry is farther from the reference than the tolerance allows. */
  'out_of_tolerance',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Verdict {
  ok: boolean;
  reason: ReasonCode;
  /** For people: which row or entry failed and by how much. */
  detail?: string;
  /** Opened rows whose path and values were checked. */
  rowsChecked: number;
  /** Entries compared with the reference. */
  entriesChecked: number;
  /** max |c − ref| / bound over the checked entries (≤ 1 passes); 0 when none was checked. */
  worstRatio: number;
}

export interface VerifyOptions {
  /** Entries checked per opened row (the same columns in every opened row of a matrix). */
  entries?: number;
  /** Source of the column choice; a CSPRNG unless a test injects one. */
  random?: RandomInt;
  /** Validator-measured time from sending the challenge to receiving the root, minus the round trip. */
  elapsedMs?: number;
}

/** Bytes per result value: binary64 for the fp64 class, binary32 for all others. */
export function resultBytes(precision: Challenge['precision']): 4 | 8 {
  return precision === 'fp64' ? 8 : 4;
}

/** Decodes an opened row's little-endian values. */
export function decodeRow(precision: Challenge['precision'], data: Uint8Array): Float64Array {
  const width = resultBytes(precision);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float64Array(Math.floor(data.byteLength / width));
  for (let i = 0; i < out.length; i++) out[i] = width === 8 ? view.getFloat64(i * width, true) : view.getFloat32(i * width, true);
  return out;
}

const firstIssue = (error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string => {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : 'invalid';
};

class Tally {
  rows = 0;
  entries = 0;
  worst = 0;
  verdict(reason: ReasonCode, detail?: string): Verdict {
    return {
      ok: reason === 'ok',
      reason,
      ...(detail === undefined ? {} : { detail }),
      rowsChecked: this.rows,
      entriesChecked: this.entries,
      worstRatio: this.worst,
    };
  }
}

/**
 * Judges one answer. `challenge` and `request` are the validator's own; `commitment` and `openings` are
 * the miner's, unparsed. Returns a Verdict for every input, never throws.
 */
export function verifyOpenings(
  challenge: Challenge,
  commitment: unknown,
  request: OpeningRequest,
  openings: unknown,
  options: VerifyOptions = {},
): Verdict {
  const tally = new Tally();
  try {
    return check(tally, challenge, commitment, request, openings, options);
  } catch (error) {
    return tally.verdict('malformed', `unreadable answer: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function check(
  tally: Tally,
  rawChallenge: unknown,
  rawCommitment: unknown,
  rawRequest: unknown,
  rawOpenings: unknown,
  options: VerifyOptions,
): Verdict {
  const parsedChallenge = zChallenge.safeParse(rawChallenge);
  if (!parsedChallenge.success) return tally.verdict('malformed', `challenge ${firstIssue(parsedChallenge.error)}`);
  const challenge = parsedChallenge.data;
  const { precision, n, k } = challenge;

  const commitment = zCommitment.safeParse(rawCommitment);
  if (!commitment.success) return tally.verdict('malformed', `commitment ${firstIssue(commitment.error)}`);
  if (commitment.data.id !== challenge.id) return tally.verdict('id_mismatch', `commitment is for ${JSON.stringify(commitment.data.id)}`);
  if (commitment.data.gemms > challenge.m) {
    return tally.verdict('out_of_range', `commitment claims ${commitment.data.gemms} GEMMs of a challenge that has ${challenge.m}`);
  }
  // From here on the challenge is the part committed to: its rows are the only ones that exist.
  const m = commitment.data.gemms;

  if (options.elapsedMs !== undefined && !(options.elapsedMs <= challenge.deadlineMs)) {
    return tally.verdict('late', `root after ${options.elapsedMs.toFixed(1)} ms, deadline ${challenge.deadlineMs} ms`);
  }

  const request = zOpeningRequest.safeParse(rawRequest);
  if (!request.success) return tally.verdict('malformed', `request ${firstIssue(request.error)}`);
  if (request.data.id !== challenge.id) return tally.verdict('id_mismatch', `request is for ${JSON.stringify(request.data.id)}`);
  const seen = new Set<number>();
  for (const ref of request.data.rows) {
    if (ref.matrix >= m || ref.row >= n) return tally.verdict('out_of_range', `request row (${ref.matrix}, ${ref.row}) outside ${m} × ${n}`);
    const leaf = ref.matrix * n + ref.row;
    if (seen.has(leaf)) return tally.verdict('malformed', `request opens row (${ref.matrix}, ${ref.row}) twice`);
    seen.add(leaf);
  }

  const parsedOpenings = zOpenings.safeParse(rawOpenings);
  if (!parsedOpenings.success) return tally.verdict('malformed', `openings ${firstIssue(parsedOpenings.error)}`);
  const openings = parsedOpenings.data;
  if (openings.id !== challenge.id) return tally.verdict('id_mismatch', `openings are for ${JSON.stringify(openings.id)}`);
  const asked = request.data.rows;
  if (openings.rows.length !== asked.length) {
    return tally.verdict('wrong_rows', `${openings.rows.length} rows opened, ${asked.length} requested`);
  }

  const width = resultBytes(precision);
  const decoded: { opening: RowOpening; values: Float64Array }[] = [];
  for (let i = 0; i < asked.length; i++) {
    const opening = openings.rows[i]!;
    const ref = asked[i]!;
    if (opening.matrix !== ref.matrix || opening.row !== ref.row) {
      return tally.verdict('wrong_rows', `opening ${i} is row (${opening.matrix}, ${opening.row}), requested (${ref.matrix}, ${ref.row})`);
    }
    if (opening.data.length !== n * width) {
      return tally.verdict('bad_length', `row (${ref.matrix}, ${ref.row}) has ${opening.data.length} bytes, expected ${n} × ${width}`);
    }
    if (!verifyRowProof(hashLeaf(opening.data), ref.matrix, ref.row, m, n, opening.path, commitment.data.root)) {
      return tally.verdict('bad_path', `row (${ref.matrix}, ${ref.row}): Merkle path does not reach the committed root`);
    }
    const values = decodeRow(precision, opening.data);
    for (let c = 0; c < n; c++) {
      if (!Number.isFinite(values[c]!)) return tally.verdict('non_finite', `C_${ref.matrix}[${ref.row}, ${c}] = ${values[c]}`);
    }
    decoded.push({ opening, values });
    tally.rows++;
  }

  const random = options.random ?? cryptoRandomInt;
  const entries = options.entries ?? DEFAULT_ENTRIES_PER_ROW;
  const byMatrix = new Map<number, typeof decoded>();
  for (const item of decoded) {
    const list = byMatrix.get(item.opening.matrix);
    if (list) list.push(item);
    else byMatrix.set(item.opening.matrix, [item]);
  }
  const a = new Float64Array(k);
  for (const [j, items] of byMatrix) {
    const keyA = matrixKey(challenge.seed, 'A', j);
    const keyB = matrixKey(challenge.seed, 'B', j);
    const columns = pickColumns(n, entries, random).map((c) => ({ c, b: colOfB(precision, keyB, c, k) }));
    for (const { opening, values } of items) {
      rowOfA(precision, keyA, opening.row, k, a);
      for (const { c, b } of columns) {
        const ref = referenceDot(precision, a, b, k);
        const bound = entryBound(precision, k, ref.sumSquares);
        const got = values[c]!;
        const ratio = Math.abs(got - ref.value) / bound;
        tally.entries++;
        if (ratio > tally.worst) tally.worst = ratio;
        if (!(ratio <= 1)) {
          return tally.verdict(
            'out_of_tolerance',
            `C_${j}[${opening.row}, ${c}] = ${got}, expected ${ref.value} ± ${bound.toPrecision(3)} (${ratio.toPrecision(3)}× the tolerance)`,
          );
        }
      }
    }
  }
  return tally.verdict('ok');
}
