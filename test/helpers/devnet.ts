/**
 * Starts an in-process devnet on a free port for a test. Default block mode is `instant` (a block
 * per extrinsic) so tests do not wait on a timer; `manual` leaves block production to `newBlock`.
 *
 *   const devnet = await startDevnet();
 *   const api = await ApiPromise.create({ provider: new WsProvider(devnet.endpoint) });
 *   ...
 *   await api.disconnect(); await devnet.close();
 */
import { startDevnet as start, type DevnetOptions } from '../../devnet/devnet.js';

export interface TestDevnetOptions {
  blockMode?: 'instant' | 'interval' | 'manual';
  blockTimeMs?: number;
  /** State file to resume from and save to on close. */
  state?: string;
  /** Accept 127.0.0.1 axons (subtensor refuses them with InvalidIpAddress). Default false. */
  allowLoopbackAxons?: boolean;
  /** subtensor's pool-level checks (some weight/serving errors as `1010 Custom error: N`). Default true. */
  poolChecks?: boolean;
  /** Tempo of new subnets (default 10, as a fast-runtime localnet). */
  defaultTempo?: number;
  /** `subtensor`: declare HEAD's signed extensions (ChargeTransactionPaymentWrapper, ...). Default `frame`. */
  extensions?: 'frame' | 'subtensor';
  /** The Drand pallet's beacon: `devnet` (default, the public test key) or `quicknet` (pulses only via dev_drandPulse). */
  drand?: 'devnet' | 'quicknet';
}

export interface TestDevnet {
  endpoint: string;
  /** Builds `count` blocks (default 1) now. */
  newBlock(count?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDevnet(opts: TestDevnetOptions = {}): Promise<TestDevnet> {
  const options: DevnetOptions = { port: 0, blockMode: opts.blockMode ?? 'instant' };
  if (opts.blockTimeMs !== undefined) options.blockTimeMs = opts.blockTimeMs;
  if (opts.state !== undefined) options.stateFile = opts.state;
  if (opts.allowLoopbackAxons !== undefined) options.allowLoopbackAxons = opts.allowLoopbackAxons;
  if (opts.poolChecks !== undefined) options.poolChecks = opts.poolChecks;
  if (opts.defaultTempo !== undefined) options.defaultTempo = opts.defaultTempo;
  if (opts.extensions !== undefined) options.extensions = opts.extensions;
  if (opts.drand !== undefined) options.drand = opts.drand;
  const devnet = await start(options);
  return {
    endpoint: devnet.endpoint,
    newBlock: async (count = 1) => {
      devnet.newBlock(count);
      // Let subscribers (heads, storage, extrinsic status) hear about the blocks before returning.
      await new Promise((resolve) => setImmediate(resolve));
    },
    close: () => devnet.close(),
  };
}
