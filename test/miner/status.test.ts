import { describe, expect, it } from 'vitest';
import type { MinerStats } from '../../miner/miner.js';
import { formatStatus } from '../../miner/status.js';

const stats: MinerStats = {
  hotkey: '5Grwva',
  port: 8091,
  connections: 2,
  queued: 1,
  running: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
  held: 1,
  challenges: { ok: 3, failed: 1 },
  served: 12,
  refused: { E_NO_PERMIT: 2, E_BAD_SIGNATURE: 1 },
  last: {
    validator: 'v', uid: 0, challenge: 'c', precision: 'fp32', m: 4, n: 1024, k: 512, deadlineMs: 2000, elapsedMs: 1234.4,
    execution: { challengeId: 'c', gemms: 3, root: new Uint8Array(32), timings: { generateMs: 1, gemmMs: 2, hashMs: 3 } },
  },
};

describe('status line', () => {
  it('shows the device, queue, counts and the last challenge on one line', () => {
    const line = formatStatus(stats, 7, 1200);
    expect(line).toBe(
      'uid 7 #1200 · busy (5FHneW…94ty) +1 · 3 ok 1 failed · 12 served 3 refused · 2 conn · last fp32 3/4×1024×512 1234ms',
    );
    expect(line).not.toContain('\n');
  });

  it('shows a failed last challenge by its reason', () => {
    expect(formatStatus({ ...stats, running: undefined, last: { ...stats.last!, execution: undefined, error: 'E_DEADLINE' } }, undefined, undefined)).toBe(
      'uid ? #? · idle +1 · 3 ok 1 failed · 12 served 3 refused · 2 conn · last fp32 4×1024×512 E_DEADLINE',
    );
  });
});
