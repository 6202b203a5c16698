/**
 * What every handler receives: the verified, admitted validator and the bounds of its request. A handler
 * never sees a request that failed decode, signature, policy or priority.
 */
import type { Neuron } from '../../shared/chain/types.js';
import type { Op, RequestBody, ResponseBody } from '../../shared/protocol/messages.js';

export interface RequestContext {
  /** The sender's hotkey, proven by its signature. */
  validator: string;
  neuron: Neuron;
  /** Higher goes first when the device is contended (stake, rao); the slot owner before all (miner/slots.ts). */
  priority: bigint;
  /** Monotonic ms (performance.now()) when the frame arrived. */
  receivedAt: number;
  /** Aborted when the request times out or the miner shuts down. */
  signal: AbortSignal;
}

export type Handler<O extends Op> = (body: RequestBody<O>, ctx: RequestContext) => Promise<ResponseBody<O>>;
export type Handlers = { [O in Op]: Handler<O> };
