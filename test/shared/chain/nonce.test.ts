import { describe, expect, it } from 'vitest';
import { NonceTracker } from '../../../shared/chain/nonce.js';

describe('NonceTracker', () => {
  it('gives two quick calls from one key consecutive nonces even while the chain still reports the old one', async () => {
    const tracker = new NonceTracker(async () => 7);
    const seen: number[] = [];
    await Promise.all([tracker.withNonce('a', async (n) => void seen.push(n)), tracker.withNonce('a', async (n) => void seen.push(n))]);
    expect(seen).toEqual([7, 8]);
  });

  it('never goes below the chain nonce (another client used the key)', async () => {
    let chain = 3;
    const tracker = new NonceTracker(async () => chain);
    await tracker.withNonce('a', async () => undefined);
    chain = 10;
    expect(await tracker.withNonce('a', async (n) => n)).toBe(10);
  });

  it('starts again from the chain after a refusal, and passes the refusal on', async () => {
    const tracker = new NonceTracker(async () => 5);
    await tracker.withNonce('a', async () => undefined); // local next = 6
    await expect(tracker.withNonce('a', async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(await tracker.withNonce('a', async (n) => n)).toBe(5);
  });

  it('serialises per key but lets other keys proceed', async () => {
    const tracker = new NonceTracker(async () => 0);
    let releaseA!: () => void;
    const a = tracker.withNonce('a', () => new Promise<void>((r) => (releaseA = r)));
    const b = await tracker.withNonce('b', async (n) => n);
    expect(b).toBe(0);
    releaseA();
    await a;
  });
});
