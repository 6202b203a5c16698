/**
 * Timelocked weight commits (commit-reveal v3/v4), as subtensor spec 425 has them (subnets/weights.rs
 * `internal_commit_timelocked_weights`, coinbase/reveal_commits.rs `reveal_crv3_commits_for_subnet`,
 * guards/check_weights.rs):
 *
 * - `commit_timelocked_weights` (113), `commit_crv3_mechanism_weights` (117, version fixed at 4) and
 *   `commit_timelocked_mechanism_weights` (118, mechanism 0 only) queue (who, block, ciphertext, round)
 *   under TimelockedWeightCommits(netuid index, commit epoch). A reveal round below Drand.LastStoredRound
 *   is refused (InvalidRevealRound; Custom 15 at the pool), a version other than
 *   CommitRevealWeightsVersion with IncorrectCommitRevealVersion.
 * - The block step `reveal_crv3_commits` (before run_coinbase) takes the commits of epoch
 *   current − RevealPeriodEpochs, decrypts each with its round's stored pulse, decodes the payload (which
 *   must name the committer) and applies the weights through the same checks as set_weights; a commit
 *   whose pulse is not stored yet is retried every block of its reveal epoch, then dropped.
 *
 * Indices: errors 110/111 and events 107/108 as in spec 425's macros (counted from the enum order).
 */
import { blake2AsU8a } from '@polkadot/util-crypto';
import { DispatchFailure, type BlockContext, type DispatchContext } from '../../runtime/pallet.js';
import { Overlay } from '../../runtime/storage.js';
import { decodeWeightsPayload } from '../../../shared/chain/timelock/payload.js';
import { MAX_COMMIT_BYTES, timelockDecrypt } from '../../../shared/chain/timelock/tlock.js';
import type { DrandPallet } from '../drand.js';
import { commonArgs, now, signed, type SubtensorCore } from './core.js';
import type { BlockStepHook } from './index.js';
import { setAt } from './neurons.js';
import { currentEpochWithLookahead } from './schedule.js';
import { subnetExists, subnetNetuids } from './subnets.js';
import type { TimelockedWeightCommit } from './types.js';
import { applyWeights, type WeightsContext } from './weights.js';

/** The only commit-reveal version the timelocked calls accept by default (`DefaultCommitRevealWeightsVersion`). */
export const COMMIT_REVEAL_VERSION = 4;

