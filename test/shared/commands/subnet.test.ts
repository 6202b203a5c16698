import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainCliEnv, type ChainCliEnv } from '../chain/cli-fixtures.js';
import { formatTao } from '../../../shared/chain/units.js';

let env: ChainCliEnv;
beforeAll(async () => (env = await chainCliEnv()));
afterAll(() => env?.close());

describe('flopnet subnet', () => {
  it('creates a subnet owned by the wallet and lists it', async () => {
    const r = await env.flopnet('subnet', 'create', '--wallet.name', 'bob', '--json');
    expect(r.status, r.stderr).toBe(0);
    const { netuid } = JSON.parse(r.stdout);
    expect(netuid).toBeGreaterThan(env.netuid);
    expect(await env.client.getSubnetInfo({ netuid })).toMatchObject({ owner: env.keys.bob.address, ownerHotkey: env.keys.bobHk.address, started: false });
    const show = await env.flopnet('subnet', 'show', '--json');
    expect(JSON.parse(show.stdout).subnets).toEqual(expect.arrayContaining([env.netuid, netuid]));
  });

  it('shows the hyperparameters (hyperparams alone means get)', async () => {
    const r = await env.flopnet('subnet', 'hyperparams', '--netuid', String(env.netuid), '--json');
    expect(r.status, r.stderr).toBe(0);
    const { hyperparameters } = JSON.parse(r.stdout);
    expect(hyperparameters).toMatchObject({ commit_reveal_weights_enabled: false, weights_rate_limit: 0 });
    // The text shows amounts in TAO, with the rao that --json and `set` use.
    const text = await env.flopnet('subnet', 'hyperparams', '--netuid', String(env.netuid));
    expect(text.status, text.stderr).toBe(0);
    const minBurn = BigInt(hyperparameters.min_burn);
    expect(text.stdout).toMatch(new RegExp(`^min_burn\\s+${formatTao(minBurn).replace('.', '\\.')} τ \\(${minBurn} rao\\)$`, 'm'));
    expect(text.stdout).toMatch(/^tempo\s+\d+$/m);
  });

  it('sets a root-only hyperparameter with the sudo key', async () => {
    const r = await env.flopnet('subnet', 'hyperparams', 'set', 'weights_rate_limit', '7', '--netuid', String(env.netuid), '--wallet.name', 'alice');
    expect(r.status, r.stderr).toBe(0);
    expect((await env.client.getHyperparameters({ netuid: env.netuid }))['weights_rate_limit']).toBe(7);
  });

  it('refuses it from another key, in one line', async () => {
    const notSudo = await env.flopnet('subnet', 'hyperparams', 'set', 'weights_rate_limit', '1', '--netuid', String(env.netuid), '--wallet.name', 'bob', '--json');
    expect(notSudo.status).toBe(1);
    expect(JSON.parse(notSudo.stdout).error.code).toBe('E_NOT_SUDO');
    expect(notSudo.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('show says when consensus cannot form: the owner hotkey holds most stake and a permit but sets no weights', async () => {
    const { client, keys, netuid, devnet } = env;
    const TAO = 1_000_000_000n;
    await client.addStake({ coldkey: keys.alice, hotkey: keys.aliceHk.address, netuid, amount: 900n * TAO });
    await client.burnedRegister({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid });
    await client.addStake({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid, amount: 100n * TAO });
    const { uid: miner } = await client.burnedRegister({ coldkey: keys.charlie, hotkey: keys.charlieHk.address, netuid });
    await client.setHyperparameter({ signer: keys.alice, netuid, name: 'weights_rate_limit', value: 0 });
    const tempo = Number((await client.getHyperparameters({ netuid }))['tempo']);
    await devnet.newBlock(tempo);
    await client.setWeights({ hotkey: keys.bobHk, netuid, uids: [miner], values: [65535] });

    const json = await env.flopnet('subnet', 'show', '--netuid', String(netuid), '--json');
    expect(json.status, json.stderr).toBe(0);
    const { consensus } = JSON.parse(json.stdout);
    expect(consensus).toMatchObject({ canForm: false, silent: [{ hotkey: keys.aliceHk.address, owner: true }] });
    expect(consensus.settingShare).toBeLessThan(0.5);
    const text = await env.flopnet('subnet', 'show', '--netuid', String(netuid));
    expect(text.stdout).toMatch(/consensus\s+consensus cannot form: validators setting weights hold \d+\.\d% of the active validator stake/);
    expect(text.stdout).toContain(`WARNING: the subnet owner's hotkey ${keys.aliceHk.address} (uid 0) holds`);
    expect(text.stdout).toContain('Fix: run a validator with that hotkey');
    // The devnet's Yuma agrees: after an epoch the miner Bob weights earns nothing.
    await devnet.newBlock(tempo);
    const m = await client.getMetagraph({ netuid });
    expect(m.neurons.find((n) => n.uid === miner)!.incentive).toBe(0);
  });
});
