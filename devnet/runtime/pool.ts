/**
 * The transaction pool and the block producer that decides when blocks are built: `instant` (a
 * block per submitted extrinsic), `interval` (every blockTimeMs, default 250 ms as a fast-runtime
 * localnet) or `manual` (only `dev_newBlock`, as chopsticks calls it).
 *
 * Pool admission mirrors a node: decode (1001), birth block and signature (1010), nonce (1010
 * Stale; a nonce beyond the sender's queued ones is refused as Future instead of parked), the sudo
 * signer (BadSigner), and subtensor's SubtensorTransactionExtension checks, which turn some module
 * errors into `Custom error: N` (subtensor.md §4.3).
 */
import { u8aEq, u8aToHex } from '@polkadot/util';
import { Overlay, type State } from './storage.js';
import { DispatchFailure } from './pallet.js';
import { dispatch } from './block-builder.js';
import { checkSignature, decodeExtrinsic, invalid, InvalidTransaction, PoolError, type ChainView, type DecodedExtrinsic } from './extrinsic.js';
import { isHex, type VariantValue } from './types.js';
import type { Runtime } from './runtime.js';

export type BlockMode = 'instant' | 'interval' | 'manual';

/** Module errors that subtensor's transaction extension reports at the pool, with their Custom codes. */
const POOL_CHECKS: Record<string, Record<string, number>> = {
  set_weights: { NotEnoughStakeToSetWeights: 1, SettingWeightsTooFast: 6, HotKeyNotRegisteredInSubNet: 19, WeightVecNotEqualSize: 18 },
  commit_weights: { CommittingWeightsTooFast: 6, HotKeyNotRegisteredInSubNet: 19 },
  commit_timelocked_weights: { CommittingWeightsTooFast: 6, InvalidRevealRound: 15, HotKeyNotRegisteredInSubNet: 19 },
  commit_crv3_mechanism_weights: { CommittingWeightsTooFast: 6, InvalidRevealRound: 15, HotKeyNotRegisteredInSubNet: 19 },
  commit_timelocked_mechanism_weights: { CommittingWeightsTooFast: 6, InvalidRevealRound: 15, HotKeyNotRegisteredInSubNet: 19 },
  reveal_weights: {
    HotKeyNotRegisteredInSubNet: 19,
    NoWeightsCommitFound: 16,
    InvalidRevealCommitHashNotMatch: 16,
    RevealTooEarly: 17,
    ExpiredWeightCommit: 17,
    InputLengthsUnequal: 18,
  },
  serve_axon: { HotKeyNotRegisteredInNetwork: 10, InvalidIpAddress: 11, ServingRateLimitExceeded: 12, InvalidPort: 13, InvalidIpType: 255 },
  register_network: { NetworkTxRateLimitExceeded: 6 },
};

export interface PoolEntry {
  x: DecodedExtrinsic;
  /** Called with each status: 'ready', { inBlock }, { finalized }, 'invalid', 'dropped'. */
  watchers: ((status: unknown) => void)[];
}

export interface PoolOptions {
  /** Run subtensor's pool-level checks (default true, as subtensor does). */
  poolChecks: boolean;
}

export class TxPool {
  readonly pending: PoolEntry[] = [];
  private readonly hashes = new Set<string>();
  /** Queued nonces per signer (hex public key): admission stays O(1) with thousands queued. */
  private readonly bySigner = new Map<string, number[]>();

  /** Nonces of the signer's transactions waiting in the pool. */
  queuedNonces(signer: Uint8Array): number[] {
    return this.bySigner.get(u8aToHex(signer)) ?? [];
  }

  constructor(
    private readonly runtime: Runtime,
    private readonly view: () => ChainView & { state: State },
    private readonly options: PoolOptions,
  ) {}

  /** Validates and queues; throws PoolError with the node's RPC code and message. */
  submit(hex: string): PoolEntry {
    if (!isHex(hex)) throw new PoolError(1001, 'Extrinsic has invalid format: not a hex string');
    const bytes = Uint8Array.from(Buffer.from(hex.slice(2), 'hex'));
    const x = decodeExtrinsic(this.runtime, bytes);
    if (this.hashes.has(x.hash)) throw new PoolError(1013, 'Transaction Already Imported');
    const view = this.view();
    checkSignature(x, view);
    const stateNonce = this.runtime.system.Account.get(view.state, x.signer).nonce;
    if (x.nonce < stateNonce) throw invalid(InvalidTransaction.Stale);
    const queued = this.queuedNonces(x.signer);
    if (queued.includes(x.nonce)) {
      throw new PoolError(1014, 'Priority is too low: (0 vs 0)', 'The transaction has too low priority to replace another transaction already in the pool.');
    }
    if (x.nonce > stateNonce + queued.length) throw invalid(InvalidTransaction.Future);
    if (x.call.name === 'Sudo') {
      const key = this.runtime.sudo.Key.get(view.state);
      if (!key || !u8aEq(key, x.signer)) throw invalid(InvalidTransaction.BadSigner);
    }
    if (this.options.poolChecks && queued.length === 0) this.subtensorChecks(x, view);
    const entry: PoolEntry = { x, watchers: [] };
    this.pending.push(entry);
    this.hashes.add(x.hash);
    const key = u8aToHex(x.signer);
    this.bySigner.set(key, [...queued, x.nonce]);
    return entry;
  }

  /** Runs the call over a throwaway layer at the next block; mapped module errors become Custom pool errors. */
  private subtensorChecks(x: DecodedExtrinsic, view: ChainView & { state: State }): void {
    if (x.call.name !== 'SubtensorModule') return;
    const mapping = POOL_CHECKS[(x.call.value as VariantValue).name];
    if (!mapping) return;
    try {
      dispatch(this.runtime, new Overlay(view.state), view.bestNumber + 1, x.call, { kind: 'signed', who: x.signer }, []);
    } catch (error) {
      if (!(error instanceof DispatchFailure)) return;
      const code = mapping[error.message.replace(/^SubtensorModule\./, '')];
      if (code !== undefined) throw invalid(InvalidTransaction.Custom(code));
    }
  }

  take(max = Infinity): PoolEntry[] {
    const taken = this.pending.splice(0, Math.min(max, this.pending.length));
    for (const e of taken) {
      this.hashes.delete(e.x.hash);
      const key = u8aToHex(e.x.signer);
      const rest = (this.bySigner.get(key) ?? []).filter((n) => n !== e.x.nonce);
      if (rest.length) this.bySigner.set(key, rest);
      else this.bySigner.delete(key);
    }
    return taken;
  }
}

/** Decides when blocks are built; `build` builds one block from the pool. */
export class BlockProducer {
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;

  constructor(
    readonly mode: BlockMode,
    readonly blockTimeMs: number,
    private readonly build: () => void,
    private readonly pendingCount: () => number,
    /** A block that fails to build is reported here; the producer keeps going. */
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.mode === 'interval') this.timer = setInterval(() => this.tryBuild(), this.blockTimeMs);
  }

  private tryBuild(): boolean {
    try {
      this.build();
      return true;
    } catch (error) {
      this.onError(error);
      return false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** In instant mode, one block per queued extrinsic, built after the submitting call has answered. */
  submitted(): void {
    if (this.mode !== 'instant' || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.pendingCount() > 0 && this.tryBuild());
    });
  }
}
