/**
 * `flopnet validator start | report`: run a validator (challenge miners in its slots, score them,
 * set weights), and print the verified capacity it measured.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createLoggerFromOptions, defineCommand, defineGroup } from '../../shared/cli/command.js';
import { netuidOption, subtensorOptions, walletOptions } from '../../shared/config/common.js';
import { defineOptions, zBool, zInt } from '../../shared/config/options.js';
import { describeError, UsageError } from '../../shared/errors.js';
import { hotkeyOf, withClient } from '../../shared/chain/cli.js';
import { printable } from '../../shared/protocol/text.js';
import { capacityReport, renderCapacity, type CapacityReport } from '../capacity.js';
import { DEFAULT_INCENTIVES, loadIncentives } from '../incentives.js';
import { ValidatorStore } from '../store/db.js';
import { Validator } from '../validator.js';
import { DEFAULT_STALE_TEMPOS, weightsHistory, type WeightsHistory } from '../weight-setter.js';
import { ValidatorMetrics, validatorMetricsOptions } from '../metrics.js';
import { cachedSnapshot, readChainSnapshot } from '../dashboard/chain.js';
import { startDashboard } from '../dashboard/index.js';
import { dashboardOptions } from '../dashboard/options.js';

const dbOption = defineOptions({
  db: {
    key: 'db',
    arg: '<file>',
    description: 'SQLite file holding scores and round results (default ~/.flopnet/validators/<wallet>/<hotkey>/netuid<N>/validator.db)',
    schema: z.string().min(1),
  },
});

const startOptions = defineOptions({
  ...netuidOption,
  ...walletOptions,
  ...subtensorOptions,
  ...dbOption,
  ...validatorMetricsOptions,
  ...dashboardOptions,
  incentives: {
    key: 'incentives',
    arg: '<file>',
    description: "the subnet owner's incentive config, JSON or YAML (default: fp32 only, EMA 0.1; see docs/incentives.md)",
    schema: z.string().min(1),
  },
  weightsStaleTempos: {
    key: 'weights-stale-tempos',
    arg: '<n>',
    description: 'tempos without weights landing on chain before the validator raises its weights health alarm (logged as an error, shown by `validator report`)',
    schema: zInt(1, 1000),
    default: DEFAULT_STALE_TEMPOS,
  },
  publishCapacity: {
    key: 'publish-capacity',
    description: 'write a compact summary of verified TFLOPS per class on chain (Commitments) each epoch',
    schema: zBool,
    default: false,
    aliases: ['--publish_capacity'],
  },
});

/** Where a validator keeps its state unless --db says otherwise: one file per wallet, hotkey and subnet. */
export function defaultDbPath(o: { walletName: string; walletHotkey: string; netuid: number }): string {
  return join(homedir(), '.flopnet', 'validators', o.walletName, o.walletHotkey, `netuid${o.netuid}`, 'validator.db');
}

const needNetuid = (netuid: number | undefined, example: string): number => {
  if (netuid === undefined) throw new UsageError('this command needs --netuid', { hint: example });
  return netuid;
};

export interface ValidatorRunResult {
  netuid: number;
  uid: number | undefined;
  hotkey: string;
  db: string;
  report: CapacityReport;
}

