/**
 * Weights: `set_weights` (0) with subtensor's check order (§5.1), and hash commit-reveal (CR v2):
 * `commit_weights` (96) / `reveal_weights` (97) with the commit epoch and reveal period (§5.2)
 * (subtensor's `subnets/weights.rs`). {@link applyWeights} is the shared tail: a reveal, and any other
 * path that applies weights on a validator's behalf, goes through the same checks.
 */
import { blake2AsU8a } from '@polkadot/util-crypto';
import { u8aEq } from '@polkadot/util';
import type { BlockContext } from '../../runtime/pallet.js';
import { Writer } from '../../runtime/types.js';
import { commonArgs, now, signed, type SubtensorCore } from './core.js';
import { isSubnetOwnerHotkey, setAt } from './neurons.js';
import { currentEpochWithLookahead } from './schedule.js';
import { stakeWeight } from './staking.js';
import { subnetExists } from './subnets.js';
import { U16_MAX, type WeightCommit } from './types.js';

/** Max-upscale to 65535 in I32F32 with round-half-away-from-zero, as subtensor's vec_u16_max_upscale_to_u16. */
export function maxUpscale(values: number[]): number[] {
  const max = values.reduce((m, v) => (v > m ? v : m), 0);
  if (max === 0) return values.map(() => 0);
  const half = 1n << 31n;
  if (max > 32768) {
    const ratio = (65535n << 32n) / BigInt(max);
    return values.map((v) => Number((BigInt(v) * ratio + half) >> 32n));
  }
  return values.map((v) => Number(((BigInt(v) * 65535n << 32n) / BigInt(max) + half) >> 32n));
}

/**
 * CR v2: blake2_256(SCALE(who, netuid, uids, values, salt, version_key)); the unsalted first
 * commit-reveal hashed the same tuple without the salt (`salt` null).
 */
export function commitHash(who: Uint8Array, netuid: number, uids: number[], values: number[], salt: number[] | null, versionKey: bigint): Uint8Array {
  const w = new Writer();
  w.bytes(who);
  w.uint(netuid, 2);
  for (const list of salt === null ? [uids, values] : [uids, values, salt]) {
    w.compact(list.length);
    for (const x of list) w.uint(x, 2);
  }
  w.uint(versionKey, 8);
  return blake2AsU8a(w.finish(), 256);
}

/** Where weights are applied from: a call's dispatch or the block step. */
export type WeightsContext = Pick<BlockContext, 'state' | 'block' | 'emit'>;

/**
 * `do_set_weights` after the origin: checks 2–14 of §5.1, then stores the max-upscaled row and (when
 * commit-reveal is off) LastUpdate. `crOn` skips the rate limit, which commit-reveal enforces at commit.
 */
export function applyWeights(core: SubtensorCore, ctx: WeightsContext, who: Uint8Array, netuid: number, uids: number[], values: number[], versionKey: bigint, crOn: boolean): void {
  const { storage: s, errors: e } = core;
  const st = ctx.state;
  const block = now(ctx);
  if (netuid === 0) e.CanNotSetRootNetworkWeights();
  if (uids.length !== values.length) e.WeightVecNotEqualSize();
  if (!subnetExists(s, st, netuid)) e.MechanismDoesNotExist();
  const n = s.SubnetworkN.get(st, netuid);
  if (uids.length > n) e.UidsLengthExceedUidsInSubNet();
  const uid = s.Uids.get(st, netuid, who);
  if (uid === null) return e.HotKeyNotRegisteredInSubNet();
  const ownerHot = isSubnetOwnerHotkey(s, st, netuid, who);
  if (!ownerHot && stakeWeight(s, st, who, netuid) < s.StakeThreshold.get(st)) e.NotEnoughStakeToSetWeights();
  const required = s.WeightsVersionKey.get(st, netuid);
  if (required !== 0n && versionKey < required) e.IncorrectWeightVersionKey();
  if (!crOn) {
    const last = s.LastUpdate.get(st, netuid)[uid] ?? 0n;
    const limit = s.WeightsSetRateLimit.get(st, netuid);
    if (last !== 0n && block - last < limit) e.SettingWeightsTooFast();
  }
  const selfWeight = uids.length === 1 && uids[0] === uid;
  const permit = s.ValidatorPermit.get(st, netuid)[uid] ?? false;
  if (!selfWeight && !ownerHot && !permit) e.NeuronNoValidatorPermit();
  if (new Set(uids).size !== uids.length) e.DuplicateUids();
  if (uids.some((u) => u >= n)) e.UidVecContainInvalidOne();
  const minWeights = Math.min(s.MinAllowedWeights.get(st, netuid), n);
  if (!selfWeight && values.length < minWeights) e.WeightVecLengthIsLow();
  const upscaled = maxUpscale(values);
  const limit = s.MaxWeightsLimit.get(st, netuid);
  if (!selfWeight && limit !== U16_MAX) {
    const sum = upscaled.reduce((a, b) => a + b, 0);
    const maxNormalized = sum === 0 ? 0 : Math.max(...upscaled) / sum;
    if (maxNormalized > limit / U16_MAX) e.MaxWeightExceeded();
  }
  s.Weights.set(st, netuid, uid, uids.map((d, i) => [d, upscaled[i]!] as [number, number]));
  if (!crOn) setAt(st, s.LastUpdate, netuid, uid, block, 0n);
  ctx.emit('SubtensorModule', 'WeightsSet', [netuid, uid]);
}

