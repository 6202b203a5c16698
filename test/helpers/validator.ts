/**
 * Driving a real Validator block by block on the test devnet, where blocks come only when a test makes
 * one (blockMs far above the test's length), so a slot lasts as long as the test wants.
 */
import type { MetagraphSync } from '../../shared/chain/index.js';
import { createChallenge } from '../../shared/challenge/challenge.js';
import type { ComputeBackend } from '../../miner/backends/backend.js';
import type { Validator } from '../../validator/validator.js';
import type { TestDevnet } from './devnet.js';

/** Runs one tiny challenge, as a real miner warms its device before serving: a cold worker thread would miss a first deadline. */
export async function warmUp(backend: ComputeBackend): Promise<void> {
  const warm = createChallenge({ precision: 'fp32', m: 1, n: 64, k: 64, deadlineMs: 1_000 });
  await backend.execute(warm);
  await backend.release(warm.id);
}

/** Waits until the validator's own metagraph has caught up with `sync`'s. */
export async function untilSeen(validator: Validator, sync: MetagraphSync): Promise<void> {
  while (validator.metagraph.block < sync.metagraph!.block) await new Promise((r) => setTimeout(r, 10));
}

/** Builds a block and steps the validator once it has seen it. */
export async function stepValidator(devnet: TestDevnet, sync: MetagraphSync, validator: Validator) {
  await devnet.newBlock(1);
  await sync.refresh();
  await untilSeen(validator, sync);
  return validator.step();
}
