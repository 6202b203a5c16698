/**
 * `flopnet dashboard --db FILE`: the validator dashboard over a validator database, for a validator
 * that is stopped (or runs elsewhere): the file is opened read-only. The on-chain panel reads the chain
 * given by --subtensor.* and says why when it cannot.
 */
import { z } from 'zod';
import { defineCommand } from '../../shared/cli/command.js';
import { chainEndpoint, subtensorOptions } from '../../shared/config/common.js';
import { defineOptions } from '../../shared/config/options.js';
import { connect, type ChainClient } from '../../shared/chain/client.js';
import { describeError, UsageError } from '../../shared/errors.js';
import { cachedSnapshot, readChainSnapshot } from '../dashboard/chain.js';
import { startDashboard } from '../dashboard/index.js';
import { dashboardOptions } from '../dashboard/options.js';

const options = defineOptions({
  db: { key: 'db', arg: '<file>', description: 'the validator database to show (opened read-only)', schema: z.string().min(1) },
  ...dashboardOptions,
  dashboardPort: { ...dashboardOptions.dashboardPort, default: 8100 },
  ...subtensorOptions,
});

export const dashboardCommand = defineCommand({
  name: 'dashboard',
  description: "serve a validator database's dashboard (read-only): capacity over time, miners, their history, commitments on chain",
  options,
  examples: ['flopnet dashboard --db ~/.flopnet/validators/validator/default/netuid1/validator.db --dashboard.port 8100', 'flopnet dashboard --db validator.db --subtensor.network finney'],
  action: async ({ options: o, log, signal, output }) => {
    if (o.db === undefined) throw new UsageError('flopnet dashboard needs --db', { hint: 'flopnet dashboard --db validator.db --dashboard.port 8100' });
    let client: ChainClient | undefined;
    let identity: { netuid: number; hotkey: string } | undefined;
    const endpoint = chainEndpoint(o);
    const chain = cachedSnapshot(async () => {
      try {
        client ??= await connect({ endpoint, log: log.child('chain'), signal, maxAttempts: 3 });
      } catch (error) {
        return { readAt: Date.now(), error: `${endpoint}: ${describeError(error)}` };
      }
      return readChainSnapshot(client, identity!.netuid, identity!.hotkey);
    });
    const dashboard = await startDashboard({ db: o.db, host: o.dashboardHost, port: o.dashboardPort, chain, logLevel: log.level });
    identity = dashboard.identity;
    try {
      log.info('dashboard served: Ctrl-C stops it', { url: dashboard.url, db: o.db, netuid: identity.netuid, validator: identity.hotkey });
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    } finally {
      await dashboard.close();
      await client?.close();
    }
    output({ url: dashboard.url, db: o.db, ...identity }, (r) => `dashboard at ${r.url} stopped`);
  },
});