const start = defineCommand({
  name: 'start',
  description: 'run a validator: challenge every serving miner in its slots, verify, score, set weights',
  options: startOptions,
  examples: [
    'flopnet validator start --netuid 1 --wallet.name validator --wallet.hotkey default',
    'flopnet validator start --netuid 1 --incentives incentives.yaml --publish-capacity --subtensor.chain_endpoint ws://127.0.0.1:9944',
  ],
  action: async ({ options, signal, output }) => {
    const log = createLoggerFromOptions(options, 'validator');
    const netuid = needNetuid(options.netuid, 'flopnet validator start --netuid 1 --wallet.name validator');
    // Read the config before touching the chain: a typo fails fast, naming the key.
    const incentives = options.incentives ? loadIncentives(options.incentives) : DEFAULT_INCENTIVES;
    const hotkey = hotkeyOf(options);
    const db = options.db ?? defaultDbPath({ ...options, netuid });
    await withClient(options, log, signal, async (client) => {
      const metrics = options.metricsPort === undefined ? undefined : new ValidatorMetrics({ healthBlocks: options.healthBlocks, healthSlots: options.healthSlots });
      const validator = await Validator.start({
        client,
        netuid,
        hotkey,
        incentives,
        db,
        publishCapacity: options.publishCapacity,
        weightsStaleTempos: options.weightsStaleTempos,
        log,
        ...metrics?.hooks(),
      });
      const served: Array<{ close(): Promise<void> }> = [];
      try {
        if (metrics) {
          metrics.attach(validator);
          const server = await metrics.serve({ host: options.metricsHost, port: options.metricsPort!, log: log.child('metrics') });
          served.push(server);
          log.info('metrics served', { url: `${server.url}/metrics`, health: `${server.url}/healthz` });
        }
        if (options.dashboardPort !== undefined) {
          // Its thread reads the database before it listens (seconds on a month of rounds): validation starts meanwhile.
          const chain = cachedSnapshot(() => readChainSnapshot(client, netuid, hotkey.address));
          const dashboard = startDashboard({ db: validator.store.path, host: options.dashboardHost, port: options.dashboardPort, chain, logLevel: log.level }).then(
            (d) => (log.info('dashboard served', { url: d.url }), d),
            (error: unknown) => log.error('the dashboard could not start; validating without it', { error: describeError(error) }),
          );
          served.push({ close: async () => (await dashboard)?.close() });
        }
        log.info('validator running: Ctrl-C stops it', { netuid, uid: validator.uid, db });
        await validator.run(signal);
        output<ValidatorRunResult>(
          { netuid, uid: validator.uid, hotkey: hotkey.address, db, report: validator.report() },
          (r) => `validator stopped after round ${r.report.round}; state kept in ${r.db}`,
        );
      } finally {
        for (const s of served) await s.close();
        await validator.close();
      }
    });
  },
});

const report = defineCommand({
  name: 'report',
  description: 'print the verified TFLOPS per class and per miner from a validator database',
  options: { ...netuidOption, ...walletOptions, ...dbOption },
  examples: ['flopnet validator report --netuid 1 --wallet.name validator --json', 'flopnet validator report --db ./validator.db'],
  action: ({ options, output }) => {
    const db =
      options.db ??
      defaultDbPath({ ...options, netuid: needNetuid(options.netuid, 'flopnet validator report --netuid 1 --wallet.name validator, or --db FILE') });
    const { store, identity } = ValidatorStore.openExisting(db);
    try {
      const report: ValidatorReport = { ...capacityReport(store, identity), weights: weightsHistory(store.weightSubmissions(200)) };
      // Device names are a miner's words: printed without control characters, whatever the database holds.
      const printableMiners = report.miners.map((m) => (m.device ? { ...m, device: { ...m.device, name: printable(m.device.name, 64) } } : m));
      output(report, (r) => `${renderCapacity({ ...r, miners: printableMiners })}\n${renderWeights(r.weights)}`);
    } finally {
      store.close();
    }
  },
});

export interface ValidatorReport extends CapacityReport {
  /** Whether weights are landing: the last that did, and what failed since (from the database). */
  weights: WeightsHistory;
}

/** The weights line of the report: loud when submissions failed since weights last landed. */
export function renderWeights(w: WeightsHistory): string {
  const last = w.lastLanded ? `weights last landed at block ${w.lastLanded.block} (${w.lastLanded.kind}, ${new Date(w.lastLanded.at).toISOString()})` : 'weights never landed';
  if (w.failedSince === 0) return last;
  return `WEIGHTS NOT LANDING: ${last}; ${w.failedSince} submission(s) failed since, the last with: ${w.lastError ?? 'no error recorded'}`;
}

export const validatorCommand = defineGroup('validator', 'run a validator (start) and read what it measured (report)', [start, report]);
