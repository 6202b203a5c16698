import type { ComputeBackend } from '../../../miner/backends/backend.js';
import { committedPart, createChallenge, type ChallengeParameters } from '../../../shared/challenge/challenge.js';
import { pickRows } from '../../../shared/challenge/openings.js';
import { verifyOpenings, type Verdict } from '../../../shared/challenge/verify.js';

/** One full round as a validator runs it: execute, time, open `rows` rows, verify `entries` per row. */
export async function round(b: ComputeBackend, parameters: ChallengeParameters, rows: number, entries = 2): Promise<Verdict> {
  const challenge = createChallenge(parameters);
  const started = performance.now();
  const execution = await b.execute(challenge);
  const elapsedMs = performance.now() - started;
  const request = pickRows(committedPart(challenge, execution.gemms), rows);
  const openings = { id: challenge.id, rows: await b.open(challenge.id, request.rows) };
  await b.release(challenge.id);
  return verifyOpenings(challenge, { id: challenge.id, gemms: execution.gemms, root: execution.root }, request, openings, { entries, elapsedMs });
}
