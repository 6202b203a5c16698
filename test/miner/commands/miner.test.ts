/**
 * `flopnet miner` refuses a bad command line before touching the wallet, the chain or the device, and
 * says what to fix.
 */
import { describe, expect, it } from 'vitest';
import { runFlopnet } from '../../shared/chain/cli-fixtures.js';

describe('flopnet miner: usage', () => {
  it('needs --netuid and --axon.external_ip, and names the fix', async () => {
    const noNetuid = await runFlopnet(['miner', '--axon.external_ip', '203.0.113.7']);
    expect(noNetuid.status).toBe(2);
    expect(noNetuid.stderr).toContain('--netuid');
    const noIp = await runFlopnet(['miner', '--netuid', '1', '--json']);
    expect(noIp.status).toBe(2);
    expect(JSON.parse(noIp.stdout)).toMatchObject({ error: { code: 'E_USAGE', hint: expect.stringContaining('--axon.external_ip') } });
  });

  it('validates --backend, --axon.external_ip and --min-stake', async () => {
    for (const args of [
      ['--backend', 'tpu'],
      ['--axon.external_ip', 'localhost'],
      ['--min-stake', '1e-7'],
    ]) {
      const run = await runFlopnet(['miner', '--netuid', '1', '--axon.external_ip', '203.0.113.7', ...args, '--json']);
      expect(run.status, args.join(' ')).toBe(2);
      expect(JSON.parse(run.stdout).error.code).toBe('E_CONFIG_VALUE');
    }
  });
});
