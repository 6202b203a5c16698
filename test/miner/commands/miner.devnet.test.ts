/**
 * `flopnet miner` as a real process against the embedded devnet: it registers its hotkey, publishes its
 * axon, follows the metagraph, and serves exactly the hotkeys the chain says it should: a staked
 * validator with a permit, not an unregistered key, not a registered key without stake. Ctrl-C ends it cleanly with its counts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainClient } from '../../../shared/chain/index.js';
import { createChallenge } from '../../../shared/challenge/challenge.js';
import { pickRows } from '../../../shared/challenge/openings.js';
import { verifyOpenings } from '../../../shared/challenge/verify.js';
import { createSigner, cryptoReady } from '../../../shared/protocol/signing.js';
import { createWallet } from '../../../shared/wallet/index.js';
import { Dendrite, axonTarget, type AxonTarget } from '../../../validator/dendrite.js';
import type { TestDevnet } from '../../helpers/devnet.js';
import { subnetWithValidator, type DevKeys } from '../../shared/chain/fixtures.js';

const TEMPO = 10;
await cryptoReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const validatorKey = keyring.addFromUri('//flopnet-miner-e2e-validator');
const noStakeKey = keyring.addFromUri('//flopnet-miner-e2e-nostake');
const strangerKey = keyring.addFromUri('//flopnet-miner-e2e-stranger');
const MINER_URI = '//flopnet-miner-e2e-miner';
const minerAddress = keyring.addFromUri(MINER_URI).address;

let devnet: TestDevnet;
let client: ChainClient;
let keys: DevKeys;
let netuid: number;
let walletPath: string;
let child: ChildProcess;
let stdout = '';
let stderr = '';
let target: AxonTarget;
const exited = new Promise<number | null>((resolve) => {
  const wait = setInterval(() => {
    if (child) {
      clearInterval(wait);
      child.once('exit', (code) => resolve(code));
    }
  }, 10);
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- miner stderr ---\n${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const dendrites: Dendrite[] = [];
const dendriteOf = (pair: typeof validatorKey) => {
  const d = new Dendrite({ signer: createSigner(pair), timeoutMs: 20_000 });
  dendrites.push(d);
  return d;
};

beforeAll(async () => {
  ({ keys, devnet, client, netuid } = await subnetWithValidator(validatorKey.address, { defaultTempo: TEMPO }));
  await client.burnedRegister({ coldkey: keys.bob, hotkey: noStakeKey.address, netuid });

  walletPath = mkdtempSync(join(tmpdir(), 'flopnet-miner-e2e-'));
  await createWallet({ name: 'miner', path: walletPath, hotkey: 'default', coldkeyUri: '//Charlie', hotkeyUri: MINER_URI, password: null });
  const port = await freePort();
  child = spawn(
    process.execPath,
    ['bin/flopnet.mjs', 'miner', '--netuid', String(netuid), '--wallet.name', 'miner', '--axon.port', String(port), '--axon.external_ip', '127.0.0.1', '--register', '--backend', 'cpu', '--json',
      // Blocks come when the test makes them: one slot for the whole test, so its 30 s window fits.
      '--slot-blocks', '100000'],
    { env: { ...process.env, NO_COLOR: '1', FLOPNET_SUBTENSOR_CHAIN_ENDPOINT: devnet.endpoint, FLOPNET_WALLET_PATH: walletPath }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));

  // Registered by the process itself, then its axon published where it listens.
  target = await until('the miner axon on chain', async () => {
    const neuron = (await client.getMetagraph({ netuid })).neurons.find((n) => n.hotkey === minerAddress);
    return neuron && neuron.axon.port === port ? axonTarget(neuron) : undefined;
  });
}, 120_000);

afterAll(async () => {
  for (const d of dendrites) d.close();
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await client?.close();
  await devnet?.close();
  if (walletPath) rmSync(walletPath, { recursive: true, force: true });
});

describe('flopnet miner on the devnet', () => {
  it('publishes the address it was given', () => {
    expect(target).toMatchObject({ hotkey: minerAddress, ip: '127.0.0.1' });
  });

  it('serves the staked validator once an epoch has given it a permit', async () => {
    const validator = dendriteOf(validatorKey);
    await devnet.newBlock(TEMPO + 2);
    expect((await client.getMetagraph({ netuid })).neurons.find((n) => n.hotkey === validatorKey.address)?.validatorPermit).toBe(true);
    const served = await until('the miner to see the permit', async () => {
      const r = await validator.ping(target);
      return r.ok ? r : undefined;
    });
    expect(served.elapsedMs).toBeGreaterThan(0);
  });

  it('refuses an unregistered hotkey and a registered one without stake', async () => {
    const stranger = await dendriteOf(strangerKey).ping(target);
    expect(!stranger.ok && stranger.code).toBe('E_NOT_REGISTERED');
    const noStake = await dendriteOf(noStakeKey).ping(target);
    expect(!noStake.ok && noStake.code).toBe('E_NO_PERMIT');
  });

  it('answers a challenge on its CPU backend with a commitment and openings that verify', async () => {
    const validator = dendriteOf(validatorKey);
    const device = await validator.device(target);
    expect(device.ok && device.value.backend).toBe('cpu');
    const challenge = createChallenge({ precision: 'fp32', m: 2, n: 32, k: 32, deadlineMs: 30_000 });
    const committed = await validator.challenge(target, challenge);
    expect(committed.ok, committed.ok ? '' : committed.message).toBe(true);
    const request = pickRows(challenge, 8);
    const opened = await validator.open(target, request);
    expect(opened.ok, opened.ok ? '' : opened.message).toBe(true);
    if (!committed.ok || !opened.ok) return;
    expect(verifyOpenings(challenge, committed.value, request, opened.value).ok).toBe(true);
  });

  it('stops on Ctrl-C with exit status 0 and its counts as JSON', async () => {
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const result = JSON.parse(stdout) as { hotkey: string; stats: { challenges: { ok: number }; refused: Record<string, number> } };
    expect(result.hotkey).toBe(minerAddress);
    expect(result.stats.challenges.ok).toBe(1);
    expect(result.stats.refused['E_NOT_REGISTERED']).toBe(1);
    expect(result.stats.refused['E_NO_PERMIT']).toBe(1);
  });
});
