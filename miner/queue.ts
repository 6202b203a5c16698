/**
 * One challenge on the device at a time, waiting challenges ordered by the protocol's queue policy
 * (shared/challenge/schedule.ts orderQueue, docs/protocol.md §12): the owner of the current slot first,
 * then first come, first served; when more wait than `capacity`, the lowest-stake senders are refused
 * E_BUSY. Each waiting challenge has its own timer: when its deadline passes before it reaches the
 * device it is answered E_DEADLINE at once, since running it would only burn the device for an answer
 * its validator no longer accepts.
 *
 * A challenge is a time window the device fills with GEMMs (docs/protocol.md §2). While the same
 * validator's other challenges wait (it challenged several hotkeys this device serves, at the same
 * moment), the running one stops early: the time from its start to its deadline is split evenly between
 * it and them, so each hotkey gets a share of the device instead of the first all of it and the rest
 * none. Another validator's waiting challenge never shortens a running one: otherwise any permitted
 * validator could halve what a miner shows in someone else's slot by sending a challenge out of turn.
 *
 * The slot owner comes first in time as well as in order. The queue follows the schedule (`setSlot`,
 * at every slot boundary): when the slot changes hands, a challenge running for anyone but the new
 * owner stops after the GEMM in progress and commits what it has, and the others waiting are refused
 * E_BUSY, so no challenge, however long its window, outlives its slot. The owner's arrival stops a
 * challenge sent out of turn the same way.
 */
import { orderQueue } from '../shared/challenge/schedule.js';
import { ProtocolError } from '../shared/protocol/codec.js';
import { DevicePace } from './pace.js';

export interface QueueJob<T> {
  /** The validator's hotkey. */
  validator: string;
  stake: bigint;
  /** Monotonic ms (performance.now()) after which the result is worthless. */
  deadline: number;
  /** Time kept back before the deadline for answering, so the run aims to be done by deadline − marginMs. */
  marginMs: number;
  /** `stopAt`: when this run should have its result ready, re-read as challenges arrive to share the device. */
  run(signal: AbortSignal, stopAt: () => number): Promise<T>;
}

interface Entry {
  job: QueueJob<unknown>;
  hotkey: string;
  stake: bigint;
  /** The sender owns the current slot (re-read at every slot change). */
  inSlot: boolean;
  arrivedAt: number;
  /** Fires at the deadline while the entry waits. */
  timer?: NodeJS.Timeout;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The schedule as the queue follows it: the current slot and its owner's hotkey. */
export interface QueueSlot {
  index: number;
  owner: string | undefined;
}

export interface QueueOptions {
  /** Challenges allowed to wait behind the running one. */
  capacity: number;
  now?: () => number;
}

export class DeviceQueue {
  /** How fast the device runs each class, shared by every hotkey it serves. */
  readonly pace = new DevicePace();
  private waiting: Entry[] = [];
  private running: { entry: Entry; controller: AbortController; preemptedAt?: number } | undefined;
  private slot: QueueSlot | undefined;
  private readonly starts = new Set<(validator: string, inSlot: boolean) => void>();
  private closed = false;
  private arrivals = 0;
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(options: QueueOptions) {
    this.capacity = options.capacity;
    this.now = options.now ?? (() => performance.now());
  }

  /** The current slot's owner, as last set. */
  get slotOwner(): string | undefined {
    return this.slot?.owner;
  }

  /**
   * Follows the schedule: called with the current slot whenever it may have changed (every miner
   * serving this device calls it; a repeat is a no-op). When the slot changes hands, or a new slot
   * begins, only its owner's challenges go on: one running for anyone else stops at its next GEMM
   * boundary, and those waiting are refused.
   */
  setSlot(slot: QueueSlot): void {
    const previous = this.slot;
    if (previous && previous.index === slot.index && previous.owner === slot.owner) return;
    this.slot = { ...slot };
    for (const entry of this.waiting) entry.inSlot = entry.hotkey === slot.owner;
    if (!previous) return;
    if (this.running && this.running.entry.hotkey !== slot.owner) this.running.preemptedAt ??= this.now();
    const passed = this.waiting.filter((e) => !e.inSlot);
    this.waiting = this.waiting.filter((e) => e.inSlot);
    for (const entry of passed) {
      this.refuse(entry, new ProtocolError('E_BUSY', `slot ${slot.index} began: ${owned(slot.owner)}, and this challenge was still waiting`));
    }
  }

