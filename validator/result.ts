/**
 * The record of one miner's challenge in one round: what was asked, what the validator measured, and
 * the verdict with its reason. Rounds produce it, the store keeps it, rewards and reports read it.
 */
import type { Precision } from '../shared/challenge/types.js';

/**
 * - `verified`: root in time, every opened row proved and recomputed within tolerance.
 * - `failed`: the miner answered but the proof did not verify (wrong rows, bad path, late root, ...).
 * - `no_answer`: no root or openings before the deadline (`late`), a refusal, or a malformed answer.
 * - `unreachable`: the validator could not get a request to the miner at all.
 * - `excused`: a signed "busy with the slot owner" refusal of a challenge sent outside the sender's
 *   slot: the schedule gave the device to another validator, so the round says nothing of the miner.
 */
export const VERDICTS = ['verified', 'failed', 'no_answer', 'unreachable', 'excused'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface ChallengeShape {
  precision: Precision;
  m: number;
  n: number;
  k: number;
}

export interface ChallengeResult {
  round: number;
  uid: number;
  hotkey: string;
  /**
   * The class drawn for this miner this round, from the incentive config alone (never from what the
   * miner reports): set on every result of a round, also when no challenge could be sent, so a
   * failure counts against that class. Absent only in rows written before per-class scoring.
   */
  precision?: Precision;
  /** The challenge sent (m: the GEMMs offered); absent when none could be (unreachable before the challenge). */
  challenge?: ChallengeShape;
  /** GEMMs the miner committed to (the first `gemms` of the m offered); absent without a root. */
  gemms?: number;
  /** Validator-clock seconds from sending the challenge to receiving the root, minus the measured RTT. */
  seconds?: number;
  /** Round trip measured just before the challenge, milliseconds. */
  rttMs?: number;
  /** The challenge's window, seconds. */
  windowSeconds?: number;
  /** The throughput its GEMMs were sized for: the miner's last measured, or the config's startTflops. */
  sizedTflops?: number;
  /** Credited throughput, committed FLOPs over the window (round.ts creditedTflops); 0 unless `verified`. */
  tflops: number;
  verdict: Verdict;
  /** Stable reason code: `ok`, a verifier code, or a transport code. */
  reason: string;
  /** One human sentence on the reason, for logs and reports. */
  detail?: string;
  /** Device name the miner reported, if it did. */
  device?: string;
}
