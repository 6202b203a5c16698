import { describe, expect, it } from 'vitest';
import {
  classicFirstRevealBlock,
  commitEpoch,
  epochWithLookahead,
  stepSchedule,
  EpochScheduleError,
  predictFirstRevealBlock,
  revealRoundClassic,
  revealRoundDynamic,
  shouldRunEpoch,
  type EpochScheduleState,
} from '../../../../shared/chain/timelock/reveal-round.js';
import { QUICKNET, QUICKNET_BEACON, roundTime } from '../../../../shared/chain/timelock/beacon.js';

const NOW = 1_700_000_000;

/**
 * bittensor-drand's get_encrypted_commit, with the inputs of its own tests (opentensor/bittensor-drand
 * tests/test_commit_reveal.py @3ff0eac). They read the clock; here `now` is fixed and the expected rounds
 * are worked by hand from src/drand.rs generate_commit:
 *   epoch = (block + netuid + 1) div (tempo + 1); first = (epoch + period)(tempo + 1) − (netuid + 1);
 *   round = floor((now + (first + 3 − block)·block_time − genesis) / 3).
 */
describe('revealRoundClassic (bittensor-drand get_encrypted_commit)', () => {
  it('test_get_encrypted_commits: tempo 100, block 1000, netuid 1, period 2, 12 s', () => {
    // epoch 1002 div 101 = 9; first = 11·101 − 2 = 1109; +3 → 112 blocks = 1344 s; (7 197 977) div 3.
    expect(classicFirstRevealBlock({ tempo: 100, currentBlock: 1000, netuid: 1, revealPeriodEpochs: 2 })).toBe(1109);
    expect(revealRoundClassic({ tempo: 100, currentBlock: 1000, netuid: 1, revealPeriodEpochs: 2, blockTime: 12, now: NOW })).toBe(2_399_325);
  });

  it('test_generate_commit_success: tempo 50, block 500, netuid 100, period 2, 12 s', () => {
    // epoch 601 div 51 = 11; first = 13·51 − 101 = 562; +3 → 65 blocks = 780 s; (7 197 413) div 3.
    expect(classicFirstRevealBlock({ tempo: 50, currentBlock: 500, netuid: 100, revealPeriodEpochs: 2 })).toBe(562);
    expect(revealRoundClassic({ tempo: 50, currentBlock: 500, netuid: 100, revealPeriodEpochs: 2, blockTime: 12, now: NOW })).toBe(2_399_137);
  });

  it('test_generate_commit_various_tempos: the pulse lands at least SUBTENSOR_PULSE_DELAY (24) rounds after now', () => {
    for (const tempo of [10, 50, 100, 250, 360, 500, 750, 1000]) {
      const round = revealRoundClassic({ tempo, currentBlock: 100_000, netuid: 1, revealPeriodEpochs: 1, blockTime: 12, now: NOW });
      const first = classicFirstRevealBlock({ tempo, currentBlock: 100_000, netuid: 1, revealPeriodEpochs: 1 });
      // The round is the one emitted before the ingest block's time: never after it, at most a period before.
      const ingest = NOW + (first + 3 - 100_000) * 12;
      expect(roundTime(QUICKNET_BEACON, round)).toBeLessThanOrEqual(ingest);
      expect(roundTime(QUICKNET_BEACON, round + 2)).toBeGreaterThan(ingest);
      if ((first + 3 - 100_000) * 12 >= 24 * 3) expect(QUICKNET.genesisTime + (round + 24) * 3 - NOW).toBeGreaterThanOrEqual(24 * 3);
    }
  });

  it('never returns a round below 1', () => {
    expect(revealRoundClassic({ tempo: 10, currentBlock: 1, netuid: 1, revealPeriodEpochs: 1, blockTime: 12, now: 0 })).toBe(1);
  });
});

const state = (s: Partial<EpochScheduleState>): EpochScheduleState => ({
  lastEpochBlock: 0,
  pendingEpochAt: 0,
  subnetEpochIndex: 0,
  tempo: 50,
  blocksSinceLastStep: 0,
  currentBlock: 0,
  ...s,
});

/**
 * bittensor-core's EpochScheduleState model (get_encrypted_commit_v2): RaoFoundation/subtensor
 * sdk/bittensor-core/src/timelock/epoch_schedule_vectors.rs @b0869beb1f4d99d2141a9fa19c6517305a4773b3 and
 * epoch_schedule.rs @843795a7ef70b50e57994dc8fa07b6ce556cfaa4.
 */
describe('predictFirstRevealBlock (bittensor-core get_encrypted_commit_v2)', () => {
  it('tempo_zero: a subnet without epochs has no reveal block', () => {
    expect(() => predictFirstRevealBlock(state({ lastEpochBlock: 10, tempo: 0, currentBlock: 10 }), 1)).toThrow(EpochScheduleError);
  });

  it('cycle_reset: last epoch at 10, tempo 50 → reveals at 60', () => {
    expect(predictFirstRevealBlock(state({ lastEpochBlock: 10, tempo: 50, currentBlock: 10 }), 1)).toBe(60);
  });

  it('pending_fires_before_auto: an owner-triggered epoch at 95 comes before the automatic one at 100', () => {
    expect(predictFirstRevealBlock(state({ lastEpochBlock: 80, pendingEpochAt: 95, tempo: 20, currentBlock: 91 }), 1)).toBe(95);
  });

  it('commit_epoch_at_extrinsic_block: a commit read at 120 (epoch at 100, tempo 50) is keyed under epoch 0', () => {
    expect(commitEpoch(state({ lastEpochBlock: 100, tempo: 50, currentBlock: 120 }))).toBe(0);
  });

  it('should_run_epoch_auto_fire: 149 no, 150 yes', () => {
    const s = state({ lastEpochBlock: 100, tempo: 50, currentBlock: 120 });
    expect(shouldRunEpoch(s, 149)).toBe(false);
    expect(shouldRunEpoch(s, 150)).toBe(true);
  });

  it('reveal_uses_exact_equality_not_gte: no earlier block sees the target epoch', () => {
    const head = state({ lastEpochBlock: 80, pendingEpochAt: 95, tempo: 20, currentBlock: 91 });
    const reveal = predictFirstRevealBlock(head, 1);
    const target = commitEpoch(head) + 1;
    let s = head;
    for (let b = head.currentBlock + 1; b < reveal; b++) {
      expect(epochWithLookahead(s, b)).not.toBe(target);
      s = stepSchedule(s, b);
    }
    expect(epochWithLookahead(s, reveal)).toBe(target);
  });

  it('counts reveal periods in epochs: two periods reveal one tempo later than one', () => {
    const head = state({ lastEpochBlock: 10, tempo: 50, currentBlock: 10 });
    expect(predictFirstRevealBlock(head, 2)).toBe(110);
  });

  it('converts the reveal block to a round as the classic schedule does (v2 test_generate_commit_v2_structure inputs)', () => {
    const head = state({ lastEpochBlock: 100, tempo: 50, currentBlock: 120 });
    // Epoch 0 → reveal epoch 1 at block 150; ingest 153 is 33 blocks = 396 s ahead; (7 197 029) div 3.
    expect(predictFirstRevealBlock(head, 1)).toBe(150);
    expect(revealRoundDynamic({ state: head, revealPeriodEpochs: 1, blockTime: 12, now: NOW })).toBe(2_399_009);
  });
});
