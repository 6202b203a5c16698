/**
 * The whole subnet on the embedded devnet, each program in its own process:
 * devnet → subnet and wallets → miners (one cheating, two hotkeys on one backend) → validators →
 * rounds and weights → epochs → the table of who earned what.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ChainClient } from '../../shared/chain/index.js';
import { FlopnetError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { CapacityReport } from '../../validator/capacity.js';
import { Children, type Child } from './children.js';
import { buildReport, type DemoResult } from './report.js';
import { setupSubnet, type DemoMiner, type DemoSubnet } from './setup.js';

export interface DemoOptions {
  miners: number;
  validators: number;
  epochs: number;
  backend: string;
  tempo: number;
  blockTimeMs: number;
  /** Keep the temporary directory (wallets, validator databases) for inspection. */
  keep: boolean;
  /** Echo every child process's log lines to stderr. */
  verbose: boolean;
  log: Logger;
  signal: AbortSignal;
  /** Called with one line per validator round while the demo runs. */
  onProgress?: (line: string) => void;
}

/**
 * Fast rounds that still exercise sizing: the validators' incentive config for the demo. A round takes
 * up to 2 · 0.4 + 0.5 + 1.2 = 2.5 s (two probes, the window, the openings, each at its timeout).
 * startTflops is what a new miner's first window is sized for: 30 GFLOP/s, about what one core does
 * on its BLAS or WebAssembly kernel, so the miners show the machine's scale in the few rounds each
 * validator's slots hold (at 0.5 GFLOP/s the demo showed 0.1-0.4 GFLOP/s miners: small first GEMMs
 * measure overhead, and sizing grows at most 8× a round).
 */
const DEMO_INCENTIVES = {
  version: 1,
  classes: { fp32: { draw: 1, reward: 1 } },
  ema: { alpha: 0.5 },
  challengeSeconds: 0.5,
  startTflops: 3e-2,
  timeouts: { openingsMs: 1_200, probeMs: 400 },
};

/**
 * Blocks per slot: a validator starts a round only when it fits in what is left of its slot, and
 * miners stop what outlives a slot. 4 s holds a round and the time a busy validator takes to notice
 * its slot began.
 */
const demoSlotBlocks = (blockTimeMs: number): number => Math.ceil(4_000 / blockTimeMs);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => (clearTimeout(timer), reject(signal.reason));
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits until `done` holds, checking every block; fails when a child died or the time runs out. */
async function waitFor(what: string, done: () => Promise<boolean>, ctx: { children: Children; signal: AbortSignal; timeoutMs: number; blockTimeMs: number }): Promise<void> {
  const deadline = Date.now() + ctx.timeoutMs;
  for (;;) {
    if (await done()) return;
    const dead = ctx.children.crashed();
    if (dead) throw ctx.children.failure(dead, `exited with status ${dead.process.exitCode} while the demo waited for ${what}`);
    if (Date.now() > deadline) {
      throw new FlopnetError(`the demo waited ${ctx.timeoutMs / 1000} s for ${what}`, {
        code: 'E_DEMO_TIMEOUT',
        hint: 'rerun with --logging.debug to see the miners’ and validators’ logs',
      });
    }
    await sleep(ctx.blockTimeMs, ctx.signal);
  }
}

function chainArgs(subnet: DemoSubnet, endpoint: string, wallet: string, hotkey: string): string[] {
  return ['--netuid', String(subnet.netuid), '--subtensor.chain_endpoint', endpoint, '--wallet.path', subnet.walletPath, '--wallet.name', wallet, '--wallet.hotkey', hotkey];
}

