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
import type { RuntimeVariant } from '../../devnet/pallets/subtensor/index.js';

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
  /** Imitate an older runtime's shapes (AxonInfo field order, unsalted commit-reveal, no runtime APIs, spec). */
  runtime?: Partial<RuntimeVariant>;
}

export interface TestDevnet {
  endpoint: string;
  /** Builds `count` blocks (default 1) now. */
  newBlock(count?: number): Promise<void>;
  /**
   * `dev_failNext` over JSON-RPC: the next `count` extrinsics of `call` (`SubtensorModule.reveal_weights`)
   * fail with the module error `error` (`SubtensorModule.InputLengthsUnequal`).
   */
  failNext(call: string, error: string, count?: number): Promise<void>;
  /** `dev_clearFailures`. */
  clearFailures(): Promise<void>;
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
  if (opts.runtime !== undefined) options.runtime = opts.runtime;
  const devnet = await start(options);
  const rpc = async (method: string, params: unknown[]): Promise<void> => {
    const res = await fetch(devnet.httpEndpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    const body = (await res.json()) as { error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
  };
  return {
    endpoint: devnet.endpoint,
    newBlock: async (count = 1) => {
      devnet.newBlock(count);
      // Let subscribers (heads, storage, extrinsic status) hear about the blocks before returning.
      await new Promise((resolve) => setImmediate(resolve));
    },
    failNext: (call, error, count = 1) => rpc('dev_failNext', [{ call, error, count }]),
    clearFailures: () => rpc('dev_clearFailures', []),
    close: () => devnet.close(),
  };
}
