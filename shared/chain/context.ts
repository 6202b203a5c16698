/**
 * What every chain action needs: the connected api, where it points, a logger, the signer nonces and
 * the inclusion timeout. `connect()` builds it; actions take it first (viem style) and `ChainClient`
 * binds them.
 */
import type { ApiPromise } from '@polkadot/api';
import type { Logger } from '../log.js';
import type { NonceTracker } from './nonce.js';

export interface ChainContext {
  readonly api: ApiPromise;
  readonly endpoint: string;
  readonly log: Logger;
  readonly nonces: NonceTracker;
  /** How long a transaction may take to reach a block before `ChainTimeoutError`. */
  readonly txTimeoutMs: number;
  /** Re-describes custom signed extensions when the runtime changed since the last call. */
  readonly refreshExtensions: () => void;
}

/** A signing key: a @polkadot/keyring pair (sr25519 hotkey or coldkey). */
export type { KeyringPair as Signer } from '@polkadot/keyring/types';
