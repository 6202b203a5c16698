/**
 * `flopnet dashboard --db FILE` as a real process: serves a stopped validator's database, says why the
 * chain panel is empty when no chain answers, stops on Ctrl-C with status 0, and refuses a missing
 * file with its code and what to do.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { VALIDATOR_HOTKEY, seedValidatorDb } from '../../../scripts/seed-validator-db.js';
import { get } from '../../helpers/http.js';

const dir = mkdtempSync(join(tmpdir(), 'flopnet-dashboard-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('flopnet dashboard', () => {
  it("serves a stopped validator's database until Ctrl-C", async () => {
    const db = join(dir, 'validator.db');
    seedValidatorDb(db, { miners: 8, rounds: 30 });
    const port = await freePort();
    const closed = await freePort();
    const child = spawn(process.execPath, ['bin/flopnet.mjs', 'dashboard', '--db', db, '--dashboard.port', String(port), '--subtensor.chain_endpoint', `ws://127.0.0.1:${closed}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('dashboard served') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(stderr).toContain(`url=http://127.0.0.1:${port}`);
    const summary = JSON.parse((await get(`http://127.0.0.1:${port}/api/summary`)).body);
    expect(summary).toMatchObject({ netuid: 1, validator: VALIDATOR_HOTKEY, round: 30, miners: 8 });
    const chain = JSON.parse((await get(`http://127.0.0.1:${port}/api/chain`)).body);
    expect(chain.error).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${closed}: cannot reach subtensor`));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  }, 90_000);

  it('refuses a missing database with E_DB_MISSING and a hint', async () => {
    const run = promisify(execFile);
    const failed = await run(process.execPath, ['bin/flopnet.mjs', 'dashboard', '--db', join(dir, 'none.db'), '--dashboard.port', '0', '--json']).catch((e: { code: number; stdout: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect(JSON.parse((failed as { stdout: string }).stdout).error).toMatchObject({ code: 'E_DB_MISSING', hint: expect.stringContaining('--db') });
  }, 60_000);
});
