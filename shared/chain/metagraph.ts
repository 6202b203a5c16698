/**
 * A subnet's metagraph kept current as blocks arrive: re-read every `everyBlocks` blocks (never two
 * reads at once), `update` emitted after each successful read, `error` when a read fails (the last
 * good metagraph stays in place and the next block tries again). Miners use it for their policy
 * (who may query, with how much stake), validators to pick and weight miners.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import type { Metagraph, Neuron } from './types.js';

/** The part of ChainClient the sync needs (a fake in tests). */
export interface MetagraphSource {
  getMetagraph(p: { netuid: number }): Promise<Metagraph>;
  subscribeBlocks(onBlock: (block: { number: number; hash: string }) => void): Promise<() => void>;
}

export interface MetagraphSyncOptions {
  netuid: number;
  /** Re-read after this many new blocks (default 5; 1 = every block). */
  everyBlocks?: number;
  log?: Logger;
}

export interface MetagraphSyncEvents {
  update: [metagraph: Metagraph];
  error: [error: unknown];
}

export class MetagraphSync extends EventEmitter<MetagraphSyncEvents> {
  readonly netuid: number;
  readonly everyBlocks: number;
  readonly #source: MetagraphSource;
  readonly #log: Logger | undefined;
  #current: Metagraph | undefined;
  #byHotkey = new Map<string, Neuron>();
  #lastReadBlock = -Infinity;
  #inFlight: Promise<Metagraph> | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(source: MetagraphSource, options: MetagraphSyncOptions) {
    super();
    this.#source = source;
    this.netuid = options.netuid;
    this.everyBlocks = Math.max(1, options.everyBlocks ?? 5);
    this.#log = options.log;
  }

  /** The last metagraph read; undefined before the first read completes. */
  get metagraph(): Metagraph | undefined {
    return this.#current;
  }

  /** The neuron a hotkey holds, if registered (at the last read). */
  neuron(hotkey: string): Neuron | undefined {
    return this.#byHotkey.get(hotkey);
  }

  /** Reads once, then follows new blocks. Resolves with the first metagraph; rejects if that read fails. */
  async start(): Promise<Metagraph> {
    const first = await this.refresh();
    this.#unsubscribe ??= await this.#source.subscribeBlocks(({ number }) => {
      if (number - this.#lastReadBlock >= this.everyBlocks && !this.#inFlight) {
        this.refresh().catch(() => undefined);
      }
    });
    return first;
  }

  /** Reads now (joining a read already under way). */
  refresh(): Promise<Metagraph> {
    this.#inFlight ??= this.#source
      .getMetagraph({ netuid: this.netuid })
      .then((metagraph) => {
        this.#current = metagraph;
        this.#lastReadBlock = metagraph.block;
        this.#byHotkey = new Map(metagraph.neurons.map((n) => [n.hotkey, n]));
        this.#log?.debug('metagraph updated', { netuid: this.netuid, block: metagraph.block, n: metagraph.neurons.length });
        this.emit('update', metagraph);
        return metagraph;
      })
      .catch((error: unknown) => {
        this.#log?.warn('metagraph read failed; keeping the last one', { netuid: this.netuid, error });
        if (this.listenerCount('error') > 0) this.emit('error', error);
        throw error;
      })
      .finally(() => {
        this.#inFlight = undefined;
      });
    return this.#inFlight;
  }

  /** Stops following blocks. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
