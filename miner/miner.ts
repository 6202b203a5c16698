/**
 * The miner process object: an axon whose frames run through the pipeline to the handlers, one device
 * queue, the results held for openings, and the schedule followed through the metagraph source (at every
 * slot change the queue stops what runs out of slot and held results are released). Built from explicit
 * parts (signer, backend, metagraph source) so tests and the CLI start the same thing; it does no chain
 * I/O itself.
 */
import type { DeviceInfo } from '../shared/challenge/types.js';
import { silentLogger, type Logger } from '../shared/log.js';
import { cryptoReady, ReplayGuard, type ReplayOptions, type Signer } from '../shared/protocol/signing.js';
import type { ComputeBackend } from './backends/backend.js';
import { Axon, DEFAULT_AXON_LIMITS, type AxonLimits } from './axon.js';
import { createChallengeHandler, type ChallengeEvent } from './handlers/challenge.js';
import { createDeviceHandler } from './handlers/device.js';
import { createOpenHandler } from './handlers/open.js';
import { createPingHandler } from './handlers/ping.js';
import { Pipeline, type Outcome } from './pipeline.js';
import { DEFAULT_POLICY, RateLimiter, type MetagraphSource, type PolicyOptions } from './policy.js';
import { DeviceQueue } from './queue.js';
import { HeldResults } from './results.js';
import { SlotWatch } from './slots.js';

export interface MinerOptions {
  /** The miner's hotkey; requests must be addressed to its address. */
  signer: Signer;
  backend: ComputeBackend;
  metagraph: MetagraphSource;
  /** Interface to listen on (default 0.0.0.0). */
  host?: string;
  /** Port to listen on (default 8091); 0 picks a free one. */
  port?: number;
  policy?: Partial<PolicyOptions>;
  limits?: Partial<AxonLimits>;
  replay?: Partial<ReplayOptions>;
  /** Challenges allowed to wait behind the running one (default 4). */
  queueCapacity?: number;
  /**
   * The device's queue when several hotkeys share one backend: one challenge per device at a time,
   * whichever hotkey it was sent to (docs/protocol.md). The caller closes it; by default each Miner has its own.
   */
  queue?: DeviceQueue;
  /** How long results wait for their openings before they are freed (default 120 s; the slot's end frees them sooner). */
  holdMs?: number;
  /** Bound on ping, device and open requests (default 30 s). */
  requestTimeoutMs?: number;
  /** Slot length of the challenge schedule, blocks: the subnet's incentive config's slotBlocks (default: the protocol's). */
  slotBlocks?: number;
  log?: Logger;
  /** Wall clock for the replay window (tests). */
  now?: () => number;
  onChallenge?: (event: ChallengeEvent) => void;
  onOutcome?: (outcome: Outcome) => void;
}

export interface MinerStats {
  hotkey: string;
  port: number;
  connections: number;
  /** Challenges waiting for the device. */
  queued: number;
  /** Hotkey of the validator whose challenge is running. */
  running: string | undefined;
  /** Challenges whose results wait for openings. */
  held: number;
  challenges: { ok: number; failed: number };
  /** Requests answered 'ok'. */
  served: number;
  /** Refusals by reason code. */
  refused: Record<string, number>;
  last: ChallengeEvent | undefined;
}

