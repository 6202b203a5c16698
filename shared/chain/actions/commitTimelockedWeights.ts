/**
 * Commits weights timelocked to a drand round; the chain decrypts and applies them itself in the reveal
 * epoch, so there is no reveal transaction and a restart loses nothing. The call is the runtime's
 * (weights-mechanism.ts `timelockedCall`): `commit_timelocked_mechanism_weights` / `commit_timelocked_weights`
 * with the version the runtime asks for (CommitRevealWeightsVersion, 4: the payload names the hotkey), or
 * `commit_crv3_weights` (CR v3: the legacy payload).
 *
 * Everything the commit depends on is read from one head block: the subnet's epoch schedule (dynamic
 * tempo when the runtime has SubnetEpochIndex, else the classic (tempo + 1) one), RevealPeriodEpochs, the
 * chain's clock (Timestamp.Now) and slot (2 × Timestamp.MinimumPeriod; 12 s when absent), the Drand
 * pallet's beacon and LastStoredRound. The beacon key is quicknet's constant unless the chain is a
 * flopnet devnet (timelock/index.ts `trustedBeacon`). The round is never below LastStoredRound + 1:
 * subtensor refuses older rounds (InvalidRevealRound, pool code 15), which on mainnet's 72-minute epochs
 * never happens and on a fast devnet could.
 *
 * RPC: `chain_getHeader`, `system_chain`, then one `state_getStorage` per item at that head.
 */
