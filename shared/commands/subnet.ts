/**
 * `flopnet subnet create | show | start | hyperparams [get | set KEY VALUE]`: a subnet owner's commands.
 */
import { Command } from 'commander';
import { z } from 'zod';
import { defineCommand } from '../cli/command.js';
import { netuidOption, subtensorOptions, walletOptions } from '../config/common.js';
import { defineOptions, zBool } from '../config/options.js';
import { UsageError } from '../errors.js';
import { coldkeyOf, hotkeyAddress, table, withClient } from '../chain/cli.js';
import { formatTao } from '../chain/units.js';
import { HYPERPARAMETERS } from '../chain/hyperparameters.js';
import type { SubnetInfo } from '../chain/actions/getSubnetInfo.js';
import type { Hyperparameters } from '../chain/actions/getHyperparameters.js';
import type { ConsensusDiagnosis } from '../chain/consensus.js';

const needNetuid = (netuid: number | undefined, example: string): number => {
  if (netuid === undefined) throw new UsageError('this command needs --netuid', { hint: example });
  return netuid;
};

const create = defineCommand({
  name: 'create',
  description: 'create a subnet owned by the wallet\'s coldkey, with the wallet\'s hotkey as uid 0 (register_network)',
  options: { ...walletOptions, ...subtensorOptions },
  examples: ['flopnet subnet create --wallet.name owner --wallet.hotkey default', 'flopnet subnet start --netuid 2 --wallet.name owner'],
  action: async ({ options, log, signal, output }) => {
    const hotkey = hotkeyAddress(options);
    await withClient(options, log, signal, async (client) => {
      const { netuid, result } = await client.registerNetwork({ coldkey: await coldkeyOf(options), hotkey, signal });
      output({ netuid, ownerHotkey: hotkey, block: result.blockNumber }, (r) => `created subnet ${r.netuid} (block ${r.block}); start its emission with: flopnet subnet start --netuid ${r.netuid}`);
    });
  },
});

const start = defineCommand({
  name: 'start',
  description: 'start a subnet\'s emission and staking (start_call; owner coldkey)',
  options: { ...netuidOption, ...walletOptions, ...subtensorOptions },
  action: async ({ options, log, signal, output }) => {
    const netuid = needNetuid(options.netuid, 'flopnet subnet start --netuid 2');
    await withClient(options, log, signal, async (client) => {
      await client.getSubnetInfo({ netuid });
      const result = await client.startCall({ coldkey: await coldkeyOf(options), netuid, signal });
      output({ netuid, block: result.blockNumber }, (r) => `started subnet ${r.netuid} (block ${r.block})`);
    });
  },
});

type ShownSubnet = SubnetInfo & { consensus?: ConsensusDiagnosis };

function renderInfo(info: ShownSubnet | { subnets: number[] }): string {
  if ('subnets' in info) return info.subnets.length ? `subnets: ${info.subnets.join(', ')}` : 'no subnets';
  const rows: Array<[string, string]> = [
    ['netuid', String(info.netuid)],
    ['owner coldkey', info.owner ?? '?'],
    ['owner hotkey', info.ownerHotkey ?? '?'],
    ['neurons', `${info.n}${info.maxUids === undefined ? '' : ` / ${info.maxUids}`}`],
    ['tempo', info.tempo === undefined ? '?' : `${info.tempo} blocks`],
    ['registration cost', info.burn === undefined ? '?' : `${formatTao(info.burn)} τ`],
    ['registration allowed', String(info.registrationAllowed ?? '?')],
    ['started (start_call)', String(info.started ?? '?')],
    ['commit-reveal', String(info.commitReveal ?? '?')],
    ...(info.consensus ? [['consensus', info.consensus.summary] as [string, string]] : []),
  ];
  const lines = rows.map(([k, v]) => `${k.padEnd(22)} ${v}`);
  if (info.consensus?.fix) lines.push('', `WARNING: ${info.consensus.fix}`);
  return lines.join('\n');
}

