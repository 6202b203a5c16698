import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainCliEnv, type ChainCliEnv } from '../chain/cli-fixtures.js';

let env: ChainCliEnv;
beforeAll(async () => (env = await chainCliEnv()));
afterAll(() => env?.close());

describe('flopnet register', () => {
  it('registers the wallet hotkey and reports its uid; a second run says it is already registered', async () => {
    const first = await env.flopnet('register', '--netuid', String(env.netuid), '--wallet.name', 'bob', '--json');
    expect(first.status, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result).toMatchObject({ netuid: env.netuid, hotkey: env.keys.bobHk.address, uid: 1, alreadyRegistered: false, cost: { collateral: false, locked: '0' } });
    // Without collateral on this runtime the whole price is burned (rao, as JSON strings).
    expect(result.cost.burned).toBe(result.cost.total);
    expect(BigInt(result.cost.total)).toBeGreaterThan(0n);
    expect(await env.client.getUid({ netuid: env.netuid, hotkey: env.keys.bobHk.address })).toBe(1);
    const again = await env.flopnet('register', '--netuid', String(env.netuid), '--wallet.name', 'bob');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('already registered on subnet');
    const text = await env.flopnet('register', '--netuid', String(env.netuid), '--wallet.name', 'charlie');
    expect(text.stdout).toMatch(/registered .* as uid 2 \(block \d+\): burned \d+\.\d{9} τ$/m);
  });

  it('refuses, in one line and before paying anything, a coldkey that cannot pay the burn', async () => {
    const r = await env.flopnet('register', '--netuid', String(env.netuid), '--wallet.name', 'pauper', '--json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('E_BALANCE');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/has 0\.000000000 τ but registering on subnet \d+ needs/);
  });
});
