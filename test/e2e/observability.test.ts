/**
 * `flopnet miner --metrics.port` and `flopnet validator start --metrics.port --dashboard.port` as real
 * processes on the embedded devnet (a timed chain, a subnet set up as the demo sets it up): their
 * endpoints are scraped while the validator challenges an honest and a cheating miner, sets weights
 * and publishes its capacity; Ctrl-C stops both cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type ChainClient } from '../../shared/chain/index.js';
import { silentLogger } from '../../shared/log.js';
import { setupSubnet, type DemoSubnet } from '../../scripts/demo/setup.js';
import { startDevnet, type TestDevnet } from '../helpers/devnet.js';
import { get, scrape } from '../helpers/http.js';

const TEMPO = 12;
const SLOT_BLOCKS = 16;
const dir = mkdtempSync(join(tmpdir(), 'flopnet-observability-'));
let devnet: TestDevnet;
let client: ChainClient;
let subnet: DemoSubnet;
const children: Array<{ name: string; process: ChildProcess; stderr: string; exit: Promise<number | null> }> = [];
const ports = { miner: 0, validator: 0, dashboard: 0 };

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

function start(name: string, args: string[]) {
  const child = spawn(process.execPath, ['bin/flopnet.mjs', ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const entry = { name, process: child, stderr: '', exit: new Promise<number | null>((resolve) => child.once('exit', resolve)) };
  child.stderr!.on('data', (d: Buffer) => (entry.stderr += d.toString()));
  children.push(entry);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${children.map((c) => `--- ${c.name} ---\n${c.stderr.slice(-3000)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  devnet = await startDevnet({ blockMode: 'interval', blockTimeMs: 250, allowLoopbackAxons: true, defaultTempo: TEMPO });
  client = await connect({ endpoint: devnet.endpoint });
  subnet = await setupSubnet({ client, walletPath: join(dir, 'wallets'), miners: 2, validators: 1, tempo: TEMPO, log: silentLogger, signal: new AbortController().signal });
  const incentives = join(dir, 'incentives.json');
  // As the demo's: a round takes up to 2.5 s, a slot of 16 blocks (4 s) holds it.
  writeFileSync(incentives, JSON.stringify({ version: 1, classes: { fp32: { draw: 1, reward: 1 } }, ema: { alpha: 0.5 }, challengeSeconds: 0.5, startTflops: 5e-4, slotBlocks: SLOT_BLOCKS, timeouts: { openingsMs: 1_200, probeMs: 400 } }));
  const chain = (n: { wallet: string; hotkeyName: string }) => ['--netuid', String(subnet.netuid), '--subtensor.chain_endpoint', devnet.endpoint, '--wallet.path', subnet.walletPath, '--wallet.name', n.wallet, '--wallet.hotkey', n.hotkeyName];
  ports.miner = await freePort();
  ports.validator = await freePort();
  ports.dashboard = await freePort();
  const [honest, cheater] = subnet.miners;
  start('miner', ['miner', ...chain(honest!), '--axon.port', String(await freePort()), '--axon.external_ip', '127.0.0.1', '--backend', 'cpu', '--threads', '1', '--slot-blocks', String(SLOT_BLOCKS), '--metrics.port', String(ports.miner)]);
  start('cheater', ['miner', ...chain(cheater!), '--axon.port', String(await freePort()), '--axon.external_ip', '127.0.0.1', '--backend', 'cpu', '--threads', '1', '--slot-blocks', String(SLOT_BLOCKS), '--adversary', 'precision:bf16']);
  start('validator', [
    'validator', 'start', ...chain(subnet.validators[0]!), '--db', join(dir, 'validator.db'), '--incentives', incentives, '--publish-capacity',
    '--metrics.port', String(ports.validator), '--dashboard.port', String(ports.dashboard),
  ]);
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.process.exitCode === null) c.process.kill('SIGKILL');
  await client?.close();
  await devnet?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('metrics, health and dashboard of running processes', () => {
  it('the validator counts rounds and verdicts, sets weights and publishes its capacity, as its endpoints show', async () => {
    const url = `http://127.0.0.1:${ports.validator}`;
    // The miners start beside the validator: its first rounds may find them not yet serving.
    const m = await until('two verified rounds and weights on chain', async () => {
      const s = await scrape(`${url}/metrics`);
      return (s.get('flopnet_validator_verdicts_total{verdict="verified",reason="ok"}') ?? 0) >= 2 && (s.get('flopnet_validator_weights_total{action="set"}') ?? 0) >= 1 ? s : undefined;
    }, 180_000);
    const [honest, cheater] = subnet.miners;
    expect(m.get('flopnet_validator_rounds_total')).toBeGreaterThanOrEqual(2);
    expect(m.get('flopnet_validator_verdicts_total{verdict="failed",reason="out_of_tolerance"}')).toBeGreaterThanOrEqual(1);
    expect(m.get(`flopnet_validator_miner_tflops{uid="${honest!.uid}",hotkey="${honest!.hotkey}",class="fp32"}`)).toBeGreaterThan(0);
    expect(m.get(`flopnet_validator_miner_verified{uid="${cheater!.uid}",hotkey="${cheater!.hotkey}"}`)).toBe(0);
    expect(m.get('flopnet_validator_tempo_blocks')).toBe(TEMPO);
    expect(m.get('flopnet_validator_last_weights_block')).toBeGreaterThan(0);
    const health = await get(`${url}/healthz`);
    expect(health.status, health.body).toBe(200);

    const dashboard = `http://127.0.0.1:${ports.dashboard}`;
    const summary = JSON.parse((await get(`${dashboard}/api/summary`)).body);
    expect(summary.round).toBeGreaterThanOrEqual(2);
    expect(summary.verifiedMiners).toBe(1);
    const chain = await until('the capacity commitment on chain', async () => {
      const c = JSON.parse((await get(`${dashboard}/api/chain`)).body);
      return c.own ? c : undefined;
    }, 120_000);
    expect(chain.own).toMatchObject({ hotkey: subnet.validators[0]!.hotkey, verifiedMiners: 1 });
    expect(chain.subnet.validators).toBe(1);
    expect((await get(dashboard)).body).toContain('<script src="/static/dashboard.js" defer></script>');
  }, 300_000);

  it('the miner counts the challenges it answered and the GEMMs it committed, and is healthy', async () => {
    const url = `http://127.0.0.1:${ports.miner}`;
    const honest = subnet.miners[0]!.hotkey;
    const m = await scrape(`${url}/metrics`);
    expect(m.get(`flopnet_miner_challenges_answered_total{hotkey="${honest}",class="fp32"}`)).toBeGreaterThanOrEqual(2);
    expect(m.get(`flopnet_miner_gemms_committed_total{hotkey="${honest}",class="fp32"}`)).toBeGreaterThanOrEqual(2);
    expect(m.get(`flopnet_miner_registered{hotkey="${honest}"}`)).toBe(1);
    expect(m.get('flopnet_miner_device_busy_seconds_total')).toBeGreaterThan(0);
    const health = await get(`${url}/healthz`);
    expect(health.status, health.body).toBe(200);
    expect(health.body).toMatch(/^ok\nchain: block \d+/);
  });

  it('Ctrl-C stops both, status 0, and their endpoints close', async () => {
    for (const c of children) c.process.kill('SIGINT');
    for (const c of children) expect(await c.exit, `${c.name}\n${c.stderr.slice(-2000)}`).toBe(0);
    await expect(fetch(`http://127.0.0.1:${ports.validator}/metrics`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${ports.dashboard}/`)).rejects.toThrow();
  }, 60_000);
});
