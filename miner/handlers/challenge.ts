/**
 * Runs a challenge on the device, in queue order, and answers with the Merkle root. Results stay held
 * for the openings (results.ts). First it refuses what a conforming validator never sends (policy.ts
 * checkChallenge): the window's end is judged against the slot the challenge belongs to, the first
 * GEMM against the device's measured pace, measured on the spot for a class the device has not run.
 */
import { challengeFlops, committedPart } from '../../shared/challenge/challenge.js';
import type { DeviceInfo } from '../../shared/challenge/types.js';
import type { Logger } from '../../shared/log.js';
import { ProtocolError } from '../../shared/protocol/codec.js';
import type { ComputeBackend, Execution } from '../backends/backend.js';
import { aboveSmallestGemm, checkChallenge } from '../policy.js';
import type { DeviceQueue } from '../queue.js';
import type { HeldResults } from '../results.js';
import type { SlotWatch } from '../slots.js';
import type { Handler } from './context.js';

export interface ChallengeEvent {
  validator: string;
  uid: number;
  challenge: string;
  precision: string;
  /** GEMMs offered. */
  m: number;
  n: number;
  k: number;
  /** The window: the committed work over it is what the validator credits when the proof verifies. */
  deadlineMs: number;
  /** ms from arrival to commitment, miner's clock (queue wait included). */
  elapsedMs: number;
  execution?: Execution;
  error?: string;
}

/**
 * Time kept back from a challenge's window for what follows the last GEMM outside the backend's own
 * estimate: signing and sending the root, and an event loop busy with other requests. The validator
 * times the root on its clock less the round trip, so the network's share is already allowed for.
 */
export function replyMarginMs(deadlineMs: number): number {
  return Math.max(150, 0.03 * deadlineMs);
}

const paceOf = (flopsPerSecond: number | undefined) => (flopsPerSecond !== undefined ? { flopsPerSecond } : {});

export interface ChallengeHandlerDeps {
  backend: ComputeBackend;
  device: DeviceInfo;
  queue: DeviceQueue;
  results: HeldResults;
  slots: SlotWatch;
  log: Logger;
  onChallenge?: (event: ChallengeEvent) => void;
}

export function createChallengeHandler(deps: ChallengeHandlerDeps): Handler<'challenge'> {
  return async (challenge, ctx) => {
    if (!deps.device.precisions.includes(challenge.precision)) {
      throw new ProtocolError('E_UNSUPPORTED', `this device does not run ${challenge.precision} (it runs ${deps.device.precisions.join(', ')})`);
    }
    // The least any strategy needs under protocol v3 (one GEMM's inputs and a root per GEMM; results
    // are hashed as they are made and recomputed on opening): a challenge above it cannot run here,
    // and trying would only exhaust the host.
    const minimumBytes = 2 * challenge.n * challenge.k * (challenge.precision === 'fp64' ? 8 : 4) + challenge.m * 32;
    if (minimumBytes > deps.device.memoryBytes) {
      throw new ProtocolError('E_UNSUPPORTED', `the challenge needs at least ${minimumBytes} bytes; this device has ${deps.device.memoryBytes}`);
    }
    const limit = deps.slots.windowLimit(ctx.validator, ctx.receivedAt);
    const pace = deps.queue.pace;
    checkChallenge(challenge, {
      ...(limit ? { slot: limit.slot } : {}),
      ...(limit?.ms !== undefined ? { windowLimitMs: limit.ms } : {}),
      ...paceOf(pace.flopsPerSecond(challenge.precision)),
    });
    deps.results.reserve(challenge.id);
    // Whatever a failed or abandoned run left on the device (a no-op when it holds nothing).
    const release = (): Promise<void> => deps.backend.release(challenge.id).catch(() => undefined);
    const base = {
      validator: ctx.validator,
      uid: ctx.neuron.uid,
      challenge: challenge.id,
      precision: challenge.precision,
      m: challenge.m,
      n: challenge.n,
      k: challenge.k,
      deadlineMs: challenge.deadlineMs,
    };
    let execution: Execution;
    try {
      execution = await deps.queue.submit({
        validator: ctx.validator,
        stake: ctx.priority,
        deadline: ctx.receivedAt + challenge.deadlineMs,
        marginMs: replyMarginMs(challenge.deadlineMs),
        run: async (signal, stopAt) => {
          const aborted = AbortSignal.any([signal, ctx.signal]);
          if (pace.flopsPerSecond(challenge.precision) === undefined && aboveSmallestGemm(challenge)) {
            // Never run at this class: a few small GEMMs tell how long the first one will take.
            checkChallenge(challenge, paceOf(await pace.calibrate(deps.backend, challenge.precision, challenge, aborted)));
          }
          const started = performance.now();
          const result = await deps.backend.execute(challenge, { signal: aborted, stopAt });
          pace.record(challenge.precision, challengeFlops(committedPart(challenge, result.gemms)), performance.now() - started);
          // A run that finished after its deadline still holds device memory: free it now.
          if (signal.aborted || ctx.signal.aborted) await release();
          return result;
        },
      });
    } catch (error) {
      deps.results.unreserve(challenge.id);
      await release();
      const elapsedMs = performance.now() - ctx.receivedAt;
      const reason = error instanceof ProtocolError ? error : new ProtocolError('E_INTERNAL', `backend failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      deps.onChallenge?.({ ...base, elapsedMs, error: reason.code });
      throw reason;
    }
    deps.results.hold(committedPart(challenge, execution.gemms), ctx.validator, deps.slots.refresh()?.slot.index ?? 0);
    deps.onChallenge?.({ ...base, elapsedMs: performance.now() - ctx.receivedAt, execution });
    // A copy: the wire type wants its own ArrayBuffer, and 32 bytes cost nothing.
    return { id: challenge.id, gemms: execution.gemms, root: new Uint8Array(execution.root) };
  };
}