import { u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { trustedBeacon, type Beacon } from '../timelock/beacon.js';
import { revealRoundClassic, revealRoundDynamic } from '../timelock/reveal-round.js';
import type { TimelockVersion } from '../timelock/index.js';
import { CallUnsupportedError } from '../errors.js';
import { FlopnetError } from '../../errors.js';
import { timelockedCall } from '../weights-mechanism.js';
import { head, storageEntry, requireStorage } from '../storage.js';
import { buildCall, hasCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';

/** The devnet's `system_chain`: the only chain whose own beacon key flopnet encrypts to. */
export const DEVNET_CHAIN_NAME = 'flopnet devnet';
/** finney's slot when the runtime declares no Timestamp pallet. */
const DEFAULT_BLOCK_SECONDS = 12;

export interface CommitTimelockedWeightsParameters extends SubmitOptions {
  hotkey: Signer;
  netuid: number;
  uids: readonly number[];
  values: readonly number[];
  versionKey?: bigint | number;
}

export interface TimelockedCommit {
  revealRound: number;
  /** The block the reveal round was computed at. */
  atBlock: number;
  result: TxResult;
}

type Codec = { toString(): string; toU8a(bare?: boolean): Uint8Array };
const num = (c: unknown): number => Number((c as Codec).toString());

/** The chain's beacon (pallet Drand's BeaconConfig) and how far its pulses go. */
async function readBeacon(ctx: ChainContext, at: string): Promise<{ declared: Beacon; lastStoredRound: number }> {
  const [config, last] = await Promise.all([requireStorage(ctx, 'Drand', 'BeaconConfig').at(at), requireStorage(ctx, 'Drand', 'LastStoredRound').at(at)]);
  const c = config as unknown as { publicKey: Codec; period: Codec; genesisTime: Codec };
  return { declared: { publicKey: c.publicKey.toU8a(true), period: num(c.period), genesisTime: num(c.genesisTime) }, lastStoredRound: num(last) };
}

/** The chain's own clock and slot (Timestamp.Now, 2 × MinimumPeriod). */
async function readClock(ctx: ChainContext, at: string): Promise<{ now: number; blockTime: number }> {
  const now = storageEntry(ctx, 'Timestamp', 'Now');
  const minimumPeriod = ctx.api.consts['timestamp']?.['minimumPeriod'];
  const ms = now ? num(await now.at(at)) : 0;
  return {
    now: ms > 0 ? ms / 1000 : Date.now() / 1000,
    blockTime: minimumPeriod ? (2 * num(minimumPeriod)) / 1000 : DEFAULT_BLOCK_SECONDS,
  };
}

async function revealRound(ctx: ChainContext, netuid: number, at: { hash: string; number: number }, beacon: Beacon, clock: { now: number; blockTime: number }): Promise<number> {
  const q = (item: string) => storageEntry(ctx, 'SubtensorModule', item);
  const read = async (item: string): Promise<number> => num(await requireStorage(ctx, 'SubtensorModule', item).at(at.hash, netuid));
  const tempo = await read('Tempo');
  const revealPeriodEpochs = q('RevealPeriodEpochs') ? await read('RevealPeriodEpochs') : 1;
  if (q('SubnetEpochIndex') && q('LastEpochBlock')) {
    const [lastEpochBlock, pendingEpochAt, subnetEpochIndex, blocksSinceLastStep] = await Promise.all([
      read('LastEpochBlock'),
      q('PendingEpochAt') ? read('PendingEpochAt') : 0,
      read('SubnetEpochIndex'),
      read('BlocksSinceLastStep'),
    ]);
    const state = { lastEpochBlock, pendingEpochAt, subnetEpochIndex, tempo, blocksSinceLastStep, currentBlock: at.number };
    return revealRoundDynamic({ state, revealPeriodEpochs, ...clock, beacon });
  }
  return revealRoundClassic({ tempo, currentBlock: at.number, netuid, revealPeriodEpochs, ...clock, beacon });
}

/** The version to send: the runtime's CommitRevealWeightsVersion for the v4 calls (flopnet encodes 4), 3 for CR v3. */
async function commitRevealVersion(ctx: ChainContext, call: string): Promise<TimelockVersion> {
  if (call === 'commit_crv3_weights') return 3;
  const stored = storageEntry(ctx, 'SubtensorModule', 'CommitRevealWeightsVersion');
  const version = stored ? num(await stored()) : 4;
  if (version !== 4) {
    throw new FlopnetError(`the runtime expects commit-reveal version ${version}; this flopnet encrypts version 4`, { code: 'E_COMMIT_REVEAL', hint: 'upgrade flopnet' });
  }
  return 4;
}

export async function commitTimelockedWeights(ctx: ChainContext, p: CommitTimelockedWeightsParameters): Promise<TimelockedCommit> {
  const { hotkey, netuid, uids, values, versionKey = 0n, ...options } = p;
  const call = timelockedCall((pallet, name) => hasCall(ctx, pallet, name));
  if (!call) throw new CallUnsupportedError('timelocked weight commit (commit_timelocked_weights or commit_crv3_weights, and the Drand pallet)', ctx.api.runtimeVersion.specVersion.toNumber());
  const version = await commitRevealVersion(ctx, call);
  const at = await head(ctx);
  const [chainName, { declared, lastStoredRound }, clock] = await Promise.all([ctx.api.rpc.system.chain(), readBeacon(ctx, at.hash), readClock(ctx, at.hash)]);
  const name = chainName.toString();
  const beacon = trustedBeacon(declared, { isDevnet: name === DEVNET_CHAIN_NAME, name });
  const round = Math.max(await revealRound(ctx, netuid, at, beacon, clock), lastStoredRound + 1);
  // The pairing library loads on first use, not with every command that imports the client.
  const { encryptWeights } = await import('../timelock/index.js');
  const commit = encryptWeights({ version, hotkey: decodeAddress(hotkey.address), uids, values, versionKey, revealRound: round, beacon });
  // Hex: @polkadot/api reads a Uint8Array given for `BoundedVec<u8>` as already length-prefixed.
  const tx = buildCall(ctx, 'SubtensorModule', call, { netuid, mecid: 0, commit: u8aToHex(commit), reveal_round: round, commit_reveal_version: version });
  const result = await submit(ctx, hotkey, tx, options);
  ctx.log.debug('timelocked commit', { netuid, revealRound: round, lastStoredRound, atBlock: at.number });
  return { revealRound: round, atBlock: at.number, result };
}
