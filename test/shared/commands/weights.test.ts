import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainCliEnv, type ChainCliEnv } from '../chain/cli-fixtures.js';

let env: ChainCliEnv;
let setAt: number;
beforeAll(async () => {
  env = await chainCliEnv();
  await env.client.burnedRegister({ coldkey: env.keys.bob, hotkey: env.keys.bobHk.address, netuid: env.netuid });
  setAt = (await env.client.setWeights({ hotkey: env.keys.aliceHk, netuid: env.netuid, uids: [0, 1], values: [100, 65535] })).blockNumber;
});
afterAll(() => env?.close());

describe('flopnet weights show', () => {
  it('shows who set which weights at which block', async () => {
    const r = await env.flopnet('weights', 'show', '--netuid', String(env.netuid), '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).rows).toEqual([
      { uid: 0, hotkey: env.keys.aliceHk.address, block: setAt, weights: [{ uid: 0, value: 100 }, { uid: 1, value: 65535 }] },
    ]);
    const text = await env.flopnet('weights', 'show', '--netuid', String(env.netuid));
    expect(text.stdout).toMatch(new RegExp(`^\\s*0\\s+\\S+\\s+${setAt}\\s+0:100 1:65535$`, 'm'));
  });
});
