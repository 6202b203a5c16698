/**
 * All RPC methods in one map. `rpc_methods` is built from the map's keys, so the list a client
 * filters `api.rpc` by can never disagree with what is served.
 */
import { chainHandlers } from './chain.js';
import { stateHandlers } from './state.js';
import { systemHandlers } from './system.js';
import { authorHandlers } from './author.js';
import { paymentHandlers } from './payment.js';
import { devHandlers } from './dev.js';
import type { Handlers } from './shared.js';

export function createHandlers(): Handlers {
  const handlers: Handlers = { ...chainHandlers, ...stateHandlers, ...systemHandlers, ...authorHandlers, ...paymentHandlers, ...devHandlers };
  const methods = [...Object.keys(handlers), 'rpc_methods'].sort();
  handlers['rpc_methods'] = () => ({ version: 1, methods });
  return handlers;
}
