/**
 * Results the device holds between a commitment and its openings. Only the validator that sent a
 * challenge may open it, and device memory is never pinned by a validator that walks away: results
 * are freed after their openings are answered, after `holdMs`, at the first slot boundary after the
 * commitment (a conforming validator opens within its slot), or as soon as the slot owner's challenge
 * starts, when they belong to anyone else; and a validator holds at most MAX_HELD_PER_VALIDATOR
 * challenges per hotkey, its oldest freed first (docs/protocol.md §12).
 */
import type { Challenge } from '../shared/challenge/types.js';
import type { ComputeBackend } from './backends/backend.js';
import type { Logger } from '../shared/log.js';
import { ProtocolError } from '../shared/protocol/codec.js';

/** A conforming validator holds one challenge per hotkey at a time (one per round); one more for overlap. */
export const MAX_HELD_PER_VALIDATOR = 2;
/** Challenges released for the schedule that are remembered, to tell their validator why. */
const REMEMBERED = 256;

interface Held {
  challenge: Challenge;
  validator: string;
  /** The slot the commitment was made in. */
  slot: number;
  timer: NodeJS.Timeout;
}

export class HeldResults {
  private readonly held = new Map<string, Held>();
  /** Challenges accepted but not yet committed, so a second copy of an id is refused early. */
  private readonly pending = new Set<string>();
  /** Ids the schedule released before their openings, with the validator and the reason. */
  private readonly released = new Map<string, { validator: string; why: string }>();

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

  /**
   * Records results the backend now holds, committed during slot `slot`, and schedules their release;
   * frees the validator's oldest when it already holds MAX_HELD_PER_VALIDATOR.
   */
  hold(challenge: Challenge, validator: string, slot: number): void {
    this.pending.delete(challenge.id);
    const mine = [...this.held.values()].filter((h) => h.validator === validator);
    for (const old of mine.slice(0, Math.max(0, mine.length - MAX_HELD_PER_VALIDATOR + 1))) {
      this.releaseFor(old.challenge.id, `a newer challenge from the same validator (at most ${MAX_HELD_PER_VALIDATOR} held)`);
    }
    const timer = setTimeout(() => {
      this.log.debug('releasing results never opened', { challenge: challenge.id, validator });
      void this.release(challenge.id);
    }, this.holdMs);
    timer.unref();
    this.held.set(challenge.id, { challenge, validator, slot, timer });
  }

  /** The held challenge `id`, when `validator` sent it; otherwise E_UNKNOWN_CHALLENGE, or E_BUSY when the schedule released it. */
  get(id: string, validator: string): Challenge {
    const held = this.held.get(id);
    // The same answer whether the id is unknown or someone else's: no probing other validators' ids.
    if (!held || held.validator !== validator) {
      const released = this.released.get(id);
      if (released?.validator === validator) {
        throw new ProtocolError('E_BUSY', `the results of challenge ${id} were released: ${released.why}`, {
          hint: 'request openings within your own slot, as soon as the roots are in',
        });
      }
      throw new ProtocolError('E_UNKNOWN_CHALLENGE', `no results held for challenge ${id} from this validator`, {
        hint: 'openings must follow the commitment within the hold time, from the validator that sent the challenge',
      });
    }
    return held.challenge;
  }

  /** Frees what was committed before slot `slot` began: called at every slot boundary. */
  releaseBefore(slot: number): Promise<void> {
    const ended = [...this.held.values()].filter((h) => h.slot < slot);
    return Promise.all(ended.map((h) => this.releaseFor(h.challenge.id, `slot ${h.slot}, in which it was committed, ended`))).then(() => undefined);
  }

  /** Frees everything held for validators other than `owner`: called when the slot owner's challenge starts. */
  releaseOthers(owner: string): Promise<void> {
    const others = [...this.held.values()].filter((h) => h.validator !== owner);
    return Promise.all(others.map((h) => this.releaseFor(h.challenge.id, `the slot owner ${owner} needs the device`))).then(() => undefined);
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

  /** Releases for the schedule, remembering why for the validator's openings request. */
  private releaseFor(id: string, why: string): Promise<void> {
    const held = this.held.get(id);
    if (!held) return Promise.resolve();
    this.log.debug('releasing held results', { challenge: id, validator: held.validator, why });
    this.released.set(id, { validator: held.validator, why });
    if (this.released.size > REMEMBERED) this.released.delete(this.released.keys().next().value!);
    return this.release(id);
  }
}
