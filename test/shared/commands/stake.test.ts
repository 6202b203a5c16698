import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainCliEnv, type ChainCliEnv } from '../chain/cli-fixtures.js';

let env: ChainCliEnv;
beforeAll(async () => {
  env = await chainCliEnv();
  await env.client.burnedRegister({ coldkey: env.keys.bob, hotkey: env.keys.bobHk.address, netuid: env.netuid });
});
afterAll(() => env?.close());

const stakeOf = async (hotkey: string) => (await env.client.getMetagraph({ netuid: env.netuid })).neurons.find((n) => n.hotkey === hotkey)!.stake;

describe('flopnet stake', () => {
  it('adds stake from the coldkey to the wallet hotkey, then removes some', async () => {
    const add = await env.flopnet('stake', 'add', '--netuid', String(env.netuid), '--amount', '12.5', '--wallet.name', 'bob', '--json');
    expect(add.status, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ action: 'add', hotkey: env.keys.bobHk.address, amount: '12500000000' });
    const staked = await stakeOf(env.keys.bobHk.address);
    expect(staked).toBeGreaterThan(0n);
    const remove = await env.flopnet('stake', 'remove', '--netuid', String(env.netuid), '--amount', '1', '--wallet.name', 'bob');
    expect(remove.status, remove.stderr).toBe(0);
    expect(remove.stdout).toMatch(new RegExp(`^unstaked 1\\.000000000 α \\(subnet ${env.netuid}'s alpha\\) from ${env.keys.bobHk.address}`));
    expect(await stakeOf(env.keys.bobHk.address)).toBeLessThan(staked);
  });

  it('refuses more than the coldkey holds, in one line', async () => {
    const r = await env.flopnet('stake', 'add', '--netuid', String(env.netuid), '--amount', '1', '--wallet.name', 'pauper', '--hotkey-address', env.keys.bobHk.address);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/has 0\.000000000 τ but this stake needs 1\.000000000 τ/);
  });

  it('reports a hotkey the chain does not know, in one line', async () => {
    const r = await env.flopnet('stake', 'add', '--netuid', String(env.netuid), '--amount', '1', '--wallet.name', 'bob', '--hotkey-address', env.keys.pauperHk.address, '--json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('E_NOT_REGISTERED');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