/** The hash commits of `who` still inside their reveal period at `epoch`. */
export function liveCommits(commits: WeightCommit[] | null, period: bigint, epoch: bigint): WeightCommit[] {
  return (commits ?? []).filter(([, ce]) => ce + period >= epoch);
}

export function defineWeightCalls(core: SubtensorCore): void {
  const { pallet: p, storage: s, errors: e } = core;
  const { u64, h256, vecU16 } = core.types;
  const netuidArg = commonArgs(core).netuid;

  type SetWeightsArgs = { netuid: number; dests: number[]; weights: number[]; version_key: bigint };
  p.call<SetWeightsArgs>('set_weights', 0, [netuidArg, ['dests', vecU16, 'Vec<u16>'], ['weights', vecU16, 'Vec<u16>'], ['version_key', u64, 'u64']], (ctx, a) => {
    if (s.CommitRevealWeightsEnabled.get(ctx.state, a.netuid)) e.CommitRevealEnabled();
    const who = signed(ctx);
    applyWeights(core, ctx, who, a.netuid, a.dests, a.weights, a.version_key, false);
  }, { paysFee: false });

  p.call<{ netuid: number; commit_hash: Uint8Array }>('commit_weights', 96, [netuidArg, ['commit_hash', h256, 'H256']], (ctx, a) => {
    const st = ctx.state;
    const netuid = a.netuid;
    if (!subnetExists(s, st, netuid)) e.MechanismDoesNotExist();
    const who = signed(ctx);
    if (!s.CommitRevealWeightsEnabled.get(st, netuid)) e.CommitRevealDisabled();
    const uid = s.Uids.get(st, netuid, who);
    if (uid === null) return e.HotKeyNotRegisteredInSubNet();
    const block = now(ctx);
    const last = s.LastUpdate.get(st, netuid)[uid] ?? 0n;
    if (last !== 0n && block - last < s.WeightsSetRateLimit.get(st, netuid)) e.CommittingWeightsTooFast();
    const epoch = currentEpochWithLookahead(s, st, netuid, block);
    const queue = liveCommits(s.WeightCommits.get(st, netuid, who), s.RevealPeriodEpochs.get(st, netuid), epoch);
    if (queue.length >= 10) e.TooManyUnrevealedCommits();
    queue.push([a.commit_hash, epoch, block, 0n]);
    s.WeightCommits.set(st, netuid, who, queue);
    setAt(st, s.LastUpdate, netuid, uid, block, 0n);
    ctx.emit('SubtensorModule', 'WeightsCommitted', [who, netuid, a.commit_hash]);
  }, { paysFee: false });

  type RevealArgs = { netuid: number; uids: number[]; values: number[]; salt?: number[]; version_key: bigint };
  const salted = core.variant.commitReveal === 'salted';
  p.call<RevealArgs>('reveal_weights', 97, [
    netuidArg,
    ['uids', vecU16, 'Vec<u16>'],
    ['values', vecU16, 'Vec<u16>'],
    ...(salted ? [['salt', vecU16, 'Vec<u16>'] as [string, number, string]] : []),
    ['version_key', u64, 'u64'],
  ], (ctx, a) => {
    const st = ctx.state;
    const netuid = a.netuid;
    if (!subnetExists(s, st, netuid)) e.MechanismDoesNotExist();
    const who = signed(ctx);
    if (!s.CommitRevealWeightsEnabled.get(st, netuid)) e.CommitRevealDisabled();
    const all = s.WeightCommits.get(st, netuid, who);
    if (!all || all.length === 0) return e.NoWeightsCommitFound();
    const block = now(ctx);
    const epoch = currentEpochWithLookahead(s, st, netuid, block);
    const period = s.RevealPeriodEpochs.get(st, netuid);
    const expired = all.filter(([, ce]) => ce + period < epoch);
    const live = liveCommits(all, period, epoch);
    const hash = commitHash(who, netuid, a.uids, a.values, salted ? a.salt ?? [] : null, a.version_key);
    const at = live.findIndex(([h]) => u8aEq(h, hash));
    if (at < 0) {
      if (expired.some(([h]) => u8aEq(h, hash))) e.ExpiredWeightCommit();
      e.InvalidRevealCommitHashNotMatch();
    }
    const [, commitEpoch] = live[at]!;
    if (epoch !== commitEpoch + period) e.RevealTooEarly();
    const rest = live.slice(at + 1);
    s.WeightCommits.set(st, netuid, who, rest.length ? rest : null);
    applyWeights(core, ctx, who, netuid, a.uids, a.values, a.version_key, true);
    ctx.emit('SubtensorModule', 'WeightsRevealed', [who, netuid, hash]);
  }, { paysFee: false });
}
