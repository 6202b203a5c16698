/**
 * Reading a validator's capacity commitment back from the chain (docs/incentives.md, "Capacity on
 * chain"; validator/capacity.ts writes it). The bytes are a peer's: each field is bounded before it
 * is parsed and validated field by field, and a commitment that is not a capacity commitment is
 * refused with the reason, never thrown at the reader.
 *
 * A commitment has up to three fields. One is the summary, `{"v":1,"r":<round>,"n":<verified
 * miners>,"tf":{"<class>":<TFLOPS>,...}}` (`tf` may be absent: nothing verified yet); others may
 * carry per-miner figures, `{"v":1,"m":{"<uid>":{"<class>":<TFLOPS>,...},...}}`.
 */
import { z } from 'zod';
import { PRECISIONS, type Precision } from '../challenge/types.js';

export const CAPACITY_COMMITMENT_VERSION = 1;
/** The largest field the Commitments pallet stores (BigRaw); validators write Raw fields of ≤ 128 bytes. */
export const MAX_FIELD_BYTES = 512;
/** No device or subnet measures a zettaFLOPS; a larger figure is not a measurement. */
export const MAX_TFLOPS = 1e9;

export type ClassTflops = Partial<Record<Precision, number>>;

export interface CapacityCommitment {
  round: number;
  verifiedMiners: number;
  /** The validator's verified TFLOPS per class, summed over its miners. */
  tflops: ClassTflops;
  /** Per-miner TFLOPS by uid, when the validator committed them. */
  miners?: Map<number, ClassTflops>;
}

export type DecodedCommitment = { ok: true; commitment: CapacityCommitment } | { ok: false; reason: string };

const tflops = z.number().finite().min(0).max(MAX_TFLOPS);
// Classes this reader does not know (a newer validator's) are left out rather than refused.
const classes = z
  .record(z.string().max(16), tflops)
  .refine((r) => Object.keys(r).length <= 16, 'at most 16 classes')
  .transform((r) => Object.fromEntries(PRECISIONS.filter((p) => r[p] !== undefined).map((p) => [p, r[p]!])) as ClassTflops);
const uid = z.string().regex(/^(0|[1-9]\d{0,4})$/, 'a uid').transform(Number).pipe(z.number().max(65535));

const summary = z.strictObject({
  v: z.literal(CAPACITY_COMMITMENT_VERSION),
  r: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  n: z.number().int().min(0).max(65535),
  tf: classes.optional(),
});
const perMiner = z.strictObject({
  v: z.literal(CAPACITY_COMMITMENT_VERSION),
  m: z.record(z.string().max(5), classes).transform((m, ctx) => {
    const out = new Map<number, ClassTflops>();
    for (const [key, value] of Object.entries(m)) {
      const parsed = uid.safeParse(key);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: `"${key}" is not a uid` });
        return z.NEVER;
      }
      out.set(parsed.data, value);
    }
    return out;
  }),
});

function parseField(field: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const bytes = Buffer.byteLength(field, 'utf8');
  if (bytes > MAX_FIELD_BYTES) return { ok: false, reason: `a field of ${bytes} bytes (at most ${MAX_FIELD_BYTES})` };
  if (!field.startsWith('{')) return { ok: false, reason: `not a capacity commitment: ${JSON.stringify(field.slice(0, 24))}` };
  try {
    return { ok: true, value: JSON.parse(field) };
  } catch {
    return { ok: false, reason: 'a field is not valid JSON' };
  }
}

// A reason quotes the peer's keys: printed, it must hold no control characters and stay short.
const printable = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);

const issue = (error: z.ZodError): string => {
  const first = error.issues[0];
  return first ? printable(`${first.path.length ? first.path.join('.') + ': ' : ''}${first.message}`) : 'invalid';
};

/** A validator's commitment fields (UTF-8 text, as getCommitments gives them) → its capacity, or why not. */
export function decodeCapacityCommitment(fields: readonly string[]): DecodedCommitment {
  if (fields.length === 0 || fields.length > 3) return { ok: false, reason: `${fields.length} fields (a commitment has 1 to 3)` };
  let found: CapacityCommitment | undefined;
  let miners: Map<number, ClassTflops> | undefined;
  let firstReason: string | undefined;
  for (const field of fields) {
    const parsed = parseField(field);
    if (!parsed.ok) {
      firstReason ??= parsed.reason;
      continue;
    }
    const isSummary = typeof parsed.value === 'object' && parsed.value !== null && !('m' in parsed.value);
    const result = isSummary ? summary.safeParse(parsed.value) : perMiner.safeParse(parsed.value);
    if (!result.success) {
      firstReason ??= `malformed ${isSummary ? 'summary' : 'per-miner'} field (${issue(result.error)})`;
      continue;
    }
    if ('m' in result.data) {
      miners ??= new Map();
      for (const [u, t] of result.data.m) miners.set(u, t);
    } else {
      if (found) return { ok: false, reason: 'two summary fields' };
      found = { round: result.data.r, verifiedMiners: result.data.n, tflops: result.data.tf ?? {} };
    }
  }
  if (!found) return { ok: false, reason: firstReason ?? 'no summary field' };
  return { ok: true, commitment: { ...found, ...(miners ? { miners } : {}) } };
}
