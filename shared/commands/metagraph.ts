/**
 * `flopnet metagraph --netuid N`: the subnet's neurons as a btcli-like table, or `--json`.
 */
import { defineCommand } from '../cli/command.js';
import { netuidOption, subtensorOptions } from '../config/common.js';
import { UsageError } from '../errors.js';
import { shortAddress, table, withClient } from '../chain/cli.js';
import { formatTao } from '../chain/units.js';
import type { Metagraph } from '../chain/types.js';

const f = (x: number): string => x.toFixed(5);

export function renderMetagraph(m: Metagraph, endpoint: string): string {
  const total = m.neurons.reduce((s, n) => s + n.stake, 0n);
  const head = `Metagraph: netuid ${m.netuid} at block ${m.block} on ${endpoint}: ${m.neurons.length} neurons, stake ${formatTao(total, 4)} τ`;
  const rows = m.neurons.map((n) => [
    String(n.uid),
    formatTao(n.stake, 4),
    f(n.consensus),
    f(n.incentive),
    f(n.dividends),
    f(n.validatorTrust),
    formatTao(n.emission, 6),
    n.validatorPermit ? '*' : '',
    String(n.lastUpdate),
    String(n.blockAtRegistration),
    n.active ? '1' : '0',
    n.axon.port ? `${n.axon.ipType === 6 ? `[${n.axon.ip}]` : n.axon.ip}:${n.axon.port}` : 'none',
    shortAddress(n.hotkey),
    shortAddress(n.coldkey),
  ]);
  const headers = ['UID', 'STAKE(τ)', 'CONSENSUS', 'INCENTIVE', 'DIVIDENDS', 'VTRUST', 'EMISSION', 'VPERMIT', 'UPDATED', 'REGISTERED', 'ACTIVE', 'AXON', 'HOTKEY', 'COLDKEY'];
  return `${head}\n${table(headers, rows, new Set([0, 1, 2, 3, 4, 5, 6, 8, 9]))}`;
}

export const metagraphCommand = defineCommand({
  name: 'metagraph',
  description: 'print the metagraph of a subnet',
  options: { ...netuidOption, ...subtensorOptions },
  examples: ['flopnet metagraph --netuid 1', 'flopnet metagraph --netuid 1 --subtensor.network finney --json'],
  action: async ({ options, log, signal, output }) => {
    const { netuid } = options;
    if (netuid === undefined) throw new UsageError('flopnet metagraph needs --netuid', { hint: 'flopnet metagraph --netuid 1' });
    await withClient(options, log, signal, async (client) => {
      const metagraph = await client.getMetagraph({ netuid });
      output(metagraph, (m) => renderMetagraph(m, client.endpoint));
    });
  },
});
