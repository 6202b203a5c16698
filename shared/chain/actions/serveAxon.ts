/**
 * Publishes where a hotkey's axon listens (`SubtensorModule.serve_axon`), signed by the hotkey (fee-free).
 * The address goes on chain as subtensor expects: its integer value in a u128 plus ip_type 4 or 6.
 * subtensor refuses 127.0.0.1 and ::1 (0.0.0.0 is allowed for tests).
 */
import { ipToU128 } from '../ip.js';
import { buildCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

export interface ServeAxonParameters extends SubmitOptions {
  hotkey: Signer;
  netuid: number;
  /** IPv4 or IPv6 text. */
  ip: string;
  port: number;
  /** The SDK sends 4; subtensor stores it as given. */
  protocol?: number;
  /** Software version as an integer (the SDK's version_as_int). */
  version?: number;
}

export async function serveAxon(ctx: ChainContext, { hotkey, netuid, ip, port, protocol = 4, version = 0, ...options }: ServeAxonParameters): Promise<TxResult> {
  const encoded = ipToU128(ip);
  const call = buildCall(ctx, 'SubtensorModule', 'serve_axon', {
    netuid,
    version,
    ip: encoded.ip,
    port,
    ip_type: encoded.ipType,
    protocol,
    placeholder1: 0,
    placeholder2: 0,
  });
  return submit(ctx, hotkey, call, options);
}
