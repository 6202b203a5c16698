/**
 * The connection to a subtensor node, and a client that binds the chain actions to it (viem style:
 * each method is a one-line wrapper around `actions/<name>.ts`).
 *
 * - connect() gives up after `timeoutMs` with an error naming the endpoint (no endless retry);
 * - after a connection is lost it reconnects with capped exponential backoff (polkadot-js then
 *   resubscribes and re-reads metadata);
 * - a runtime upgrade is picked up by polkadot-js (new metadata → api.tx/query re-decorated); actions
 *   build calls from the metadata at call time, and custom signed extensions are re-described
 *   before the next transaction (extensions.ts).
 */
import { ApiPromise, WsProvider } from '@polkadot/api';
import { rpc as authorRpc } from '@polkadot/types/interfaces/author/rpc';
import { silentLogger, type Logger } from '../log.js';
import { ChainConnectionError } from './errors.js';
import { deriveSignedExtensions, metadataExtensions, type ExtensionDefs } from './extensions.js';
import { NonceTracker } from './nonce.js';
import type { ChainContext } from './context.js';
import { addStake, type AddStakeParameters } from './actions/addStake.js';
import { burnedRegister, type BurnedRegisterParameters } from './actions/burnedRegister.js';
import { commitWeights, type CommitWeightsParameters } from './actions/commitWeights.js';
import { commitTimelockedWeights, type CommitTimelockedWeightsParameters } from './actions/commitTimelockedWeights.js';
import { getBalance } from './actions/getBalance.js';
import { getCommitments } from './actions/getCommitments.js';
import { getConsensus, type GetConsensusParameters } from './actions/getConsensus.js';
import { getRegistrationCost, type GetRegistrationCostParameters } from './actions/getRegistrationCost.js';
import { getHyperparameters } from './actions/getHyperparameters.js';
import { getMetagraph, subnetExists, type GetMetagraphParameters } from './actions/getMetagraph.js';
import { getSubnetInfo, listSubnets } from './actions/getSubnetInfo.js';
import { getUid, type GetUidParameters } from './actions/getUid.js';
import { getWeights } from './actions/getWeights.js';
import { registerNetwork, type RegisterNetworkParameters } from './actions/registerNetwork.js';
import { removeStake, type RemoveStakeParameters } from './actions/removeStake.js';
import { revealWeights, type RevealWeightsParameters } from './actions/revealWeights.js';
import { serveAxon, type ServeAxonParameters } from './actions/serveAxon.js';
import { setCommitment, type SetCommitmentParameters } from './actions/setCommitment.js';
import { setHyperparameter, type SetHyperparameterParameters } from './actions/setHyperparameter.js';
import { setWeights, type SetWeightsParameters } from './actions/setWeights.js';
import { startCall, type StartCallParameters } from './actions/startCall.js';
import { transfer, type TransferParameters } from './actions/transfer.js';

export interface ConnectOptions {
  /** ws:// or wss:// URL of a subtensor node. */
  endpoint: string;
  log?: Logger;
  /** Aborts connecting (and, once connected, nothing: call close()). */
  signal?: AbortSignal;
  /** Give up connecting after this long (default 10 s). */
  timeoutMs?: number;
  /** How long a transaction may take to be included (default 120 s). */
  txTimeoutMs?: number;
  /** Cap of the reconnect backoff (default 30 s); the first retry comes after 0.5 s. */
  maxBackoffMs?: number;
  /** Give up connecting after this many refused attempts, before the timeout (default: retry until the timeout). */
  maxAttempts?: number;
}

