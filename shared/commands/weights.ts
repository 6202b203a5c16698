/**
 * `flopnet weights show --netuid N`: who set which weights at which block.
 */
import { defineCommand, defineGroup } from '../cli/command.js';
import { netuidOption, subtensorOptions } from '../config/common.js';
import { UsageError } from '../errors.js';
import { shortAddress, table, withClient } from '../chain/cli.js';
import type { WeightsRow } from '../chain/actions/getWeights.js';

export function renderWeights(w: { netuid: number; block: number; rows: WeightsRow[] }): string {
  if (w.rows.length === 0) return `No weights set on subnet ${w.netuid} (block ${w.block}).`;
  const rows = w.rows.map((r) => [String(r.uid), shortAddress(r.hotkey), String(r.block), r.weights.map((x) => `${x.uid}:${x.value}`).join(' ')]);
  return `Weights on subnet ${w.netuid} at block ${w.block} (values as stored, u16 max-upscaled):\n${table(['UID', 'HOTKEY', 'SET AT', 'WEIGHTS (uid:value)'], rows, new Set([0, 2]))}`;
}

const show = defineCommand({
  name: 'show',
  description: 'show each validator\'s weight row and the block it was set at',
  options: { ...netuidOption, ...subtensorOptions },
  examples: ['flopnet weights show --netuid 1'],
  action: async ({ options, log, signal, output }) => {
    const { netuid } = options;
    if (netuid === undefined) throw new UsageError('flopnet weights show needs --netuid', { hint: 'flopnet weights show --netuid 1' });
    await withClient(options, log, signal, async (client) => output(await client.getWeights({ netuid }), renderWeights));
  },
});

export const weightsCommand = defineGroup('weights', 'show the weights validators set on a subnet', [show]);
