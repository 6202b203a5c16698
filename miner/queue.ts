/**
 * One challenge on the device at a time. Waiting challenges run first in, first out; when the queue is
 * full, a newcomer with more stake displaces the lowest-stake waiter (which is refused E_BUSY), otherwise
 * the newcomer is refused. A challenge whose deadline passes while it waits is dropped (E_DEADLINE):
 * running it would only burn the device for an answer its validator no longer accepts.
 */
import { ProtocolError } from '../shared/protocol/codec.js';

export interface QueueJob<T> {
  /** The validator's hotkey, for logs. */
  validator: string;
  stake: bigint;
  /** Monotonic ms (performance.now()) after which the result is worthless. */
  deadline: number;
  run(signal: AbortSignal): Promise<T>;
}

interface Entry {
  job: QueueJob<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface QueueOptions {
  /** Challenges allowed to wait behind the running one. */
  capacity: number;
  now?: () => number;
}

export class DeviceQueue {
  private readonly waiting: Entry[] = [];
  private running: { entry: Entry; controller: AbortController; timer: NodeJS.Timeout } | undefined;
  private closed = false;
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
    if (this.closed) return Promise.reject(new ProtocolError('E_SHUTTING_DOWN', 'the miner is shutting down'));
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = { job, resolve: resolve as (v: unknown) => void, reject };
      if (this.waiting.length >= this.capacity && this.running) {
        // Lowest stake, and among equals the latest arrival, is displaced first.
        let victim = -1;
        for (let i = 0; i < this.waiting.length; i++) {
          if (victim < 0 || this.waiting[i]!.job.stake <= this.waiting[victim]!.job.stake) victim = i;
        }
        if (victim < 0 || this.waiting[victim]!.job.stake >= job.stake) {
          reject(busy(this.waiting.length));
          return;
        }
        const [displaced] = this.waiting.splice(victim, 1);
        displaced!.reject(busy(this.waiting.length, 'displaced by a validator with more stake'));
      }
      this.waiting.push(entry);
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
      this.running = { entry, controller, timer };
      const finish = (): void => {
        clearTimeout(timer);
        this.running = undefined;
        this.next();
      };
      entry.job.run(controller.signal).then(
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
    const reason = new ProtocolError('E_SHUTTING_DOWN', 'the miner is shutting down');
    for (const entry of this.waiting.splice(0)) entry.reject(reason);
    if (this.running) {
      this.running.controller.abort(reason);
      this.running.entry.reject(reason);
    }
  }
}

function busy(waiting: number, why = 'the device queue is full'): ProtocolError {
  return new ProtocolError('E_BUSY', `${why} (${waiting} waiting)`, { retryAfterMs: 1_000 });
}