/** Decorates a context with the actions; each method is the action with the client bound first. */
function bindActions(ctx: ChainContext) {
  return {
    getMetagraph: (p: GetMetagraphParameters) => getMetagraph(ctx, p),
    subnetExists: (p: { netuid: number }) => subnetExists(ctx, p.netuid),
    getUid: (p: GetUidParameters) => getUid(ctx, p),
    getSubnetInfo: (p: { netuid: number }) => getSubnetInfo(ctx, p),
    listSubnets: () => listSubnets(ctx),
    getHyperparameters: (p: { netuid: number }) => getHyperparameters(ctx, p),
    getWeights: (p: { netuid: number }) => getWeights(ctx, p),
    getConsensus: (p: GetConsensusParameters) => getConsensus(ctx, p),
    getRegistrationCost: (p: GetRegistrationCostParameters) => getRegistrationCost(ctx, p),
    getCommitments: (p: { netuid: number }) => getCommitments(ctx, p),
    getBalance: (p: { address: string }) => getBalance(ctx, p),
    burnedRegister: (p: BurnedRegisterParameters) => burnedRegister(ctx, p),
    registerNetwork: (p: RegisterNetworkParameters) => registerNetwork(ctx, p),
    startCall: (p: StartCallParameters) => startCall(ctx, p),
    serveAxon: (p: ServeAxonParameters) => serveAxon(ctx, p),
    addStake: (p: AddStakeParameters) => addStake(ctx, p),
    removeStake: (p: RemoveStakeParameters) => removeStake(ctx, p),
    setWeights: (p: SetWeightsParameters) => setWeights(ctx, p),
    commitWeights: (p: CommitWeightsParameters) => commitWeights(ctx, p),
    revealWeights: (p: RevealWeightsParameters) => revealWeights(ctx, p),
    commitTimelockedWeights: (p: CommitTimelockedWeightsParameters) => commitTimelockedWeights(ctx, p),
    setHyperparameter: (p: SetHyperparameterParameters) => setHyperparameter(ctx, p),
    setCommitment: (p: SetCommitmentParameters) => setCommitment(ctx, p),
    transfer: (p: TransferParameters) => transfer(ctx, p),
  };
}

export type ChainActions = ReturnType<typeof bindActions>;

export interface ChainClient extends ChainContext, ChainActions {
  /** Best block number. */
  blockNumber(): Promise<number>;
  /** Calls `onBlock` for each new best block; returns the unsubscribe function. */
  subscribeBlocks(onBlock: (block: { number: number; hash: string }) => void): Promise<() => void>;
  /** Disconnects and stops reconnecting. */
  close(): Promise<void>;
}

async function fetchNonce(api: ApiPromise, address: string): Promise<number> {
  // system_accountNextIndex counts transactions already in the pool; the others only count blocks.
  if (typeof api.rpc.system?.accountNextIndex === 'function') return (await api.rpc.system.accountNextIndex(address)).toNumber();
  const call = api.call['accountNonceApi']?.['accountNonce'];
  if (call) return Number((await call(address)).toString());
  return ((await api.query.system.account(address)) as unknown as { nonce: { toNumber(): number } }).nonce.toNumber();
}