export class Miner {
  private served = 0;
  private readonly refused: Record<string, number> = {};
  private readonly challenges = { ok: 0, failed: 0 };
  private last: ChallengeEvent | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly hotkey: string,
    readonly port: number,
    readonly device: DeviceInfo,
    private readonly axon: Axon,
    private readonly queue: DeviceQueue,
    private readonly ownsQueue: boolean,
    private readonly results: HeldResults,
    private readonly unsubscribe: () => void,
  ) {}

  /** Describes the device, binds the axon and starts serving. */
  static async start(o: MinerOptions): Promise<Miner> {
    await cryptoReady();
    const log = o.log ?? silentLogger;
    await o.backend.start?.();
    const device = await o.backend.describe();
    const queue = o.queue ?? new DeviceQueue({ capacity: o.queueCapacity ?? 4 });
    const results = new HeldResults(o.backend, o.holdMs ?? 120_000, log);
    // The schedule, followed: only the slot owner's work goes on past a slot boundary, and its
    // challenge gets the device's memory too.
    const slots = new SlotWatch(o.metagraph, o.slotBlocks);
    const offSlot = slots.onChange(({ slot }) => {
      queue.setSlot({ index: slot.index, owner: slot.owner?.hotkey });
      void results.releaseBefore(slot.index);
    });
    const offStart = queue.onStart((validator, inSlot) => {
      if (inSlot) void results.releaseOthers(validator);
    });
    slots.start();
    const limits = { ...DEFAULT_AXON_LIMITS, ...o.limits };
    const policy = { ...DEFAULT_POLICY, ...o.policy };
    let miner: Miner | undefined;
    const pipeline = new Pipeline({
      signer: o.signer,
      metagraph: o.metagraph,
      policy,
      replay: new ReplayGuard(o.replay),
      rateLimiter: new RateLimiter(policy),
      maxFrameBytes: limits.maxFrameBytes,
      requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
      log,
      ...(o.now ? { now: o.now } : {}),
      handlers: {
        ping: createPingHandler(),
        device: createDeviceHandler(device),
        challenge: createChallengeHandler({
          backend: o.backend,
          device,
          queue,
          results,
          slots,
          log,
          onChallenge: (event) => {
            miner?.recordChallenge(event, log);
            o.onChallenge?.(event);
          },
        }),
        open: createOpenHandler({ backend: o.backend, results }),
      },
      onOutcome: (outcome) => {
        if (outcome.code === 'ok') miner!.served++;
        else miner!.refused[outcome.code] = (miner!.refused[outcome.code] ?? 0) + 1;
        if (outcome.code !== 'ok' && outcome.stage !== 'handler') log.debug('refused', { ...outcome });
        o.onOutcome?.(outcome);
      },
    });
    const axon = new Axon({
      host: o.host ?? '0.0.0.0',
      port: o.port ?? 8091,
      limits,
      log: log.child('axon'),
      onFrame: (bytes, signal, gate) => pipeline.handle(bytes, signal, gate),
      refuse: (bytes, error) => pipeline.refuse(bytes, error),
    });
    const unsubscribe = (): void => {
      offSlot();
      offStart();
      slots.close();
    };
    let port: number;
    try {
      port = await axon.listen();
    } catch (error) {
      unsubscribe();
      throw error;
    }
    miner = new Miner(o.signer.address, port, device, axon, queue, o.queue === undefined, results, unsubscribe);
    log.info('axon serving', { hotkey: o.signer.address, port, device: device.name, backend: device.backend });
    return miner;
  }

  stats(): MinerStats {
    return {
      hotkey: this.hotkey,
      port: this.port,
      connections: this.axon.connectionCount,
      queued: this.queue.length,
      running: this.queue.busyWith,
      held: this.results.size,
      challenges: { ...this.challenges },
      served: this.served,
      refused: { ...this.refused },
      last: this.last,
    };
  }

  private recordChallenge(event: ChallengeEvent, log: Logger): void {
    this.last = event;
    const fields = {
      validator: event.validator,
      uid: event.uid,
      class: event.precision,
      size: `${event.execution ? `${event.execution.gemms}/` : ''}${event.m}×${event.n}×${event.k}`,
      ms: Math.round(event.elapsedMs),
    };
    if (event.error) {
      this.challenges.failed++;
      log.warn('challenge failed', { ...fields, code: event.error });
    } else {
      this.challenges.ok++;
      log.info('challenge', { ...fields, gemmMs: event.execution ? Math.round(event.execution.timings.gemmMs) : undefined });
    }
  }

  /** Stops serving: refuses waiting challenges, closes connections, frees held results. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unsubscribe();
      if (this.ownsQueue) this.queue.close();
      await this.axon.close();
      await this.results.releaseAll();
    })();
    return this.closing;
  }
}
