/**
 * What the validator opens after the root arrives (docs/protocol.md §6-§8): s distinct result rows chosen
 * uniformly over all m·n rows, and in each opened matrix e columns checked in every opened row of it.
 * Choices come from a CSPRNG and are made only after the root is in, so a miner cannot know them while
 * computing.
 */
import { randomInt } from 'node:crypto';
import type { Challenge, OpeningRequest, RowRef } from './types.js';

/** Uniform integer in [0, maxExclusive). */
export type RandomInt = (maxExclusive: number) => number;

/** node:crypto's CSPRNG (randomInt accepts ranges up to 2^48). */
export const cryptoRandomInt: RandomInt = (maxExclusive) => randomInt(maxExclusive);

/**
 * Rows opened per challenge by default. A miner that computed only a fraction 1 − f of the rows and
 * guessed the rest passes with probability ≤ (1 − f)^s: 0.9^48 ≈ 0.0063, so skipping 10% of the rows is
 * caught in more than 99% of rounds.
 */
export const DEFAULT_OPENED_ROWS = 48;

/**
 * Entries checked per opened row by default (the same columns for all opened rows of one matrix, so the
 * validator regenerates e columns of B per matrix, not per row). s·e = 96 entries per round.
 */
export const DEFAULT_ENTRIES_PER_ROW = 2;

/** Most rows one request may open (zOpeningRequest's bound). */
export const MAX_OPENED_ROWS = 256;

/** `count` distinct integers from [0, max), in the order drawn; all of them when count ≥ max. */
export function sampleDistinct(count: number, max: number, random: RandomInt = cryptoRandomInt): number[] {
  if (count >= max) return Array.from({ length: max }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(random(max));
  return [...picked];
}

/** The opening request for a challenge: `rows` distinct (matrix, row) pairs uniform over all m·n rows. */
export function pickRows(challenge: Pick<Challenge, 'id' | 'm' | 'n'>, rows = DEFAULT_OPENED_ROWS, random: RandomInt = cryptoRandomInt): OpeningRequest {
  const count = Math.min(Math.max(1, Math.floor(rows)), MAX_OPENED_ROWS);
  const leaves = sampleDistinct(count, challenge.m * challenge.n, random);
  const refs: RowRef[] = leaves.map((leaf) => ({ matrix: Math.floor(leaf / challenge.n), row: leaf % challenge.n }));
  return { id: challenge.id, rows: refs };
}

/** The columns checked in the opened rows of one matrix. */
export function pickColumns(n: number, entries = DEFAULT_ENTRIES_PER_ROW, random: RandomInt = cryptoRandomInt): number[] {
  return sampleDistinct(Math.max(1, Math.floor(entries)), n, random);
}

/** Rows to open so that a miner skipping `skipFraction` of the rows passes with probability ≤ 1 − confidence. */
export function rowsToDetect(skipFraction: number, confidence: number): number {
  return Math.ceil(Math.log(1 - confidence) / Math.log(1 - skipFraction));
}
