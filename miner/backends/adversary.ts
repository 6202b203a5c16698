/**
 * Cheating miners, for tests and `flopnet bench --adversary`: each one is a way a real miner could try to
 * be paid for work it did not do, so a reviewer can watch the verifier reject it (docs/protocol.md §9).
 */
import { UsageError } from '../../shared/errors.js';

export type CheaperPrecision = 'fp32' | 'tf32' | 'bf16' | 'fp16' | 'fp8' | 'fp16acc';

export type Adversary =
  /** Computes only a fraction 1 − fraction of the rows, fills the rest with plausible garbage. */
  | { kind: 'lazy'; fraction: number }
  /** Rounds the inputs to a cheaper type (fp32 for an fp64 challenge also accumulates in fp32), or accumulates in fp16. */
  | { kind: 'precision'; cheaper: CheaperPrecision }
  /** Computes honestly from a different seed (e.g. one it precomputed). */
  | { kind: 'wrong-seed' }
  /** Computes nothing: every row is invented. */
  | { kind: 'fabricate' }
  /** Commits to rows in the wrong places (row 2i ↔ 2i+1). */
  | { kind: 'swap-rows' }
  /** Leaves a NaN in every row. */
  | { kind: 'nan' }
  /** Answers after the deadline. */
  | { kind: 'late' }
  /** Opens rows with a Merkle path that was tampered with. */
  | { kind: 'forge-path' };

export const ADVERSARY_FORMS = [
  'lazy:<fraction>',
  'precision:fp32|tf32|bf16|fp16|fp8|fp16acc',
  'wrong-seed',
  'fabricate',
  'swap-rows',
  'nan',
  'late',
  'forge-path',
] as const;

const CHEAPER = new Set<string>(['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'fp16acc']);

/** Parses the `--adversary` form; throws a UsageError that lists the accepted forms. */
export function parseAdversary(spec: string): Adversary {
  const [kind, arg, extra] = spec.trim().split(':');
  const bad = (why: string): never => {
    throw new UsageError(`Unknown adversary ${JSON.stringify(spec)}: ${why}`, {
      code: 'E_ADVERSARY',
      hint: `use one of ${ADVERSARY_FORMS.join(', ')}`,
    });
  };
  if (extra !== undefined) bad('too many ":" parts');
  switch (kind) {
    case 'lazy': {
      const fraction = Number(arg);
      if (arg === undefined || arg === '' || !(fraction > 0 && fraction <= 1)) bad('the skipped fraction must be in (0, 1]');
      return { kind: 'lazy', fraction };
    }
    case 'precision':
      if (arg === undefined || !CHEAPER.has(arg)) bad('the cheaper precision must be fp32, tf32, bf16, fp16, fp8 or fp16acc');
      return { kind: 'precision', cheaper: arg as CheaperPrecision };
    case 'wrong-seed':
    case 'fabricate':
    case 'swap-rows':
    case 'nan':
    case 'late':
    case 'forge-path':
      if (arg !== undefined) bad(`${kind} takes no argument`);
      return { kind };
    default:
      return bad('not an adversary');
  }
}

/** Mantissa bits an input is rounded to under a `precision:` adversary (undefined: inputs untouched). */
export function cheaperInputBits(cheaper: CheaperPrecision): number | undefined {
  return { fp32: 23, tf32: 10, bf16: 7, fp16: 10, fp8: 3, fp16acc: undefined }[cheaper];
}

/**
 * x rounded to nearest with `p` fraction bits (Veltkamp split), for values far from overflow and underflow,
 * which every challenge input and honest partial sum is.
 */
export function roundToMantissa(x: number, p: number): number {
  const t = x * (2 ** (52 - p) + 1);
  return t - (t - x);
}

/** x rounded to IEEE binary16 (overflow to ±Infinity; subnormals do not occur in these sums). */
export function roundToFp16(x: number): number {
  const r = roundToMantissa(x, 10);
  return Math.abs(r) > 65504 ? (r > 0 ? Infinity : -Infinity) : r;
}
