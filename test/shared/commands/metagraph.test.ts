import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainCliEnv, runFlopnet, type ChainCliEnv } from '../chain/cli-fixtures.js';

let env: ChainCliEnv;
beforeAll(async () => {
  env = await chainCliEnv();
  await env.client.burnedRegister({ coldkey: env.keys.bob, hotkey: env.keys.bobHk.address, netuid: env.netuid });
  await env.client.serveAxon({ hotkey: env.keys.bobHk, netuid: env.netuid, ip: '203.0.113.7', port: 8091 });
});
afterAll(() => env?.close());

describe('flopnet metagraph', () => {
  it('prints the neurons as JSON with --json', async () => {
    const r = await env.flopnet('metagraph', '--netuid', String(env.netuid), '--json');
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.netuid).toBe(env.netuid);
    expect(m.neurons.map((n: { hotkey: string }) => n.hotkey)).toEqual([env.keys.aliceHk.address, env.keys.bobHk.address]);
    expect(m.neurons[1].axon).toMatchObject({ ip: '203.0.113.7', port: 8091 });
    expect(typeof m.neurons[1].stake).toBe('string'); // rao as a decimal string: exact beyond 2^53
  });

  it('prints a table with one row per uid', async () => {
    const r = await env.flopnet('metagraph', '--netuid', String(env.netuid));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^UID\s+STAKE/m);
    expect(r.stdout).toContain('203.0.113.7:8091');
    expect(r.stdout).toMatch(new RegExp(`^\\s*1\\s.*${env.keys.bobHk.address.slice(0, 6)}`, 'm'));
  });

  it('fails with one line for a netuid that does not exist', async () => {
    const r = await env.flopnet('metagraph', '--netuid', '99');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/subnet 99 does not exist.*flopnet subnet show/);
  });

  it('fails within a bounded time, naming an endpoint nobody answers at', async () => {
    const started = Date.now();
    const r = await runFlopnet(['metagraph', '--netuid', '1', '--subtensor.chain_endpoint', 'ws://127.0.0.1:9', '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('E_CHAIN_UNREACHABLE');
    expect(r.stderr).toContain('ws://127.0.0.1:9');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