  /** Calls `listener` whenever a challenge starts on the device; returns the unsubscribe. */
  onStart(listener: (validator: string, inSlot: boolean) => void): () => void {
    this.starts.add(listener);
    return () => this.starts.delete(listener);
  }

  get length(): number {
    return this.waiting.length;
  }

  /** The validator whose challenge is on the device now. */
  get busyWith(): string | undefined {
    return this.running?.entry.job.validator;
  }

  submit<T>(job: QueueJob<T>): Promise<T> {
    if (this.closed) return Promise.reject(shuttingDown());
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        job,
        hotkey: job.validator,
        stake: job.stake,
        inSlot: job.validator === this.slot?.owner,
        arrivedAt: this.arrivals++,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      this.waiting.push(entry);
      entry.timer = setTimeout(() => {
        this.waiting = this.waiting.filter((e) => e !== entry);
        this.refuse(entry, new ProtocolError('E_DEADLINE', 'the challenge deadline passed while it waited for the device'));
      }, timerMs(job.deadline - this.now()));
      // With the device idle, the newcomer starts at once and never counts against the capacity.
      const capacity = this.running ? this.capacity : this.capacity + 1;
      const { run, reject: refused } = orderQueue(this.waiting, capacity);
      this.waiting = run;
      // The slot owner's challenge cuts short one sent out of turn: it commits what it has done.
      if (this.running && !this.running.entry.inSlot && entry.inSlot) this.running.preemptedAt ??= this.now();
      for (const loser of refused) {
        this.refuse(
          loser,
          new ProtocolError('E_BUSY', `the device queue is full (${this.capacity} waiting, lowest stake refused first); ${owned(this.slot?.owner)}`, {
            retryAfterMs: 1_000,
            hint: 'challenge this miner in your own slot of the schedule (docs/protocol.md §12)',
          }),
        );
      }
      this.next();
    });
  }

  /** Refuses a waiting entry, stopping its timer first so it is answered once. */
  private refuse(entry: Entry, error: ProtocolError): void {
    clearTimeout(entry.timer);
    entry.reject(error);
  }

  private next(): void {
    while (!this.running && this.waiting.length) {
      const entry = this.waiting.shift()!;
      clearTimeout(entry.timer);
      const remaining = entry.job.deadline - this.now();
      if (remaining <= 0) {
        entry.reject(new ProtocolError('E_DEADLINE', 'the challenge deadline passed while it waited for the device'));
        continue;
      }
      const controller = new AbortController();
      // The validator hears of an expired deadline at once; the device stays busy until `run` returns.
      const timer = setTimeout(() => {
        const reason = new ProtocolError('E_DEADLINE', 'the challenge deadline passed while it ran');
        controller.abort(reason);
        entry.reject(reason);
      }, timerMs(remaining));
      const running: NonNullable<DeviceQueue['running']> = { entry, controller };
      this.running = running;
      for (const listener of this.starts) listener(entry.hotkey, entry.inSlot);
      const startedAt = this.now();
      const aim = entry.job.deadline - entry.job.marginMs;
      const validator = entry.job.validator;
      const stopAt = (): number =>
        Math.min(running.preemptedAt ?? Infinity, startedAt + (aim - startedAt) / (1 + this.waiting.filter((e) => e.job.validator === validator).length));
      const finish = (): void => {
        clearTimeout(timer);
        this.running = undefined;
        this.next();
      };
      entry.job.run(controller.signal, stopAt).then(
        (value) => {
          finish();
          if (controller.signal.aborted) entry.reject(controller.signal.reason);
          else entry.resolve(value);
        },
        (error: unknown) => {
          finish();
          entry.reject(controller.signal.aborted ? controller.signal.reason : error);
        },
      );
    }
  }

  /** Refuses everything waiting and aborts the running challenge. */
  close(): void {
    this.closed = true;
    const reason = shuttingDown();
    for (const entry of this.waiting.splice(0)) this.refuse(entry, reason);
    if (this.running) {
      this.running.controller.abort(reason);
      this.running.entry.reject(reason);
    }
  }
}

const shuttingDown = (): ProtocolError => new ProtocolError('E_SHUTTING_DOWN', 'the miner is shutting down');
const owned = (owner: string | undefined): string => (owner ? `the current slot belongs to ${owner}` : 'no validator owns the current slot');
/** setTimeout fires at once past 2^31−1 ms. */
const timerMs = (ms: number): number => Math.max(0, Math.min(ms, 2_147_483_647));
