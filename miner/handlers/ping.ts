import type { Handler } from './context.js';

/** Answers at once: the validator measures the round trip on its own clock. */
export const createPingHandler =
  (now: () => number = Date.now): Handler<'ping'> =>
  async () => ({ time: now() });
