import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError } from '../../../shared/errors.js';
import { addOptions, configPath, defineOptions, envName, resolveSettings, zBool, zInt } from '../../../shared/config/options.js';
import { checkConfigKeys, MAX_DATA_FILE_BYTES, readConfigFile } from '../../../shared/config/file.js';
import { walletOptions, subtensorOptions, chainEndpoint } from '../../../shared/config/common.js';

const specs = defineOptions({
  ...walletOptions,
  ...subtensorOptions,
  port: { key: 'axon.port', arg: '<port>', description: 'port', schema: zInt(1, 65535), default: 8091 },
  debug: { key: 'logging.debug', description: 'debug', schema: zBool, default: false },
  config: { key: 'config', arg: '<file>', description: 'config', schema: z.string(), fileKey: false },
});

function parse(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const command = addOptions(new Command('t').exitOverride(), specs);
  command.parse(argv, { from: 'user' });
  const path = configPath(command, env);
  const file = path ? readConfigFile(path) : undefined;
  if (file) checkConfigKeys(file, specs);
  return resolveSettings(command, specs, { env, file }).options;
}

function configFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'flopnet-config-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('settings precedence', () => {
  it('uses defaults when nothing is given', () => {
    const o = parse([]);
    expect(o.walletName).toBe('default');
    expect(o.port).toBe(8091);
    expect(o.debug).toBe(false);
    expect(o.network).toBe('local');
    expect(o.walletPath.endsWith('/.bittensor/wallets/')).toBe(true);
  });

  it('orders flag > environment > config file > default', () => {
    const file = configFile('c.yaml', 'wallet:\n  name: from-file\n  hotkey: hk-file\naxon:\n  port: 7000\n');
    const env = { FLOPNET_WALLET_NAME: 'from-env', FLOPNET_AXON_PORT: '7100' };
    const o = parse(['--config', file, '--wallet.name', 'from-flag'], env);
    expect(o.walletName).toBe('from-flag');
    expect(o.port).toBe(7100);
    expect(o.walletHotkey).toBe('hk-file');
    expect(parse(['--config', file]).port).toBe(7000);
  });

  it('accepts btcli flag spellings as aliases', () => {
    expect(parse(['--wallet-name', 'a']).walletName).toBe('a');
    expect(parse(['--wallet_hotkey', 'h']).walletHotkey).toBe('h');
  });

  it('reads dotted keys in JSON config files and coerces typed values', () => {
    const file = configFile('c.json', JSON.stringify({ 'axon.port': 9000, 'logging.debug': true }));
    const o = parse(['--config', file]);
    expect(o.port).toBe(9000);
    expect(o.debug).toBe(true);
  });

  it('names the key, its source and the expected form on a bad value', () => {
    expect(() => parse(['--axon.port', '70000'])).toThrow(/--axon\.port.*integer from 1 to 65535/);
    expect(() => parse([], { FLOPNET_AXON_PORT: 'x' })).toThrow(/FLOPNET_AXON_PORT/);
    const file = configFile('c.yaml', 'subtensor:\n  network: mainnet\n');
    expect(() => parse(['--config', file])).toThrow(/subtensor\.network.*finney, test or local/);
    try {
      parse(['--axon.port', '0']);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
    }
  });

  it('rejects unknown config keys with a suggestion', () => {
    const file = configFile('c.yaml', 'axon:\n  prot: 1\n');
    expect(() => parse(['--config', file])).toThrow(/Unknown setting "axon\.prot"/);
    try {
      parse(['--config', file]);
    } catch (error) {
      expect((error as UsageError).hint).toContain('axon.port');
    }
  });

  it('reports unreadable and malformed config files', () => {
    expect(() => parse(['--config', '/nonexistent/flopnet.yaml'])).toThrow(/Cannot read config file/);
    expect(() => parse(['--config', configFile('c.json', '{"a":')])).toThrow(/not valid JSON/);
    expect(() => parse(['--config', configFile('c.yaml', '- 1\n- 2\n')])).toThrow(/mapping of settings/);
  });

  it('derives environment names and endpoints as documented', () => {
    expect(envName('subtensor.chain_endpoint')).toBe('FLOPNET_SUBTENSOR_CHAIN_ENDPOINT');
    expect(chainEndpoint({ network: 'local' })).toBe('ws://127.0.0.1:9944');
    expect(chainEndpoint({ network: 'finney', chainEndpoint: 'ws://10.0.0.1:9944' })).toBe('ws://10.0.0.1:9944');
    expect(() => parse(['--subtensor.chain_endpoint', 'http://x'])).toThrow(/ws:\/\/ or wss:\/\/ URL/);
  });
});

describe('one resolution per command', () => {
  it('says where each value came from: flag, environment, config file, default, or nowhere', () => {
    const file = configFile('c.yaml', 'wallet:\n  name: from-file\n  hotkey: hk-file\naxon:\n  port: 7000\n');
    const command = addOptions(new Command('t').exitOverride(), specs);
    command.parse(['--wallet.name', 'from-flag'], { from: 'user' });
    const { options, origins } = resolveSettings(command, specs, { env: { FLOPNET_AXON_PORT: '7100' }, file: readConfigFile(file) });
    expect(options).toMatchObject({ walletName: 'from-flag', walletHotkey: 'hk-file', port: 7100, network: 'local', chainEndpoint: undefined });
    expect(origins.walletName).toEqual({ key: 'wallet.name', source: 'flag', from: '--wallet.name' });
    expect(origins.port).toEqual({ key: 'axon.port', source: 'environment', from: 'FLOPNET_AXON_PORT' });
    expect(origins.walletHotkey).toEqual({ key: 'wallet.hotkey', source: 'config file', from: file });
    expect(origins.network).toEqual({ key: 'subtensor.network', source: 'default' });
    expect(origins.chainEndpoint).toEqual({ key: 'subtensor.chain_endpoint', source: 'unset' });
  });

  it("skips another command's settings in a shared file, refuses typos and flag-only settings", () => {
    const file = readConfigFile(configFile('c.yaml', 'wallet:\n  name: w\nnetuid: 3\nincentives: i.yaml\n'));
    const elsewhere = new Set(['netuid', 'incentives', 'backend']);
    expect(checkConfigKeys(file, specs, elsewhere)).toEqual(['netuid', 'incentives']);
    // Without the other commands' keys, the same file is refused at its first foreign key.
    expect(() => checkConfigKeys(file, specs)).toThrow(/Unknown setting "netuid"/);
    const typo = readConfigFile(configFile('t.yaml', 'netiud: 3\n'));
    expect(() => checkConfigKeys(typo, specs, elsewhere)).toThrow(expect.objectContaining({ code: 'E_CONFIG_KEY', hint: 'did you mean "netuid"?' }));
    const flagOnly = readConfigFile(configFile('f.yaml', 'config: other.yaml\n'));
    expect(() => checkConfigKeys(flagOnly, specs, elsewhere)).toThrow(/can only be given on the command line/);
  });

  it('refuses a config path that is not a small regular file before reading it', () => {
    const big = configFile('big.yaml', `a: "${'x'.repeat(MAX_DATA_FILE_BYTES)}"\n`);
    expect(() => readConfigFile(big)).toThrow(/more than the 1048576 a settings file may hold/);
    expect(() => readConfigFile(tmpdir())).toThrow(/not a regular file/);
  });
});
