/**
 * Config files, per command family, through the real binary against a devnet: every setting comes
 * from the file (no flag, no FLOPNET_* variable), and the test checks on chain or in the output that
 * it took effect. One node file serves the chain commands and the miner, each skipping the others'
 * settings. (bench, wallet and devnet: test/cli.test.ts.)
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainCliEnv, runFlopnet, type ChainCliEnv } from '../chain/cli-fixtures.js';
import { ValidatorStore } from '../../../validator/store/db.js';

let env: ChainCliEnv;
let node: string;
let port: number;
const TAO = 1_000_000_000n;

/** A port free right now, for the miner's axon. */
const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** `flopnet ARGS` with nothing from the test's environment: no FLOPNET_* variable reaches it. */
const flopnet = (...args: string[]) => runFlopnet(args, Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('FLOPNET_')).map((k) => [k, undefined])));

beforeAll(async () => {
  env = await chainCliEnv();
  port = await freePort();
  node = join(env.walletPath, 'node.yaml');
  writeFileSync(
    node,
    [
      `netuid: ${env.netuid}`,
      'wallet:',
      '  name: charlie',
      '  hotkey: default',
      `  path: ${env.walletPath}`,
      'subtensor:',
      `  chain_endpoint: ${env.devnet.endpoint}`,
      'axon:',
      `  port: ${port}`,
      '  external_ip: 203.0.113.9',
      'backend: cpu',
      'threads: 1',
      'register: true',
      '',
    ].join('\n'),
  );
});
afterAll(() => env?.close());

describe('config files: chain commands (register, stake, subnet, metagraph, weights, capacity)', () => {
  it('register, stake add, subnet show, hyperparams, metagraph, weights show and capacity take netuid, wallet and endpoint from the file', async () => {
    const register = await flopnet('register', '--config', node, '--json');
    expect(register.status, register.stderr).toBe(0);
    const { uid } = JSON.parse(register.stdout);
    expect(await env.client.getUid({ netuid: env.netuid, hotkey: env.keys.charlieHk.address })).toBe(uid);

    const stakeFile = join(env.walletPath, 'stake.yaml');
    writeFileSync(stakeFile, `netuid: ${env.netuid}\namount: 3\nwallet:\n  name: charlie\n  path: ${env.walletPath}\nsubtensor:\n  chain_endpoint: ${env.devnet.endpoint}\n`);
    const stake = await flopnet('stake', 'add', '--config', stakeFile, '--json');
    expect(stake.status, stake.stderr).toBe(0);
    expect(JSON.parse(stake.stdout)).toMatchObject({ action: 'add', netuid: env.netuid, hotkey: env.keys.charlieHk.address, amount: String(3n * TAO) });

    const [show, hyperparams, metagraph, weights, capacity] = await Promise.all([
      flopnet('subnet', 'show', '--config', node, '--json'),
      flopnet('subnet', 'hyperparams', '--config', node, '--json'),
      flopnet('metagraph', '--config', node, '--json'),
      flopnet('weights', 'show', '--config', node, '--json'),
      flopnet('capacity', '--config', node, '--json'),
    ]);
    for (const r of [show, hyperparams, metagraph, weights, capacity]) expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(capacity.stdout)).toMatchObject({ netuid: env.netuid, validators: [] });
    expect(JSON.parse(show.stdout)).toMatchObject({ netuid: env.netuid, owner: env.keys.alice.address });
    expect(JSON.parse(hyperparams.stdout)).toMatchObject({ netuid: env.netuid, hyperparameters: { commit_reveal_weights_enabled: false } });
    const neurons = JSON.parse(metagraph.stdout).neurons as Array<{ uid: number; hotkey: string; stake: string }>;
    expect(neurons.find((n) => n.hotkey === env.keys.charlieHk.address)).toMatchObject({ uid });
    expect(JSON.parse(weights.stdout)).toMatchObject({ netuid: env.netuid });
  });
});

describe('config files: miner', () => {
  it('registers, serves on the port and publishes the address the file gives', async () => {
    const child = spawn(process.execPath, ['bin/flopnet.mjs', 'miner', '--config', node, '--wallet.name', 'bob'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // The one flag names another wallet; everything else (netuid, endpoint, port, address, backend, register) is the file's.
      const deadline = Date.now() + 45_000;
      let axon: { ip: string; port: number } | undefined;
      while (Date.now() < deadline && !axon?.port) {
        await new Promise((r) => setTimeout(r, 500));
        const neuron = (await env.client.getMetagraph({ netuid: env.netuid })).neurons.find((n) => n.hotkey === env.keys.bobHk.address);
        axon = neuron?.axon;
      }
      expect(axon, stderr).toMatchObject({ ip: '203.0.113.9', port });
      expect(stderr).toContain('registered');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
  }, 90_000);
});

describe('config files: validator', () => {
  it('report reads the database the file names; start reads the incentive config the file names before touching the chain', async () => {
    const db = join(env.walletPath, 'validator.db');
    ValidatorStore.open(db, { netuid: 9, hotkey: '5FileValidator' }).close();
    const reportFile = join(env.walletPath, 'report.yaml');
    writeFileSync(reportFile, `db: ${db}\n`);
    const report = await flopnet('validator', 'report', '--config', reportFile, '--json');
    expect(report.status, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ netuid: 9, validator: '5FileValidator', round: 0 });

    const incentives = join(env.walletPath, 'incentives.yaml');
    writeFileSync(incentives, 'ema:\n  alpha: 2\n');
    const startFile = join(env.walletPath, 'validator.yaml');
    writeFileSync(startFile, `netuid: ${env.netuid}\nincentives: ${incentives}\nsubtensor:\n  chain_endpoint: ws://127.0.0.1:1\n`);
    const start = await flopnet('validator', 'start', '--config', startFile);
    expect(start.status).toBe(2);
    expect(start.stderr).toContain('"ema.alpha"');
  });
});