export async function connect(options: ConnectOptions): Promise<ChainClient> {
  const { endpoint, signal } = options;
  const log = (options.log ?? silentLogger).child('chain', { endpoint });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  signal?.throwIfAborted();
  let provider: WsProvider;
  try {
    // autoConnect off: we reconnect ourselves, with backoff instead of polkadot-js's fixed 2.5 s loop.
    provider = new WsProvider(endpoint, false);
  } catch (error) {
    throw new ChainConnectionError(endpoint, `"${endpoint}" is not a usable WebSocket endpoint`, { cause: error, code: 'E_CHAIN_ENDPOINT' });
  }

  let closing = false;
  let backoff = 500;
  let retryTimer: NodeJS.Timeout | undefined;
  let wasConnected = false;
  let failedAttempts = 0;
  let giveUp: ((error: Error) => void) | undefined;
  let lost = false;
  provider.on('connected', () => {
    if (lost) log.info('reconnected');
    wasConnected = true;
    lost = false;
    backoff = 500;
  });
  provider.on('disconnected', () => {
    if (closing) return;
    if (wasConnected) {
      if (lost) log.debug(`still unreachable; retrying in ${backoff / 1000} s`);
      else log.warn(`connection lost; reconnecting (first retry in ${backoff / 1000} s, backoff up to ${maxBackoffMs / 1000} s)`);
      lost = true;
    } else {
      failedAttempts++;
      if (options.maxAttempts !== undefined && failedAttempts >= options.maxAttempts) {
        giveUp?.(new ChainConnectionError(endpoint, `cannot reach subtensor at ${endpoint}: ${failedAttempts} attempts failed${lastError ? ` (${lastError})` : ''}`));
        return;
      }
      log.debug(`no connection yet; retrying in ${backoff / 1000} s`);
    }
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      if (!closing) provider.connect().catch(() => undefined);
    }, backoff);
    backoff = Math.min(backoff * 2, maxBackoffMs);
  });
  let lastError = '';
  provider.on('error', (e: unknown) => {
    // The ws ErrorEvent carries the socket error's text ("connect ECONNREFUSED 127.0.0.1:9944").
    const m = (e as { message?: unknown; error?: { message?: unknown } } | undefined)?.message ?? (e as { error?: { message?: unknown } })?.error?.message;
    if (typeof m === 'string' && m) lastError = m;
  });

  // Filled once metadata is known; polkadot-js reads this object again for every registry it builds.
  const extensions: ExtensionDefs = {};
  await provider.connect().catch(() => undefined);
  const api = new ApiPromise({
    provider,
    noInitWarn: true,
    signedExtensions: extensions,
    throwOnConnect: false,
    // A refused extrinsic becomes a ChainRejectedError; polkadot-js would also print it to stderr.
    rpc: {
      author: {
        submitAndWatchExtrinsic: { ...authorRpc.submitAndWatchExtrinsic, noErrorLog: true },
        submitExtrinsic: { ...authorRpc.submitExtrinsic, noErrorLog: true },
      },
    } as never,
  });
  api.on('error', () => undefined);
  // polkadot-js rejects this on the first failed attempt; we wait on isReady and retry instead.
  api.isReadyOrError.catch(() => undefined);

  const shutdown = async (): Promise<void> => {
    closing = true;
    clearTimeout(retryTimer);
    await api.disconnect().catch(() => undefined);
  };

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      // isReady, not isReadyOrError: a node still starting refuses the first attempts, and we retry until the timeout.
      api.isReady,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ChainConnectionError(
                endpoint,
                `cannot reach subtensor at ${endpoint}: no answer within ${timeoutMs / 1000} s${lastError ? ` (${lastError})` : ''}`,
              ),
            ),
          timeoutMs,
        );
      }),
      new Promise<never>((_, reject) => {
        giveUp = reject;
        onAbort = () => reject(signal?.reason ?? new Error('aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } catch (error) {
    await shutdown();
    if (error instanceof ChainConnectionError || error === signal?.reason) throw error;
    throw new ChainConnectionError(endpoint, `connecting to subtensor at ${endpoint} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }

  let describedFor: unknown;
  const refreshExtensions = (): void => {
    const registry = api.registry;
    if (describedFor === registry.metadata) return;
    describedFor = registry.metadata;
    const { defs, unfillable } = deriveSignedExtensions(registry.lookup, metadataExtensions(api.runtimeMetadata));
    for (const key of Object.keys(extensions)) delete extensions[key];
    Object.assign(extensions, defs);
    // The registry's implementation takes noInitWarn as a third argument; its interface omits it.
    (registry.setSignedExtensions as (ids: string[], defs: ExtensionDefs, noInitWarn: boolean) => void).call(registry, registry.signedExtensions, { ...extensions }, true);
    if (Object.keys(defs).length) log.debug('described custom signed extensions', { extensions: Object.keys(defs).join(',') });
    if (unfillable.length) log.warn('signed extensions with implicit data flopnet cannot fill; transactions may be refused', { extensions: unfillable.join(',') });
  };
  refreshExtensions();
  log.debug('connected', { chain: (await api.rpc.system.chain()).toString(), spec: api.runtimeVersion.specVersion.toNumber() });

  const ctx: ChainContext = {
    api,
    endpoint,
    log,
    nonces: new NonceTracker((address) => fetchNonce(api, address)),
    txTimeoutMs: options.txTimeoutMs ?? 120_000,
    refreshExtensions,
  };
  return {
    ...ctx,
    ...bindActions(ctx),
    blockNumber: async () => (await api.rpc.chain.getHeader()).number.toNumber(),
    subscribeBlocks: async (onBlock) => {
      const unsub = await api.rpc.chain.subscribeNewHeads((header) => onBlock({ number: header.number.toNumber(), hash: header.hash.toHex() }));
      return () => unsub();
    },
    close: shutdown,
  };
}
