/**
 * Making a challenge (docs/protocol.md §2): a fresh random id and a 256-bit seed from the CSPRNG, so no
 * miner can precompute or reuse a result.
 */
import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import { MAX_DIM, MAX_GEMMS, PROTOCOL_VERSION, zChallenge, type Challenge, type Precision } from './types.js';

export interface ChallengeParameters {
  precision: Precision;
  m: number;
  n: number;
  k: number;
  deadlineMs: number;
}

/** A new challenge; throws a UsageError when a parameter is outside the wire schema's bounds. */
export function createChallenge(parameters: ChallengeParameters): Challenge {
  const candidate = {
    version: PROTOCOL_VERSION,
    id: randomBytes(16).toString('hex'),
    seed: new Uint8Array(randomBytes(32)),
    ...parameters,
  };
  const parsed = zChallenge.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`Invalid challenge parameter ${issue?.path.join('.')}: ${issue?.message}`, {
      code: 'E_CHALLENGE_PARAMETERS',
      hint: `precision must be one of fp64, fp32, tf32, bf16, fp16, fp8; m in 1..${MAX_GEMMS}; n and k in 1..${MAX_DIM}`,
    });
  }
  return parsed.data;
}

/**
 * The part of a challenge a miner committed to: its first `gemms` GEMMs. Openings, verification and
 * credit all work on this part, so they need no notion of a partly done challenge.
 */
export function committedPart<C extends Pick<Challenge, 'm'>>(challenge: C, gemms: number): C {
  return { ...challenge, m: committedGemms(challenge, gemms) };
}

const committedGemms = (challenge: Pick<Challenge, 'm'>, gemms: number) => Math.min(challenge.m, gemms);

/** FLOPs of m GEMMs of 2·n·n·k each (a committed part's: the work credited when it verifies). */
export function challengeFlops(challenge: Pick<Challenge, 'm' | 'n' | 'k'>): number {
  return 2 * challenge.m * challenge.n * challenge.n * challenge.k;
}

/** challengeFlops of committedPart, without copying the challenge (the simulator asks millions of times). */
export function committedFlops(challenge: Pick<Challenge, 'm' | 'n' | 'k'>, gemms: number): number {
  return challengeFlops({ m: committedGemms(challenge, gemms), n: challenge.n, k: challenge.k });
}

/** Bytes of the results of m GEMMs of n×n: binary64 values for the fp64 class, binary32 for the others. */
export function resultSize(challenge: Pick<Challenge, 'precision' | 'm' | 'n'>): number {
  return challenge.m * challenge.n * challenge.n * (challenge.precision === 'fp64' ? 8 : 4);
}