export function defineTimelockedCommits(core: SubtensorCore, drand: DrandPallet, blockStep: BlockStepHook[]): void {
  const { pallet: p, storage: s, errors: e } = core;
  const { u8, u16, u64, accountId, h256 } = core.types;
  const bytes = p.c.bytes;
  const netuidArg = commonArgs(core).netuid;
  const CommitRevealWeightsVersion = p.value<number>('CommitRevealWeightsVersion', u16, COMMIT_REVEAL_VERSION);
  const IncorrectCommitRevealVersion = p.error('IncorrectCommitRevealVersion', 110, ['Incorrect commit-reveal version.']);
  const InvalidRevealRound = p.error('InvalidRevealRound', 111, ['Reveal round is in the past: Drand.LastStoredRound is beyond it.']);
  p.event('TimelockedWeightsCommitted', 107, [[undefined, accountId, 'T::AccountId'], [undefined, u16, 'NetUidStorageIndex'], [undefined, h256, 'H256'], [undefined, u64, 'u64']]);
  p.event('TimelockedWeightsRevealed', 108, [[undefined, u16, 'NetUidStorageIndex'], [undefined, accountId, 'T::AccountId']]);

  type Commit = { netuid: number; mecid: number; commit: Uint8Array; reveal_round: bigint; commit_reveal_version: number };
  const commitTimelocked = (ctx: DispatchContext, a: Commit): void => {
    const st = ctx.state;
    // CheckWeights (a dispatch extension at 425) runs before the call.
    if (a.reveal_round < drand.LastStoredRound.get(st)) InvalidRevealRound();
    if (a.commit.length > MAX_COMMIT_BYTES) throw new DispatchFailure({ name: 'Other' }, `commit is ${a.commit.length} bytes, over MAX_CRV3_COMMIT_SIZE_BYTES`);
    if (!subnetExists(s, st, a.netuid) || a.mecid !== 0) e.MechanismDoesNotExist();
    const who = signed(ctx);
    if (!s.CommitRevealWeightsEnabled.get(st, a.netuid)) e.CommitRevealDisabled();
    if (a.commit_reveal_version !== CommitRevealWeightsVersion.get(st)) IncorrectCommitRevealVersion();
    const uid = s.Uids.get(st, a.netuid, who);
    if (uid === null) return e.HotKeyNotRegisteredInSubNet();
    const block = now(ctx);
    const last = s.LastUpdate.get(st, a.netuid)[uid] ?? 0n;
    if (last !== 0n && block - last < s.WeightsSetRateLimit.get(st, a.netuid)) e.CommittingWeightsTooFast();
    const epoch = currentEpochWithLookahead(s, st, a.netuid, block);
    const queue = s.TimelockedWeightCommits.get(st, a.netuid, epoch);
    if (queue.filter(([account]) => Buffer.compare(account, who) === 0).length >= 10) e.TooManyUnrevealedCommits();
    queue.push([who, block, a.commit, a.reveal_round]);
    s.TimelockedWeightCommits.set(st, a.netuid, epoch, queue);
    ctx.emit('SubtensorModule', 'TimelockedWeightsCommitted', [who, a.netuid, blake2AsU8a(a.commit, 256), a.reveal_round]);
    setAt(st, s.LastUpdate, a.netuid, uid, block, 0n);
  };

  const commitArg: [string, number, string] = ['commit', bytes, 'BoundedVec<u8, ConstU32<MAX_CRV3_COMMIT_SIZE_BYTES>>'];
  const roundArg: [string, number, string] = ['reveal_round', u64, 'u64'];
  const versionArg: [string, number, string] = ['commit_reveal_version', u16, 'u16'];
  const mecidArg: [string, number, string] = ['mecid', u8, 'MechId'];
  p.call<Omit<Commit, 'mecid'>>('commit_timelocked_weights', 113, [netuidArg, commitArg, roundArg, versionArg], (ctx, a) => commitTimelocked(ctx, { ...a, mecid: 0 }), { paysFee: false });
  p.call<Omit<Commit, 'commit_reveal_version'>>('commit_crv3_mechanism_weights', 117, [netuidArg, mecidArg, commitArg, roundArg], (ctx, a) => commitTimelocked(ctx, { ...a, commit_reveal_version: COMMIT_REVEAL_VERSION }), { paysFee: false });
  p.call<Commit>('commit_timelocked_mechanism_weights', 118, [netuidArg, mecidArg, commitArg, roundArg, versionArg], commitTimelocked, { paysFee: false });

  /** Decrypts and applies one commit; false when its pulse is not stored yet (retry next block). */
  const reveal = (ctx: BlockContext, netuid: number, [who, , ciphertext, round]: TimelockedWeightCommit): boolean => {
    const pulse = drand.Pulses.get(ctx.state, round);
    if (!pulse) return false;
    let plaintext: Uint8Array;
    try {
      plaintext = timelockDecrypt(ciphertext, pulse.signature);
    } catch {
      return true; // undecryptable: dropped, as subtensor drops it
    }
    const decoded = decodeWeightsPayload(plaintext, who);
    if (!decoded.ok) return true;
    const layer = new Overlay(ctx.state);
    const events: { pallet: string; event: string; value?: unknown }[] = [];
    const wctx: WeightsContext = { state: layer, block: ctx.block, emit: (pallet, event, value) => events.push({ pallet, event, value }) };
    try {
      applyWeights(core, wctx, who, netuid, decoded.payload.uids, decoded.payload.values, decoded.payload.versionKey, true);
    } catch (error) {
      if (error instanceof DispatchFailure) return true;
      throw error;
    }
    layer.commit();
    for (const ev of events) ctx.emit(ev.pallet, ev.event, ev.value);
    ctx.emit('SubtensorModule', 'TimelockedWeightsRevealed', [netuid, who]);
    return true;
  };

  const revealForSubnet = (ctx: BlockContext, netuid: number): void => {
    const st = ctx.state;
    const period = s.RevealPeriodEpochs.get(st, netuid);
    const current = currentEpochWithLookahead(s, st, netuid, now(ctx));
    const revealEpoch = current > period ? current - period : 0n;
    // Epochs advance one at a time, so dropping the epoch before the reveal epoch each block clears every
    // expired queue (subtensor iterates the prefix instead).
    if (revealEpoch > 0n) s.TimelockedWeightCommits.remove(st, netuid, revealEpoch - 1n);
    if (current < period) return;
    const entries = s.TimelockedWeightCommits.get(st, netuid, revealEpoch);
    if (entries.length === 0) return;
    const unrevealed = entries.filter((commit) => !reveal(ctx, netuid, commit));
    if (unrevealed.length) s.TimelockedWeightCommits.set(st, netuid, revealEpoch, unrevealed);
    else s.TimelockedWeightCommits.remove(st, netuid, revealEpoch);
  };

  const step: BlockStepHook = { name: 'reveal_crv3_commits', run: (ctx) => subnetNetuids(s, ctx.state).forEach((netuid) => revealForSubnet(ctx, netuid)) };
  const at = blockStep.findIndex((h) => h.name === 'run_coinbase');
  blockStep.splice(at < 0 ? blockStep.length : at, 0, step);
}
