/**
 * A node: one compute backend made of one or more devices (docs/protocol.md §13, "Whole nodes").
 *
 * The GEMMs of a challenge are dealt to the devices one at a time, in index order, each device taking the
 * next as it is ready for it, so a faster device simply takes more. A device computes a GEMM, hashes its
 * rows and reduces them to the GEMM's root (the commitment is a tree over GEMM roots, §5), so only 32 bytes
 * per GEMM come back to the node, whichever device ran it. When the window closes the node commits to the
 * longest prefix 0..g−1 of GEMMs that are done.
 *
 * A device that fails mid-window is logged by name and left out of the rest of the window; the GEMMs it
 * was given (done or not: it can no longer open them) go back to the dealer for the others, so the prefix
 * goes on where time allows. Openings go to the device that computed each GEMM.
 *
 * The miner's queue and handlers see one ComputeBackend, so a node needs no change there.
 */
import { FlopnetError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { silentLogger } from '../../shared/log.js';
import { committedPart } from '../../shared/challenge/challenge.js';
import { HASH_BYTES, merkleLevels, merkleProof, merkleRoot } from '../../shared/challenge/merkle.js';
import { PRECISIONS, type Challenge, type DeviceInfo, type RowOpening, type RowRef } from '../../shared/challenge/types.js';
import { heldForOpening, type ComputeBackend, type ExecuteOptions, type Execution, type ExecutionTimings } from './backend.js';

/** Hands out GEMM indices to the devices of a node. */
export interface Dealer {
  /** The next GEMM for the asking device, or undefined when none is left. */
  next(): number | undefined;
}

export interface WorkerRunOptions {
  signal?: AbortSignal;
  /** As ExecuteOptions.stopAt: a device takes another GEMM only while it can finish it by then. */
  stopAt?: () => number;
  /** Milliseconds the node needs after the last GEMM to close the window with `gemms` GEMMs (the tree over their roots). */
  finishMs(gemms: number): number;
  /** Called once per GEMM the device finished, with the root of that GEMM's rows. */
  done(j: number, root: Uint8Array): void;
}

/** What a row opening carries before the node adds the GEMM root's path in the tree over GEMM roots. */
export interface GemmRowOpening {
  data: Uint8Array<ArrayBuffer>;
  /** Siblings from the row's leaf up to its GEMM's root. */
  path: Uint8Array<ArrayBuffer>[];
}

/** One device of a node. */
export interface DeviceWorker {
  /** Names the device in logs and errors, e.g. "cuda:1 (NVIDIA H200)". */
  readonly label: string;
  describe(): Promise<DeviceInfo>;
  start?(): Promise<void>;
  /**
   * Computes the GEMMs `dealer` hands it, one after the other, while `stopAt` leaves room for another
   * (nextGemmFits at its own pace), reporting each through `done`. Resolves with its time per phase.
   */
  run(challenge: Challenge, dealer: Dealer, options: WorkerRunOptions): Promise<ExecutionTimings>;
  /** Rows of GEMMs it finished for this challenge, recomputed or kept, each checked against what it committed. */
  open(challenge: Challenge, rows: readonly RowRef[]): Promise<GemmRowOpening[]>;
  /** Forgets what it kept for the challenge; a no-op when it kept nothing. */
  release(challengeId: string): Promise<void>;
  close(): Promise<void>;
}

/** GEMM indices in order, and first of all those handed back by a device that failed. */
class Deal implements Dealer {
  private fresh = 0;
  private readonly returned: number[] = [];
  constructor(private readonly m: number) {}
  next(): number | undefined {
    if (this.returned.length > 0) return this.returned.shift();
    return this.fresh < this.m ? this.fresh++ : undefined;
  }
  giveBack(gemms: Iterable<number>): void {
    this.returned.push(...gemms);
    this.returned.sort((a, b) => a - b);
  }
}

interface Held {
  challenge: Challenge;
  top: Uint8Array[];
  /** The device that computed each committed GEMM. */
  owners: DeviceWorker[];
}

/**
 * Time to build the tree over `gemms` GEMM roots on this thread: about 2 µs a hash here, priced at 5 µs
 * for a busy moment, plus a millisecond of signing and bookkeeping.
 */
const topTreeMs = (gemms: number) => 1 + gemms * 0.005;

/**
 * How long past `stopAt` the node still waits for a device's last GEMM before it commits without that
 * device: a device only starts a GEMM that fits before stopAt, so one this late has hung.
 */
const STRAGGLER_MS = 100;

export interface NodeBackendOptions {
  kind: DeviceInfo['backend'];
  log?: Logger;
}

export class NodeBackend implements ComputeBackend {
  readonly kind: DeviceInfo['backend'];
  protected readonly log: Logger;
  private readonly held = new Map<string, Held>();
  private info: DeviceInfo | undefined;

  constructor(
    readonly workers: readonly DeviceWorker[],
    options: NodeBackendOptions,
  ) {
    if (workers.length === 0) throw new FlopnetError('a node needs at least one device', { code: 'E_BACKEND_UNAVAILABLE' });
    this.kind = options.kind;
    this.log = options.log ?? silentLogger;
  }

  async start(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.start?.()));
  }

  /** One device as it describes itself; several as "N × model", the smallest memory, the classes all of them run. */
  async describe(): Promise<DeviceInfo> {
    if (this.info) return this.info;
    const infos = await Promise.all(this.workers.map((w) => w.describe()));
    if (infos.length === 1) return (this.info = infos[0]!);
    const counts = new Map<string, number>();
    for (const info of infos) counts.set(info.name, (counts.get(info.name) ?? 0) + 1);
    const total = infos.reduce((sum, info) => sum + info.memoryBytes, 0);
    this.info = {
      backend: this.kind,
      name: [...counts].map(([name, count]) => `${count} × ${name}`).join(', ').slice(0, 256),
      memoryBytes: Math.min(...infos.map((info) => info.memoryBytes)),
      precisions: PRECISIONS.filter((p) => infos.every((info) => info.precisions.includes(p))),
      detail: `${infos.length} devices, ${(total / 2 ** 30).toFixed(0)} GiB in all (memory reported: the smallest device's); ${infos[0]!.detail ?? ''}`.slice(0, 1024),
    };
    return this.info;
  }

  async execute(challenge: Challenge, options: ExecuteOptions = {}): Promise<Execution> {
    if (this.held.has(challenge.id)) throw new FlopnetError(`challenge ${challenge.id} is already held`, { code: 'E_CHALLENGE_DUPLICATE' });
    const { signal, onProgress, stopAt } = options;
    const deal = new Deal(challenge.m);
    const roots = new Map<number, { root: Uint8Array; owner: DeviceWorker }>();
    const failed = new Set<DeviceWorker>();
    const errors: unknown[] = [];
    const timings: ExecutionTimings = { generateMs: 0, gemmMs: 0, hashMs: 0 };
    /** Leaves `worker` out of the rest of the window; a failed one's GEMMs go back to the dealer, an overdue one's finished GEMMs stay. */
    const fail = (worker: DeviceWorker, error: unknown, keepDone = false) => {
      if (failed.has(worker)) return;
      failed.add(worker);
      errors.push(error);
      const lost = keepDone ? [] : [...roots].filter(([, r]) => r.owner === worker).map(([j]) => j);
      for (const j of lost) roots.delete(j);
      deal.giveBack(lost);
      if (!signal?.aborted) {
        this.log.warn(`device ${worker.label} failed during challenge ${challenge.id}: the other devices carry on without it`, { error, gemmsReturned: lost.length });
      }
    };
    const runs = this.workers.map((worker) => {
      // What this device took and has not finished goes back to the dealer if it fails.
      const taken = new Set<number>();
      const dealer: Dealer = {
        next: () => {
          if (failed.has(worker)) return undefined;
          const j = deal.next();
          if (j !== undefined) taken.add(j);
          return j;
        },
      };
      return worker
        .run(challenge, dealer, {
          ...(signal ? { signal } : {}),
          ...(stopAt ? { stopAt } : {}),
          finishMs: topTreeMs,
          done: (j, root) => {
            if (failed.has(worker)) return;
            taken.delete(j);
            roots.set(j, { root, owner: worker });
            onProgress?.(roots.size / challenge.m);
          },
        })
        .then(
          (t) => {
            timings.generateMs += t.generateMs;
            timings.gemmMs += t.gemmMs;
            timings.hashMs += t.hashMs;
          },
          (error: unknown) => {
            deal.giveBack(taken);
            fail(worker, error);
          },
        );
    });
    await this.allSettledOrOverdue(runs, stopAt, () => roots.has(0), (i) =>
      fail(this.workers[i]!, new FlopnetError(`device ${this.workers[i]!.label} did not finish its last GEMM ${STRAGGLER_MS} ms after the window's stop`, { code: 'E_DEVICE_TIMEOUT' }), true),
    );
    signal?.throwIfAborted();

    let gemms = 0;
    while (roots.has(gemms)) gemms++;
    if (gemms === 0) {
      const code = (e: unknown) => (e instanceof FlopnetError ? e.code : undefined);
      if (errors.length === 1 || (errors.length > 0 && errors.every((e) => code(e) !== undefined && code(e) === code(errors[0])))) throw errors[0];
      throw new FlopnetError(`no device finished a GEMM of challenge ${challenge.id}`, {
        code: 'E_DEVICE_FAILED',
        details: errors.map((e) => (e instanceof Error ? e.message : String(e))),
      });
    }
    const t0 = performance.now();
    const gemmRoots = new Uint8Array(gemms * HASH_BYTES);
    for (let j = 0; j < gemms; j++) gemmRoots.set(roots.get(j)!.root, j * HASH_BYTES);
    const top = merkleLevels(gemmRoots);
    timings.hashMs += performance.now() - t0;
    const owners = Array.from({ length: gemms }, (_, j) => roots.get(j)!.owner);
    this.held.set(challenge.id, { challenge: committedPart(challenge, gemms), top, owners });
    this.log.debug('executed challenge', { id: challenge.id, precision: challenge.precision, gemms, m: challenge.m, n: challenge.n, k: challenge.k, devices: this.workers.length - failed.size, ...timings });
    return { challengeId: challenge.id, gemms, root: merkleRoot(top), timings };
  }

  /**
   * Waits for every device's run; with a stop time, gives up on a device still running STRAGGLER_MS
   * after it (`overdue` is told its index) so the others' GEMMs are still committed in time. Not before
   * something is `committable` (and STRAGGLER_MS more): a device's first GEMM runs whatever the time,
   * since a commitment covers at least one GEMM.
   */
  private async allSettledOrOverdue(runs: Promise<void>[], stopAt: (() => number) | undefined, committable: () => boolean, overdue: (index: number) => void): Promise<void> {
    const settled = runs.map(() => false);
    const all = Promise.all(runs.map((run, i) => run.then(() => void (settled[i] = true))));
    if (!stopAt) {
      await all;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    let committableSince: number | undefined;
    const watchdog = new Promise<void>((resolve) => {
      const check = () => {
        const now = performance.now();
        if (committable()) committableSince ??= now;
        const late = committableSince === undefined ? -1 : now - Math.max(stopAt(), committableSince) - STRAGGLER_MS;
        if (late < 0) {
          timer = setTimeout(check, Math.min(Math.max(-late, 1), 20));
          return;
        }
        settled.forEach((done, i) => done || overdue(i));
        resolve();
      };
      check();
    });
    try {
      await Promise.race([all, watchdog]);
    } finally {
      clearTimeout(timer);
    }
  }

  async open(challengeId: string, rows: readonly RowRef[]): Promise<RowOpening[]> {
    const held = heldForOpening(this.held, challengeId, rows);
    const byWorker = new Map<DeviceWorker, number[]>();
    rows.forEach(({ matrix }, i) => {
      const owner = held.owners[matrix]!;
      const list = byWorker.get(owner);
      if (list) list.push(i);
      else byWorker.set(owner, [i]);
    });
    const out: RowOpening[] = new Array(rows.length);
    await Promise.all(
      [...byWorker].map(async ([worker, indices]) => {
        const opened = await worker.open(held.challenge, indices.map((i) => rows[i]!));
        indices.forEach((i, at) => {
          const { matrix, row } = rows[i]!;
          out[i] = { matrix, row, data: opened[at]!.data, path: [...opened[at]!.path, ...merkleProof(held.top, matrix)] };
        });
      }),
    );
    return out;
  }

  async release(challengeId: string): Promise<void> {
    this.held.delete(challengeId);
    await Promise.all(this.workers.map((w) => w.release(challengeId)));
  }

  async close(): Promise<void> {
    this.held.clear();
    const results = await Promise.allSettled(this.workers.map((w) => w.close()));
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') this.log.warn(`closing device ${this.workers[i]!.label} failed`, { error: r.reason });
    }
  }
}
