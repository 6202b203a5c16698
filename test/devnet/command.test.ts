/** `flopnet devnet` as a process: prints endpoint and accounts, serves, exits cleanly on SIGTERM/SIGINT. */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawRpc } from './support.js';

const BIN = join(import.meta.dirname, '../../bin/flopnet.mjs');

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'devnet', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<Record<string, any>>((resolve, reject) => {
    const timer = setInterval(() => {
      try {
        resolve(JSON.parse(stdout));
        clearInterval(timer);
      } catch {
        if (child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`devnet exited: ${stderr}`));
        }
      }
    }, 50);
  });
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

describe('flopnet devnet', () => {
  it('prints the endpoint and dev accounts as JSON, serves JSON-RPC, and exits 0 on SIGTERM', async () => {
    const p = run(['--json', '--manual']);
    try {
      const info = await p.ready;
      expect(info['endpoint']).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      expect(info['accounts'].map((a: { name: string }) => a.name)).toEqual(['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']);
      expect(info['accounts'][0]).toMatchObject({ uri: '//Alice', address: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', balance: '1000000000000000' });
      expect(info['accounts'][3].balance).toBe('2000000000000');
      expect((await rawRpc(info['endpoint'], 'system_properties', [])).result).toEqual({ ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'TAO' });
      expect((await rawRpc(info['endpoint'], 'dev_newBlock', [{ count: 2 }])).result).toMatch(/^0x[0-9a-f]{64}$/);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      expect(p.output().stderr).toMatch(/devnet stopped/);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('saves --state on SIGINT and resumes at the same block', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flopnet-devnet-cli-'));
    const file = join(dir, 'devnet.json');
    try {
      const first = run(['--json', '--manual', '--state', file]);
      const info = await first.ready;
      await rawRpc(info['endpoint'], 'dev_newBlock', [{ count: 3 }]);
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);
      expect(existsSync(file)).toBe(true);
      expect(JSON.parse(readFileSync(file, 'utf8')).head.number).toBe(3);
      const second = run(['--json', '--manual', '--state', file]);
      try {
        const again = await second.ready;
        expect(again['bestBlock']).toBe(3);
        expect(again['genesisHash']).toBe(info['genesisHash']);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses --instant with --manual as a usage error (exit 2)', () => {
    const r = spawnSync(process.execPath, [BIN, 'devnet', '--instant', '--manual'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--instant and --manual exclude each other/);
  });
});
