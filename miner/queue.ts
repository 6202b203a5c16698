/**
 * One challenge on the device at a time, waiting challenges ordered by the protocol's queue policy
 * (shared/challenge/schedule.ts orderQueue, docs/protocol.md): the owner of the current slot first, then
 * first come, first served; when more wait than `capacity`, the lowest-stake senders are refused E_BUSY.
 * A challenge whose deadline passes while it waits is dropped (E_DEADLINE): running it would only burn
 * the device for an answer its validator no longer accepts.
 *
 * A challenge is a time window the device fills with GEMMs (docs/protocol.md §2). While the same
 * validator's other challenges wait (it challenged several hotkeys this device serves, at the same
 * moment), the running one stops early: the time from its start to its deadline is split evenly between
 * it and them, so each hotkey gets a share of the device instead of the first all of it and the rest
 * none. Another validator's waiting challenge never shortens a running one: otherwise any permitted
 * validator could halve what a miner shows in someone else's slot by sending a challenge out of turn.
 * The reverse holds too: the slot owner's challenge stops one sent out of turn at once (it commits the
 * GEMMs it has), so a challenge sent just before another validator's slot cannot take that slot's window.
 */
import { orderQueue } from '../shared/challenge/schedule.js';
import { ProtocolError } from '../shared/protocol/codec.js';

export interface QueueJob<T> {
  /** The validator's hotkey. */
  validator: string;
  stake: bigint;
  /** The validator owns the current slot of the challenge schedule. */
  inSlot: boolean;
  /** Hotkey of the current slot's owner, named in "busy" answers. */
  slotOwner: string | undefined;
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
  inSlot: boolean;
  arrivedAt: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface QueueOptions {
  /** Challenges allowed to wait behind the running one. */
  capacity: number;
  now?: () => number;
}

export class DeviceQueue {
  private waiting: Entry[] = [];
  private running: { entry: Entry; controller: AbortController; preemptedAt?: number } | undefined;
  private closed = false;
  private arrivals = 0;
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(options: QueueOptions) {
    this.capacity = options.capacity;
    this.now = options.now ?? (() => performance.now());
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
      this.waiting.push({
        job,
        hotkey: job.validator,
        stake: job.stake,
        inSlot: job.inSlot,
        arrivedAt: this.arrivals++,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      // With the device idle, the newcomer starts at once and never counts against the capacity.
      const capacity = this.running ? this.capacity : this.capacity + 1;
      const { run, reject: refused } = orderQueue(this.waiting, capacity);
      this.waiting = run;
      // The slot owner's challenge cuts short one sent out of turn: it commits what it has done.
      if (this.running && !this.running.entry.inSlot && job.inSlot) this.running.preemptedAt ??= this.now();
      for (const entry of refused) {
        const owner = entry.job.slotOwner ? `the current slot belongs to ${entry.job.slotOwner}` : 'no validator owns the current slot';
        entry.reject(
          new ProtocolError('E_BUSY', `the device queue is full (${this.capacity} waiting, lowest stake refused first); ${owner}`, {
            retryAfterMs: 1_000,
            hint: 'challenge this miner in your own slot of the schedule (docs/protocol.md §12)',
          }),
        );
      }
      this.next();
    });
  }

  private next(): void {
    while (!this.running && this.waiting.length) {
      const entry = this.waiting.shift()!;
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
      }, Math.min(remaining, 2_147_483_647)); // setTimeout fires at once past 2^31−1 ms
      const running: NonNullable<DeviceQueue['running']> = { entry, controller };
      this.running = running;
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
    for (const entry of this.waiting.splice(0)) entry.reject(reason);
    if (this.running) {
      this.running.controller.abort(reason);
      this.running.entry.reject(reason);
    }
  }
}

const shuttingDown = (): ProtocolError => new ProtocolError('E_SHUTTING_DOWN', 'the miner is shutting down');
