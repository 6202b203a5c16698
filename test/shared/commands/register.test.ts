import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainCliEnv, type ChainCliEnv } from '../chain/cli-fixtures.js';

let env: ChainCliEnv;
beforeAll(async () => (env = await chainCliEnv()));
afterAll(() => env?.close());

describe('flopnet register', () => {
  it('registers the wallet hotkey and reports its uid; a second run says it is already registered', async () => {
    const first = await env.flopnet('register', '--netuid', String(env.netuid), '--wallet.name', 'bob', '--json');
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ netuid: env.netuid, hotkey: env.keys.bobHk.address, uid: 1, alreadyRegistered: false });
    expect(await env.client.getUid({ netuid: env.netuid, hotkey: env.keys.bobHk.address })).toBe(1);
    const again = await env.flopnet('register', '--netuid', String(env.netuid), '--wallet.name', 'bob');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('already registered on subnet');
  });

  it('refuses, in one line and before paying anything, a coldkey that cannot pay the burn', async () => {
    const r = await env.flopnet('register', '--netuid', String(env.netuid), '--wallet.name', 'pauper', '--json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('E_BALANCE');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/has 0\.000000000 τ but registering on subnet \d+ needs/);
  });
});
