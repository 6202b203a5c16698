/**
 * The settings shared by flopnet's programs, named as bittensor names them so an operator's
 * habits (and scripts) carry over: `--netuid`, `--wallet.name`, `--subtensor.network`, ...
 */
import { homedir } from 'node:os';
import { z } from 'zod';
import { defineOptions, zBool, zInt, zPort } from './options.js';

export const NETWORK_ENDPOINTS = {
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
} as const;
export type NetworkName = keyof typeof NETWORK_ENDPOINTS;

export const DEFAULT_WALLET_PATH = '~/.bittensor/wallets/';

/** Expands a leading `~` the way btcli does, and `default` to the default path. */
export function expandWalletPath(path: string): string {
  const p = path === 'default' ? DEFAULT_WALLET_PATH : path;
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

const name = z
  .string()
  .min(1, 'a non-empty name')
  .max(128)
  .regex(/^[^/\\\0]+$/, 'a name without slashes')
  .refine((s) => s !== '.' && s !== '..', 'a name other than . or ..');

export const configOption = defineOptions({
  config: {
    key: 'config',
    arg: '<file>',
    description: 'read settings from a JSON or YAML file (flags and FLOPNET_* variables win)',
    schema: z.string().min(1),
    fileKey: false,
  },
});

export const jsonOption = defineOptions({
  json: {
    key: 'json',
    description: 'print the result as one JSON document on stdout (logs stay on stderr)',
    schema: zBool,
    default: false,
    aliases: ['--json-output', '--json-out'],
    fileKey: false,
  },
});

export const loggingOptions = defineOptions({
  loggingDebug: { key: 'logging.debug', description: 'log debug detail', schema: zBool, default: false },
  loggingTrace: { key: 'logging.trace', description: 'log everything, including per-message traces', schema: zBool, default: false },
  loggingJson: { key: 'logging.json', description: 'write logs as JSON lines on stderr', schema: zBool, default: false },
});

export const walletOptions = defineOptions({
  walletName: {
    key: 'wallet.name',
    arg: '<name>',
    description: 'wallet (coldkey) name',
    schema: name,
    default: 'default',
    aliases: ['--wallet-name', '--wallet_name', '--name'],
  },
  walletHotkey: {
    key: 'wallet.hotkey',
    arg: '<name>',
    description: 'hotkey name inside the wallet',
    schema: name,
    default: 'default',
    aliases: ['--wallet-hotkey', '--wallet_hotkey', '--hotkey', '-H'],
  },
  walletPath: {
    key: 'wallet.path',
    arg: '<dir>',
    description: 'directory holding the wallets',
    schema: z.string().min(1).transform(expandWalletPath),
    default: DEFAULT_WALLET_PATH,
    aliases: ['--wallet-path', '--wallet_path', '-p'],
  },
});

export const subtensorOptions = defineOptions({
  network: {
    key: 'subtensor.network',
    arg: '<name>',
    description: 'finney | test | local (ws://127.0.0.1:9944)',
    schema: z.enum(['finney', 'test', 'local'], 'finney, test or local'),
    default: 'local' as NetworkName,
    aliases: ['--subtensor-network', '--network'],
  },
  chainEndpoint: {
    key: 'subtensor.chain_endpoint',
    arg: '<url>',
    description: 'WebSocket endpoint of a subtensor node; overrides --subtensor.network',
    schema: z.string().regex(/^wss?:\/\/\S+$/, 'a ws:// or wss:// URL'),
    aliases: ['--subtensor-chain-endpoint', '--chain'],
  },
});

export const netuidOption = defineOptions({
  netuid: { key: 'netuid', arg: '<n>', description: 'subnet id', schema: zInt(0, 65535) },
});

export const axonOptions = defineOptions({
  axonPort: { key: 'axon.port', arg: '<port>', description: 'port the axon listens on', schema: zPort, default: 8091, aliases: ['--axon-port'] },
  axonExternalIp: {
    key: 'axon.external_ip',
    arg: '<ip>',
    description: 'IP address published on chain for validators to reach this axon',
    schema: z.union([z.ipv4(), z.ipv6()], 'an IPv4 or IPv6 address'),
    aliases: ['--axon-external-ip'],
  },
});

/** The endpoint a command connects to: an explicit endpoint wins over the network name. */
export function chainEndpoint(options: { network: NetworkName; chainEndpoint?: string | undefined }): string {
  return options.chainEndpoint ?? NETWORK_ENDPOINTS[options.network];
}
