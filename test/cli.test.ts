import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../cli.js';

const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['bin/flopnet.mjs', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
const runArgs = (...args: string[]) => run(args);
const runAsync = (args: string[]): Promise<{ status: number | null; stdout: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/flopnet.mjs', ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('close', (status) => resolve({ status, stdout }));
  });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flopnet-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const configFile = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('flopnet CLI', () => {
  it('lists every subcommand in --help', () => {
    const r = runArgs('--help');
    expect(r.status).toBe(0);
    for (const cmd of ['devnet', 'demo', 'miner', 'validator', 'bench', 'wallet', 'subnet', 'register', 'stake', 'weights', 'metagraph', 'capacity', 'config']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    }
  });

  it('gives every subcommand a --help', async () => {
    const cmds = ['devnet', 'demo', 'miner', 'validator', 'bench', 'wallet', 'subnet', 'register', 'stake', 'weights', 'metagraph', 'capacity', 'config'];
    // Two at a time: each loads its command's modules, seconds on a loaded machine.
    for (let i = 0; i < cmds.length; i += 2) {
      await Promise.all(
        cmds.slice(i, i + 2).map(async (cmd) => {
          const r = await runAsync([cmd, '--help']);
          expect(r.status, cmd).toBe(0);
          expect(r.stdout, cmd).toContain(`Usage: flopnet ${cmd}`);
        }),
      );
    }
  }, 180_000); // thirteen processes, each compiling and loading its command: minutes on a loaded 2-core machine

  it('answers --version with the package version (without loading the program)', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    for (const flag of ['--version', '-V']) {
      const r = runArgs(flag);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it("names each lazily loaded command as the command's own module does", async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect([command.name(), command.description(), command.aliases()], entry.name).toEqual([entry.name, entry.description, [...(entry.aliases ?? [])]]);
    }
  });

  it('groups the demo-only --adversary under Testing in the miner\'s --help', () => {
    const help = runArgs('miner', '--help').stdout;
    expect(help).toMatch(/\nTesting:\n\s+--adversary <form>/);
    expect(help.slice(0, help.indexOf('Testing:'))).not.toContain('--adversary');
  });

  it('refuses an unknown flag with a one-line error and exit status 2', () => {
    const r = runArgs('metagraph', '--no-such-flag');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-flag'");
    expect(r.stdout).toBe('');
  });

  it('suggests the command a typo meant', () => {
    const r = runArgs('walet');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Did you mean wallet?');
  });

  it('reports a bad setting as a usage error naming the key', () => {
    const r = runArgs('metagraph', '--netuid', 'x', '--json');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--netuid/);
    expect(JSON.parse(r.stdout).error.code).toBe('E_CONFIG_VALUE');
  });
});

describe('flopnet config show', () => {
  it('prints each setting of a command with its value and where it came from', () => {
    const file = configFile('miner.yaml', 'netuid: 7\nwallet:\n  name: from-file\naxon:\n  port: 9100\nincentives: other-command.yaml\n');
    const r = run(['config', 'show', 'miner', '--config', file, '--axon.port', '9200', '--json'], { FLOPNET_WALLET_HOTKEY: 'hk-env' });
    expect(r.status, r.stderr).toBe(0);
    const shown = JSON.parse(r.stdout);
    expect(shown).toMatchObject({ command: 'flopnet miner', file, skipped: ['incentives'] });
    const setting = (key: string) => shown.settings.find((s: { key: string }) => s.key === key);
    expect(setting('netuid')).toEqual({ key: 'netuid', value: 7, source: 'config file', from: file });
    expect(setting('wallet.name')).toMatchObject({ value: 'from-file', source: 'config file' });
    expect(setting('wallet.hotkey')).toEqual({ key: 'wallet.hotkey', value: 'hk-env', source: 'environment', from: 'FLOPNET_WALLET_HOTKEY' });
    expect(setting('axon.port')).toEqual({ key: 'axon.port', value: 9200, source: 'flag', from: '--axon.port' });
    expect(setting('backend')).toEqual({ key: 'backend', value: 'auto', source: 'default' });
    expect(setting('axon.external_ip')).toEqual({ key: 'axon.external_ip', source: 'unset' });

    const text = run(['config', 'show', 'validator', 'start', '--config', file]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`flopnet validator start: config file ${file}`);
    expect(text.stdout).toMatch(/^netuid\s+7\s+config file$/m);
    expect(text.stdout).toMatch(/^incentives\s+other-command\.yaml\s+config file$/m);
    expect(text.stdout).toContain('skipped (settings of other commands): axon.port');
  });

  it('refuses what the command itself would refuse: a typo in the file, an unknown flag, a group', () => {
    const typo = run(['config', 'show', 'miner', '--config', configFile('typo.yaml', 'axon:\n  prot: 1\n'), '--json']);
    expect(typo.status).toBe(2);
    expect(JSON.parse(typo.stdout).error).toMatchObject({ code: 'E_CONFIG_KEY', hint: 'did you mean "axon.port"?' });
    const flag = runArgs('config', 'show', 'bench', '--nope');
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain("unknown option '--nope' for flopnet bench");
    const group = runArgs('config', 'show', 'wallet');
    expect(group.status).toBe(2);
    expect(group.stderr).toContain('name one of its commands: create');
  });
});

describe('config files, per command family (the real binary, settings only in the file)', () => {
  it('bench: runs the challenge the file describes', () => {
    const file = configFile('bench.yaml', 'backend: cpu\nprecision: fp32\nn: 48\nk: 40\nm: 2\nthreads: 1\n');
    const r = run(['bench', '--config', file, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ precision: 'fp32', m: 2, n: 48, k: 40, device: { backend: 'cpu' }, verdict: { ok: true } });
  });

  it('wallet: creates the wallet the file names, where it says, with its word count', () => {
    const file = configFile('wallet.json', JSON.stringify({ wallet: { path: join(dir, 'wallets'), name: 'cfg', hotkey: 'hk' }, 'n-words': 15 }));
    const r = run(['wallet', 'create', '--config', file, '--no-use-password', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).data).toMatchObject({ name: 'cfg', path: join(dir, 'wallets'), hotkey: 'hk' });
    expect(readdirSync(join(dir, 'wallets/cfg/hotkeys')).sort()).toEqual(['hk', 'hkpub.txt']);
    expect(JSON.parse(readFileSync(join(dir, 'wallets/cfg/coldkey'), 'utf8')).secretPhrase.split(' ')).toHaveLength(15);
  });

  it('devnet: listens on the port, with the block time and axon rule the file gives', async () => {
    const file = configFile('devnet.yaml', 'port: 0\nblock-time: 400\nallow-loopback-axons: true\n');
    const child = spawn(process.execPath, ['bin/flopnet.mjs', 'devnet', '--config', file, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          // The start document is printed whole, then the devnet runs until a signal.
          if (out.trimEnd().endsWith('}')) {
            try {
              resolve(JSON.parse(out));
            } catch {
              /* not complete yet */
            }
          }
        });
        child.on('exit', (code) => reject(new Error(`devnet exited ${code}`)));
      });
      expect(started).toMatchObject({ blockMode: 'interval', blockTimeMs: 400, allowLoopbackAxons: true });
      expect(started.endpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      expect(started.endpoint).not.toBe('ws://127.0.0.1:9944');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 30_000);
});