async function startMiners(subnet: DemoSubnet, endpoint: string, options: DemoOptions, children: Children): Promise<void> {
  const common = (m: DemoMiner) => [
    ...chainArgs(subnet, endpoint, m.wallet, m.hotkeyName),
    '--axon.external_ip', '127.0.0.1', '--backend', options.backend, '--threads', '1', '--slot-blocks', String(demoSlotBlocks(options.blockTimeMs)),
  ];
  const shared = subnet.miners.filter((m) => m.role === 'shared-backend');
  for (const m of subnet.miners) {
    if (m.role === 'shared-backend' && m !== shared[0]) continue;
    const args = ['miner', ...common(m), '--axon.port', String(await freePort())];
    if (m.role === 'cheater') args.push('--adversary', 'precision:bf16');
    // The Sybil operator: one process, one backend, a second hotkey on its own axon.
    const extras = m.role === 'shared-backend' ? shared.slice(1) : [];
    if (extras.length) args.push('--extra-hotkeys', (await Promise.all(extras.map(async (e) => `${e.hotkeyName}:${await freePort()}`))).join(','));
    children.start(m.role === 'shared-backend' ? 'miner-shared' : `miner-${m.uid}`, args);
  }
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { log, signal } = options;
  const dir = mkdtempSync(join(tmpdir(), 'flopnet-demo-'));
  const children = new Children(log, options.verbose);
  let client: ChainClient | undefined;
  try {
    log.info('starting the devnet', { dir });
    const devnet = children.start('devnet', ['devnet', '--port', '0', '--json', '--allow-loopback-axons', '--block-time', String(options.blockTimeMs), '--tempo', String(options.tempo)]);
    const { endpoint } = await devnet.firstJson<{ endpoint: string }>(30_000);
    client = await connect({ endpoint, log, signal });
    log.info('devnet up', { endpoint });

    const subnet = await setupSubnet({ client, walletPath: join(dir, 'wallets'), miners: options.miners, validators: options.validators, tempo: options.tempo, log, signal });
    const incentives = join(dir, 'incentives.json');
    writeFileSync(incentives, JSON.stringify({ ...DEMO_INCENTIVES, slotBlocks: demoSlotBlocks(options.blockTimeMs) }, null, 2));

    await startMiners(subnet, endpoint, options, children);
    const validators: Child[] = subnet.validators.map((v, i) =>
      children.start(`validator-${v.uid}`, [
        'validator', 'start', ...chainArgs(subnet, endpoint, v.wallet, v.hotkeyName),
        '--db', join(dir, `validator${i}.db`), '--incentives', incentives, '--logging.json',
      ]),
    );
    for (const [i, child] of validators.entries()) watchRounds(child, subnet.validators[i]!.uid, options.onProgress);

    const waitCtx = { children, signal, timeoutMs: 120_000, blockTimeMs: options.blockTimeMs };
    const validatorHotkeys = new Set(subnet.validators.map((v) => v.hotkey));
    log.info('waiting for every validator to set weights');
    await waitFor('the first weights from every validator', async () => {
      const { rows } = await client!.getWeights({ netuid: subnet.netuid });
      return rows.filter((r) => validatorHotkeys.has(r.hotkey) && r.weights.length > 0).length === validatorHotkeys.size;
    }, waitCtx);
    const startBlock = await client.blockNumber();
    const startStake = new Map((await client.getMetagraph({ netuid: subnet.netuid })).neurons.map((n) => [n.hotkey, n.stake]));
    const endBlock = startBlock + options.epochs * subnet.tempo + 1;
    log.info(`weights are on chain; running ${options.epochs} epochs`, { block: startBlock, until: endBlock });
    await waitFor(`block ${endBlock}`, async () => (await client!.blockNumber()) >= endBlock, { ...waitCtx, timeoutMs: 60_000 + options.epochs * subnet.tempo * options.blockTimeMs * 4 });

    const metagraph = await client.getMetagraph({ netuid: subnet.netuid });
    const { rows: weights } = await client.getWeights({ netuid: subnet.netuid });
    await client.close();
    client = undefined;
    await children.stopAll();
    const reports = new Map<string, CapacityReport>();
    for (const [i, v] of subnet.validators.entries()) {
      const child = children.start(`report-${v.uid}`, ['validator', 'report', '--json', '--db', join(dir, `validator${i}.db`), '--netuid', String(subnet.netuid)]);
      reports.set(v.hotkey, await child.firstJson<CapacityReport>(30_000));
    }
    return buildReport({ subnet, startBlock, epochs: options.epochs, startStake, metagraph, weights, reports });
  } finally {
    await client?.close().catch(() => undefined);
    await children.stopAll();
    if (options.keep) log.info('kept the demo directory', { dir });
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** Turns a validator's JSON log lines about rounds into the demo's progress lines. */
function watchRounds(child: Child, uid: number, onProgress: DemoOptions['onProgress']): void {
  if (!onProgress) return;
  child.onLine((line) => {
    let entry: { msg?: string; miners?: number; verified?: number; failed?: number; noAnswer?: number; tflops?: number; failures?: string; block?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if (!entry.msg?.startsWith('round ')) return;
    const failures = entry.failures ? `  failed: ${entry.failures}` : '';
    onProgress(
      `validator uid ${uid} ${entry.msg} @ block ${entry.block}: ${entry.verified}/${entry.miners} verified, ` +
        `${((entry.tflops ?? 0) * 1000).toFixed(3)} GFLOPS${failures}`,
    );
  });
}
