/**
 * The main job end to end: `flopnet demo --epochs 1 --json` as a user runs it — a devnet, miners and
 * validators as separate processes over real WebSockets — and the verdict it prints.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SHARED_BOUND, type DemoResult } from '../../scripts/demo/report.js';

function runDemo(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/flopnet.mjs', 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('flopnet demo', () => {
  it('pays honest miners, pays the cheater nothing, and pays one device behind two hotkeys as one', async () => {
    const { status, stdout, stderr } = await runDemo(['--epochs', '1', '--backend', 'cpu', '--json']);
    expect(status, stderr.slice(-3000)).toBe(0);
    const result = JSON.parse(stdout) as Omit<DemoResult, 'miners'> & { miners: (Omit<DemoResult['miners'][number], 'emission'> & { emission: string })[] };

    const roles = result.miners.map((m) => m.role).sort();
    expect(roles).toEqual(['cheater', 'honest', 'shared-backend', 'shared-backend']);
    const honest = result.miners.filter((m) => m.role === 'honest');
    const cheater = result.miners.find((m) => m.role === 'cheater')!;
    const shared = result.miners.filter((m) => m.role === 'shared-backend');

    for (const m of honest) {
      expect(BigInt(m.emission)).toBeGreaterThan(0n);
      expect(m.weight).toBeGreaterThan(0);
      expect(m.tflops['fp32']).toBeGreaterThan(0);
    }
    expect(BigInt(cheater.emission)).toBe(0n);
    expect(cheater.weight).toBe(0);
    expect(cheater.incentive).toBe(0);
    // One device behind two hotkeys is paid as one device (SHARED_BOUND allows for unequal CPU processes).
    const pair = shared.reduce((sum, m) => sum + m.weight, 0);
    expect(pair).toBeGreaterThan(0);
    expect(pair / honest[0]!.weight).toBeLessThan(SHARED_BOUND);
    expect(result.sharedRatio).toBeCloseTo(pair / honest[0]!.weight, 6);

    expect(result.validators).toHaveLength(2);
    expect(result.validators.every((v) => v.rounds > 0)).toBe(true);
    expect(result.totalTflops).toBeGreaterThan(0);
    expect(result.checks).toEqual({ honestEarned: true, cheaterEarnedNothing: true, sharedAsOneDevice: true });
    expect(result.passed).toBe(true);
    // Progress lines on stderr, one per validator round.
    expect(stderr).toMatch(/validator uid \d+ round \d+ @ block \d+: \d+\/\d+ verified/);
  }, 240_000);

  it('refuses a bad setting before starting anything', async () => {
    const { status, stdout } = await runDemo(['--miners', '1', '--json']);
    expect(status).toBe(2);
    expect(JSON.parse(stdout).error).toMatchObject({ code: 'E_CONFIG_VALUE', message: expect.stringContaining('--miners') });
  });
});
