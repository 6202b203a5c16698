/**
 * The validator's /metrics and /healthz, scraped over HTTP from a real Validator on the embedded
 * devnet challenging two real miners (one honest, one cheating): rounds, verdicts by reason, each
 * miner's credited TFLOPS, score and weight, weights set, the chain position, and a health check that
 * fails once the validator's slots pass without a round.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import { MetagraphSync, type ChainClient } from '../../shared/chain/index.js';
import type { ReadOnlyServer } from '../../shared/metrics/http.js';
import { createSigner } from '../../shared/protocol/signing.js';
import { Miner } from '../../miner/miner.js';
import { CpuBackend } from '../../miner/backends/cpu.js';
import { parseAdversary } from '../../miner/backends/adversary.js';
import { parseIncentives } from '../../validator/incentives.js';
import { stepValidator, untilSeen, warmUp } from '../helpers/validator.js';
import { ValidatorMetrics, missedSlots } from '../../validator/metrics.js';
import { Validator } from '../../validator/validator.js';
import type { TestDevnet } from '../helpers/devnet.js';
import { get, scrape } from '../helpers/http.js';
import { subnetWithValidator } from '../shared/chain/fixtures.js';

const TEMPO = 10;
const incentives = parseIncentives({ ema: { alpha: 0.5 }, startTflops: 5e-5, challengeSeconds: 1, slotBlocks: 1, timeouts: { openingsMs: 10_000, probeMs: 5_000 } });
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const validatorKey = keyring.addFromUri('//flopnet-metrics-validator');
const honestKey = keyring.addFromUri('//flopnet-metrics-honest');
const cheatKey = keyring.addFromUri('//flopnet-metrics-cheat');

let devnet: TestDevnet;
let client: ChainClient;
let netuid: number;
let sync: MetagraphSync;
let validator: Validator;
let server: ReadOnlyServer;
const miners: Miner[] = [];
const backends: CpuBackend[] = [];
const dbDir = mkdtempSync(join(tmpdir(), 'flopnet-metrics-'));
let clock = Date.now();
const metrics = new ValidatorMetrics({ healthBlocks: 10, healthSlots: 3, now: () => clock });

const step = () => stepValidator(devnet, sync, validator);

beforeAll(async () => {
  let keys;
  ({ keys, devnet, client, netuid } = await subnetWithValidator(validatorKey.address, { defaultTempo: TEMPO }));
  sync = new MetagraphSync(client, { netuid, everyBlocks: 1 });
  await sync.start();
  for (const [pair, cheat] of [[honestKey, undefined], [cheatKey, 'precision:bf16']] as const) {
    await client.burnedRegister({ coldkey: keys.charlie, hotkey: pair.address, netuid });
    const backend = new CpuBackend({ threads: 1, ...(cheat ? { adversary: parseAdversary(cheat) } : {}) });
    backends.push(backend);
    await warmUp(backend);
    const miner = await Miner.start({ signer: createSigner(pair), backend, metagraph: { current: () => sync.metagraph }, host: '127.0.0.1', port: 0, slotBlocks: incentives.slotBlocks });
    miners.push(miner);
    await client.serveAxon({ hotkey: pair, netuid, ip: '127.0.0.1', port: miner.port });
  }
  await devnet.newBlock(TEMPO + 2);
  await sync.refresh();
  // Blocks come only when the test makes one: a slot lasts as long as the test wants.
  validator = await Validator.start({ client, netuid, hotkey: validatorKey, incentives, db: join(dbDir, 'validator.db'), blockMs: 60_000, ...metrics.hooks() });
  metrics.attach(validator);
  server = await metrics.serve({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await validator?.close();
  for (const m of miners) await m.close();
  for (const b of backends) await b.close();
  sync?.stop();
  await client?.close();
  await devnet?.close();
  rmSync(dbDir, { recursive: true, force: true });
});

const uidOf = (hotkey: string) => String(sync.metagraph!.neurons.find((n) => n.hotkey === hotkey)!.uid);

describe('validator metrics', () => {
  it('counts rounds and verdicts by reason, and shows each miner’s credited TFLOPS, score, weight and the capacity', async () => {
    let rounds = 0;
    let set = false;
    for (let i = 0; i < 40 && (rounds < 3 || !set); i++) {
      clock += 1_000;
      const report = await step();
      if (report.round) rounds++;
      if (report.weights.some((w) => w.action === 'set')) set = true;
    }
    expect(rounds).toBeGreaterThanOrEqual(3);
    expect(set).toBe(true);
    const m = await scrape(`${server.url}/metrics`);
    const honest = `uid="${uidOf(honestKey.address)}",hotkey="${honestKey.address}"`;
    const cheat = `uid="${uidOf(cheatKey.address)}",hotkey="${cheatKey.address}"`;
    expect(m.get('flopnet_validator_rounds_total')).toBe(rounds);
    expect(m.get('flopnet_validator_last_round')).toBe(validator.store.nextRound() - 1);
    expect(m.get('flopnet_validator_verdicts_total{verdict="verified",reason="ok"}')).toBe(rounds);
    expect(m.get('flopnet_validator_verdicts_total{verdict="failed",reason="out_of_tolerance"}')).toBe(rounds);
    expect(m.get('flopnet_validator_last_round_miners{verdict="verified"}')).toBe(1);

    const last = validator.report();
    const honestTflops = last.miners.find((x) => x.hotkey === honestKey.address)!.tflops.fp32!;
    expect(honestTflops).toBeGreaterThan(0);
    expect(m.get(`flopnet_validator_miner_tflops{${honest},class="fp32"}`)).toBe(honestTflops);
    expect(m.has(`flopnet_validator_miner_tflops{${cheat},class="fp32"}`)).toBe(false);
    expect(m.get(`flopnet_validator_miner_verified{${honest}}`)).toBe(1);
    expect(m.get(`flopnet_validator_miner_verified{${cheat}}`)).toBe(0);
    expect(m.get(`flopnet_validator_miner_score{${honest}}`)).toBe(validator.store.loadScores().get(honestKey.address)!.score);
    expect(m.get(`flopnet_validator_miner_score{${cheat}}`)).toBe(0);
    expect(m.get('flopnet_validator_capacity_tflops{class="fp32"}')).toBe(last.totals.fp32);
    expect(m.get('flopnet_validator_verified_miners')).toBe(1);

    // Weights: set on chain, all of it on the honest miner.
    expect(m.get('flopnet_validator_weights_total{action="set"}')).toBeGreaterThanOrEqual(1);
    expect(m.get(`flopnet_validator_miner_weight{${honest}}`)).toBe(1);
    const { rows } = await client.getWeights({ netuid });
    const ours = rows.find((r) => r.uid === Number(uidOf(validatorKey.address)))!;
    expect(m.get('flopnet_validator_last_weights_block')).toBe(ours.block);
    expect(m.get('flopnet_validator_tempo_blocks')).toBe(TEMPO);
    expect(m.get('flopnet_validator_permit')).toBe(1);
    expect(m.get('flopnet_validator_block')).toBeGreaterThanOrEqual(validator.metagraph.block);
    expect(m.get('flopnet_validator_blocks_behind')).toBe(m.get('flopnet_validator_block')! - validator.metagraph.block);
    expect(m.get('flopnet_validator_blocks_since_weights')).toBe(m.get('flopnet_validator_block')! - m.get('flopnet_validator_last_weights_block')!);
    expect(m.has('flopnet_validator_weights_last_failure_info{code="E_RATE_LIMIT",chain_error="none"}')).toBe(false);
  }, 120_000);

  it('counts a failed weight submission by code and chain error, until the next success clears the last failure', async () => {
    metrics.weights({ action: 'failed', code: 'E_RATE_LIMIT', error: 'SubtensorModule.SettingWeightsTooFast: weights set too soon after the last' });
    let m = await scrape(`${server.url}/metrics`);
    expect(m.get('flopnet_validator_weights_failed_total{code="E_RATE_LIMIT",chain_error="SubtensorModule.SettingWeightsTooFast"}')).toBe(1);
    expect(m.get('flopnet_validator_weights_last_failure_info{code="E_RATE_LIMIT",chain_error="SubtensorModule.SettingWeightsTooFast"}')).toBe(1);
    metrics.weights({ action: 'set', block: validator.metagraph.block, uids: [Number(uidOf(honestKey.address))], values: [65535] });
    m = await scrape(`${server.url}/metrics`);
    expect([...m.keys()].some((k) => k.startsWith('flopnet_validator_weights_last_failure_info'))).toBe(false);
    expect(m.get('flopnet_validator_weights_failed_total{code="E_RATE_LIMIT",chain_error="SubtensorModule.SettingWeightsTooFast"}')).toBe(1);
  });

  it('is healthy while rounds run, and answers 503 once three of its slots passed without one', async () => {
    const ok = await get(`${server.url}/healthz`);
    expect(ok.status, ok.body).toBe(200);
    expect(ok.body).toMatch(/^ok\nchain: block \d+, .*\nrounds: last round \d+ at block \d+\n$/);
    // Blocks keep coming (one a second, by the test's clock) but the validator is not stepped.
    for (let i = 0; i < 8; i++) {
      clock += 1_000;
      await devnet.newBlock(1);
      await sync.refresh();
    }
    await untilSeen(validator, sync);
    const stuck = await get(`${server.url}/healthz`);
    expect(stuck.status).toBe(503);
    expect(stuck.body).toMatch(/^stuck: rounds: no round in 3 of its slots \(slots starting at blocks \d+, \d+, \d+\); last round \d+ at block \d+\n/);
    // One round and it is healthy again.
    let report;
    do report = await step();
    while (!report.round);
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('drops the series of a miner that leaves the metagraph', async () => {
    metrics.attach({ ...validator, metagraph: { ...validator.metagraph, neurons: validator.metagraph.neurons.filter((n) => n.hotkey !== cheatKey.address) }, store: validator.store, report: () => validator.report(), hotkey: validator.hotkey, incentives } as unknown as Validator);
    const m = await scrape(`${server.url}/metrics`);
    expect([...m.keys()].filter((k) => k.includes(cheatKey.address))).toEqual([]);
    expect([...m.keys()].filter((k) => k.includes(honestKey.address)).length).toBeGreaterThan(0);
    metrics.attach(validator);
  });
});

describe('missed slots', () => {
  it('counts only the validator’s own slots that ended, up to the limit', () => {
    const neurons = [0, 1, 2].map((uid) => ({ uid, hotkey: `v${uid}`, validatorPermit: true }));
    // Three slot holders, slots of 5 blocks: v1 owns slots 1, 4, 7, ... (blocks 5-9, 20-24, 35-39).
    expect(missedSlots(neurons as never, 'v1', 0, 40, 5, 10)).toEqual([5, 20, 35]);
    expect(missedSlots(neurons as never, 'v1', 0, 39, 5, 10)).toEqual([5, 20]);
    expect(missedSlots(neurons as never, 'v1', 10, 100, 5, 2)).toEqual([20, 35]);
    expect(missedSlots(neurons as never, 'nobody', 0, 100, 5, 3)).toEqual([]);
  });
});
