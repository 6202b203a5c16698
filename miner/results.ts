/**
 * Results the device holds between a commitment and its openings. Only the validator that sent a
 * challenge may open it; results are freed after their openings are answered, or after `holdMs` when the
 * validator never asks, so device memory cannot be pinned by a validator that walks away.
 */
import type { Challenge } from '../shared/challenge/types.js';
import type { ComputeBackend } from './backends/backend.js';
import type { Logger } from '../shared/log.js';
import { ProtocolError } from '../shared/protocol/codec.js';

interface Held {
  challenge: Challenge;
  validator: string;
  timer: NodeJS.Timeout;
}

export class HeldResults {
  private readonly held = new Map<string, Held>();
  /** Challenges accepted but not yet committed, so a second copy of an id is refused early. */
  private readonly pending = new Set<string>();

  constructor(
    private readonly backend: ComputeBackend,
    private readonly holdMs: number,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** Claims a challenge id for the duration of its run; throws E_DUPLICATE_CHALLENGE when taken. */
  reserve(id: string): void {
    if (this.pending.has(id) || this.held.has(id)) {
      throw new ProtocolError('E_DUPLICATE_CHALLENGE', `challenge ${id} is already running or held`, {
        hint: 'use a fresh random id per challenge',
      });
    }
    this.pending.add(id);
  }

  /** Ends a reservation whose run failed. */
  unreserve(id: string): void {
    this.pending.delete(id);
  }

  /** Records results the backend now holds, and schedules their release. */
  hold(challenge: Challenge, validator: string): void {
    this.pending.delete(challenge.id);
    const timer = setTimeout(() => {
      this.log.debug('releasing results never opened', { challenge: challenge.id, validator });
      void this.release(challenge.id);
    }, this.holdMs);
    timer.unref();
    this.held.set(challenge.id, { challenge, validator, timer });
  }

  /** The held challenge `id`, when `validator` sent it; otherwise E_UNKNOWN_CHALLENGE. */
  get(id: string, validator: string): Challenge {
    const held = this.held.get(id);
    // The same answer whether the id is unknown or someone else's: no probing other validators' ids.
    if (!held || held.validator !== validator) {
      throw new ProtocolError('E_UNKNOWN_CHALLENGE', `no results held for challenge ${id} from this validator`, {
        hint: 'openings must follow the commitment within the hold time, from the validator that sent the challenge',
      });
    }
    return held.challenge;
  }

  async release(id: string): Promise<void> {
    const held = this.held.get(id);
    if (!held) return;
    clearTimeout(held.timer);
    this.held.delete(id);
    try {
      await this.backend.release(id);
    } catch (error) {
      this.log.warn('backend failed to release results', { challenge: id, error });
    }
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((id) => this.release(id)));
  }
}
