/**
 * `flopnet validator start | report` as a user runs them: a child process against the devnet, with
 * btcli-format wallets in a temp dir and an in-process miner to challenge.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainCliEnv, runFlopnet, type ChainCliEnv } from '../../shared/chain/cli-fixtures.js';
import { MetagraphSync } from '../../../shared/chain/index.js';
import { createSigner } from '../../../shared/protocol/signing.js';
import { Miner } from '../../../miner/miner.js';
import { CpuBackend } from '../../../miner/backends/cpu.js';
import { ValidatorStore } from '../../../validator/store/db.js';

const dir = mkdtempSync(join(tmpdir(), 'flopnet-validator-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flopnet validator, offline', () => {
  it('refuses a bad incentive config before touching the chain, naming the key', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'ema:\n  alpha: 2\n');
    const run = await runFlopnet(['validator', 'start', '--netuid', '1', '--incentives', file, '--subtensor.chain_endpoint', 'ws://127.0.0.1:1']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('"ema.alpha"');
    expect(run.stderr).toContain('docs/incentives.md');
  });

  it('asks for --netuid', async () => {
    const run = await runFlopnet(['validator', 'start']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--netuid');
  });

  it('reports capacity from a database as JSON', async () => {
    const db = join(dir, 'report.db');
    const store = ValidatorStore.open(db, { netuid: 3, hotkey: '5Validator' });
    store.recordRound(
      { round: 1, block: 7, startedAt: 0, finishedAt: 1 },
      [{ round: 1, uid: 2, hotkey: 'm', challenge: { precision: 'fp32', m: 1, n: 64, k: 64 }, seconds: 0.5, tflops: 0.25, reward: 0.25, verdict: 'verified', reason: 'ok' }],
      new Map([['m', { hotkey: 'm', uid: 2, score: 0.025, ema: { fp32: 0.025 }, round: 1 }]]),
    );
    store.close();
    const run = await runFlopnet(['validator', 'report', '--db', db, '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ netuid: 3, validator: '5Validator', round: 1, totals: { fp32: 0.25 }, miners: [{ uid: 2, lastVerdict: 'verified', ema: { fp32: 0.025 } }] });
    const text = await runFlopnet(['validator', 'report', '--db', db]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/fp32 last +fp32 EMA/);
    const missing = await runFlopnet(['validator', 'report', '--db', join(dir, 'none.db')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('flopnet validator start');
  });

  it('prints a miner’s device name without its control characters, even from an older database', async () => {
    const db = join(dir, 'escapes.db');
    const store = ValidatorStore.open(db, { netuid: 3, hotkey: '5Validator' });
    const name = '\x1b[2J\x1b[31mH100\x1b[0m\nuid 9 fake row\u202e';
    store.recordRound(
      { round: 1, block: 7, startedAt: 0, finishedAt: 1 },
      [{ round: 1, uid: 2, hotkey: 'm', challenge: { precision: 'fp32', m: 1, n: 64, k: 64 }, seconds: 0.5, tflops: 0.25, reward: 0.25, verdict: 'verified', reason: 'ok', device: name }],
      new Map([['m', { hotkey: 'm', uid: 2, score: 0.025, ema: { fp32: 0.025 }, round: 1 }]]),
      new Map([['m', { backend: 'cuda', name, memoryBytes: 1 << 30, precisions: ['fp32'] }]]),
    );
    store.close();
    const run = await runFlopnet(['validator', 'report', '--db', db]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('?[2J?[31mH100?[0m?uid 9 fake row?');
    expect(run.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(run.stdout.split('\n').filter((line) => line.includes('fake row'))).toHaveLength(1);
  });
});

describe('flopnet validator report: weights health', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flopnet-validator-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says loudly when submissions failed since weights last landed, naming the chain error', async () => {
    const db = join(dir, 'weights.db');
    const store = ValidatorStore.open(db, { netuid: 3, hotkey: '5Validator' });
    const add = (kind: 'set' | 'commit', status: 'included' | 'failed' | 'expired', block: number | undefined, error?: string) =>
      store.updateWeightSubmission(store.addWeightSubmission({ kind, createdAt: 1_700_000_000_000, uids: [1], weights: [65535], salt: undefined, versionKey: 0, commitHash: undefined, status: 'pending' }), {
        status,
        ...(block !== undefined ? { block } : {}),
        ...(error ? { error } : {}),
      });
    add('set', 'included', 40);
    add('commit', 'expired', 55, '3 reveals failed, the last with SubtensorModule.InputLengthsUnequal');
    store.close();
    const json = await runFlopnet(['validator', 'report', '--db', db, '--json']);
    expect(JSON.parse(json.stdout).weights).toEqual({ lastLanded: { block: 40, at: 1_700_000_000_000, kind: 'set' }, failedSince: 1, lastError: '3 reveals failed, the last with SubtensorModule.InputLengthsUnequal' });
    const text = await runFlopnet(['validator', 'report', '--db', db]);
    expect(text.stdout).toContain('WEIGHTS NOT LANDING: weights last landed at block 40');
    expect(text.stdout).toContain('SubtensorModule.InputLengthsUnequal');
  });
});

/** A round takes up to 3.5 s (two 0.5 s probes, the 0.5 s window, 2 s of openings): 4 s slots of 100 ms blocks. */
const SLOT_BLOCKS = 40;