const show = defineCommand({
  name: 'show',
  description: 'show a subnet (with --netuid: owner, size, registration, and whether consensus can form) or list the subnets',
  options: { ...netuidOption, ...subtensorOptions },
  examples: ['flopnet subnet show', 'flopnet subnet show --netuid 1'],
  action: async ({ options, log, signal, output }) => {
    await withClient(options, log, signal, async (client) => {
      const netuid = options.netuid;
      const result =
        netuid === undefined
          ? { subnets: await client.listSubnets() }
          : { ...(await client.getSubnetInfo({ netuid })), consensus: await client.getConsensus({ netuid }) };
      output(result, renderInfo);
    });
  },
});

/** Hyperparameters that are amounts of TAO: the chain (and `set`, and --json) count them in rao. */
const TAO_AMOUNTS = new Set(['burn', 'min_burn', 'max_burn', 'stake_threshold']);

const hyperparamText = (name: string, value: Hyperparameters[string]): string =>
  TAO_AMOUNTS.has(name) && (typeof value === 'bigint' || typeof value === 'number') ? `${formatTao(BigInt(value))} τ (${value} rao)` : String(value);

const renderHyperparams = (h: { netuid: number; hyperparameters: Hyperparameters }): string =>
  `Hyperparameters of subnet ${h.netuid}:\n${table(['NAME', 'VALUE'], Object.entries(h.hyperparameters).map(([k, v]) => [k, hyperparamText(k, v)]))}`;

const get = defineCommand({
  name: 'get',
  description: 'show the subnet\'s hyperparameters',
  options: { ...netuidOption, ...subtensorOptions },
  examples: ['flopnet subnet hyperparams --netuid 1'],
  action: async ({ options, log, signal, output }) => {
    const netuid = needNetuid(options.netuid, 'flopnet subnet hyperparams get --netuid 1');
    await withClient(options, log, signal, async (client) => output({ netuid, hyperparameters: await client.getHyperparameters({ netuid }) }, renderHyperparams));
  },
});

const sudoOption = defineOptions({
  sudo: { key: 'sudo', description: 'send through Sudo.sudo (the wallet coldkey must be the sudo key); root-only settings always are', schema: zBool, default: false, fileKey: false },
});

const settable = Object.entries(HYPERPARAMETERS)
  .filter(([, h]) => h.setter)
  .map(([n, h]) => `${n}${h.root ? ' (root)' : ''}`);

const set = defineCommand({
  name: 'set',
  description: 'set a hyperparameter (owner coldkey; root-only ones need the sudo key)',
  args: ['<key>', '<value>'],
  options: { ...netuidOption, ...sudoOption, ...walletOptions, ...subtensorOptions },
  examples: [
    'flopnet subnet hyperparams set commit_reveal_weights_enabled false --netuid 2 --wallet.name owner',
    'flopnet subnet hyperparams set min_burn 500000 --netuid 2 --wallet.name owner   # amounts of TAO in rao (1 TAO = 10^9 rao)',
    `keys: ${settable.join(', ')}`,
  ],
  action: async ({ options, args, log, signal, output }) => {
    const [name, value] = z.tuple([z.string(), z.string()]).parse(args);
    // Chain-wide settings (admin_freeze_window, ...) take no netuid.
    const global = HYPERPARAMETERS[name]?.global === true;
    const netuid = global ? (options.netuid ?? 0) : needNetuid(options.netuid, `flopnet subnet hyperparams set ${name} ${value} --netuid 1`);
    await withClient(options, log, signal, async (client) => {
      if (!global) await client.getSubnetInfo({ netuid });
      const result = await client.setHyperparameter({ signer: await coldkeyOf(options), netuid, name, value, sudo: options.sudo, signal });
      output({ netuid, name, value, block: result.blockNumber }, (r) => `set ${r.name} = ${r.value}${global ? '' : ` on subnet ${r.netuid}`} (block ${r.block})`);
    });
  },
});

// `flopnet subnet hyperparams` alone means `get`.
const hyperparams = new Command('hyperparams').description('read or set the subnet\'s hyperparameters');
hyperparams.addCommand(get, { isDefault: true });
hyperparams.addCommand(set);

export const subnetCommand = new Command('subnet').description('create a subnet, show it, read and set its hyperparameters');
for (const sub of [create, show, start, hyperparams]) subnetCommand.addCommand(sub);
