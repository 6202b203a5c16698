import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/flopnet.mjs', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

describe('flopnet CLI', () => {
  it('lists every subcommand in --help', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    for (const cmd of ['devnet', 'demo', 'miner', 'validator', 'bench', 'wallet', 'subnet', 'register', 'stake', 'weights', 'metagraph']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    }
  });

  it('gives every subcommand a --help', () => {
    for (const cmd of ['devnet', 'demo', 'miner', 'validator', 'bench', 'wallet', 'subnet', 'register', 'stake', 'weights', 'metagraph']) {
      const r = run(cmd, '--help');
      expect(r.status, cmd).toBe(0);
      expect(r.stdout, cmd).toContain(`Usage: flopnet ${cmd}`);
    }
  });

  it('refuses an unknown flag with a one-line error and exit status 2', () => {
    const r = run('metagraph', '--no-such-flag');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-flag'");
    expect(r.stdout).toBe('');
  });

  it('suggests the command a typo meant', () => {
    const r = run('walet');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Did you mean wallet?');
  });

  it('reports a bad setting as a usage error naming the key', () => {
    const r = run('metagraph', '--netuid', 'x', '--json');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--netuid/);
    expect(JSON.parse(r.stdout).error.code).toBe('E_CONFIG_VALUE');
  });
});