describe('flopnet validator start on the devnet', () => {
  let env: ChainCliEnv;
  let miner: Miner;
  let backend: CpuBackend;
  let sync: MetagraphSync;

  beforeAll(async () => {
    env = await chainCliEnv();
    const { client, keys, netuid, devnet } = env;
    await client.burnedRegister({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid });
    await client.addStake({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid, amount: 100_000_000_000n });
    await client.burnedRegister({ coldkey: keys.charlie, hotkey: keys.charlieHk.address, netuid });
    sync = new MetagraphSync(client, { netuid, everyBlocks: 1 });
    await sync.start();
    backend = new CpuBackend({ threads: 1 });
    // subtensor refuses exactly 127.0.0.1 as an axon address, not the rest of 127/8 (which Linux routes to lo).
    miner = await Miner.start({ signer: createSigner(keys.charlieHk), backend, metagraph: { current: () => sync.metagraph }, host: '127.0.0.2', port: 0, slotBlocks: SLOT_BLOCKS });
    await client.serveAxon({ hotkey: keys.charlieHk, netuid, ip: '127.0.0.2', port: miner.port });
    const tempo = Number((await client.getHyperparameters({ netuid }))['tempo']);
    await devnet.newBlock(tempo + 2);
  }, 60_000);

  afterAll(async () => {
    await miner?.close();
    await backend?.close();
    sync?.stop();
    await env?.close();
  });

  /** Starts `flopnet validator start` on the devnet, with blocks built every 100 ms while it runs. */
  function startValidator(db: string) {
    const incentives = join(dir, 'fast.yaml');
    writeFileSync(incentives, `startTflops: 1.0e-4\nchallengeSeconds: 0.5\nslotBlocks: ${SLOT_BLOCKS}\ntimeouts: { probeMs: 500, openingsMs: 2000 }\n`);
    const child = spawn(
      process.execPath,
      ['bin/flopnet.mjs', 'validator', 'start', '--netuid', String(env.netuid), '--wallet.name', 'bob', '--incentives', incentives, '--db', db, '--json'],
      { env: { ...process.env, FLOPNET_SUBTENSOR_CHAIN_ENDPOINT: env.devnet.endpoint, FLOPNET_WALLET_PATH: env.walletPath }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (out.stdout += d));
    child.stderr.on('data', (d: Buffer) => (out.stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const blocks = setInterval(() => void env.devnet.newBlock(1), 100);
    const stop = (): void => {
      clearInterval(blocks);
      child.kill('SIGKILL');
    };
    const waitFor = async (text: string): Promise<void> => {
      const deadline = Date.now() + 40_000;
      while (!out.stderr.includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(out.stderr).toContain(text);
    };
    return { child, out, exited, stop, waitFor };
  }

  it('runs rounds until Ctrl-C, then prints what it measured and keeps it in --db', async () => {
    const db = join(dir, 'cli.db');
    const v = startValidator(db);
    try {
      await v.waitFor('round 2 ');
      v.child.kill('SIGINT');
      expect(await v.exited).toBe(0);
    } finally {
      v.stop();
    }
    const result = JSON.parse(v.out.stdout);
    expect(result).toMatchObject({ netuid: env.netuid, hotkey: env.keys.bobHk.address, db });
    expect(result.report.round).toBeGreaterThanOrEqual(2);
    expect(result.report.miners).toMatchObject([{ hotkey: env.keys.charlieHk.address, lastVerdict: 'verified' }]);
    const report = await runFlopnet(['validator', 'report', '--db', db, '--json']);
    expect(JSON.parse(report.stdout).totals.fp32).toBeGreaterThan(0);
  }, 60_000);

  it('killed with SIGKILL, keeps every finished round and continues after the last one', async () => {
    const db = join(dir, 'killed.db');
    const first = startValidator(db);
    try {
      await first.waitFor('round 3 ');
      first.child.kill('SIGKILL');
      await first.exited;
    } finally {
      first.stop();
    }
    const store = ValidatorStore.open(db, { netuid: env.netuid, hotkey: env.keys.bobHk.address });
    const last = store.nextRound() - 1;
    expect(last).toBeGreaterThanOrEqual(3);
    // Every recorded round is whole: its one miner's result and the score it produced.
    for (let round = 1; round <= last; round++) expect(store.results({ round })).toHaveLength(1);
    expect(store.loadScores().get(env.keys.charlieHk.address)!.round).toBe(last);
    store.close();

    const second = startValidator(db);
    try {
      await second.waitFor(`round ${last + 1} `);
      expect(second.out.stderr).not.toMatch(/ round 1 /);
    } finally {
      second.stop();
    }
  }, 90_000);
});
