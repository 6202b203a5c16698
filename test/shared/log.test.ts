import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/log.js';

function capture(format: 'text' | 'json', level: 'debug' | 'info' = 'info') {
  const lines: string[] = [];
  return { lines, log: createLogger({ format, level, write: (l) => lines.push(l) }) };
}

describe('logger', () => {
  it('drops lines below its level', () => {
    const { lines, log } = capture('text');
    log.debug('hidden');
    log.info('shown', { n: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/INFO {2}shown {2}n=1$/);
  });

  it('writes one JSON object per line with component and fields', () => {
    const { lines, log } = capture('json');
    log.child('miner', { hotkey: '5F' }).warn('slow', { ms: 12.5 });
    const obj = JSON.parse(lines[0]!);
    expect(obj).toMatchObject({ level: 'warn', component: 'miner', msg: 'slow', hotkey: '5F', ms: 12.5 });
  });

  it('never writes secrets, whatever a caller passes', () => {
    const { lines, log } = capture('json');
    log.info('created', { mnemonic: 'abandon abandon', password: 'pw', secretSeed: '0x01', ss58: '5G' });
    const obj = JSON.parse(lines[0]!);
    expect(obj.mnemonic).toBe('[redacted]');
    expect(obj.password).toBe('[redacted]');
    expect(obj.secretSeed).toBe('[redacted]');
    expect(obj.ss58).toBe('5G');
    expect(lines[0]).not.toContain('abandon');
  });
});
