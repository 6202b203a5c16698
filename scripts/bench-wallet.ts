/**
 * What wallet operations cost: the Argon2i derivation behind every $NACL keyfile (once per password
 * per process, then cached), opening an encrypted coldkey, loading a plaintext hotkey, reading an address.
 *
 *   npx tsx scripts/bench-wallet.ts [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deriveKey } from '../shared/wallet/nacl.js';
import { createWallet, loadColdkey, loadHotkey, readColdkeyPub } from '../shared/wallet/index.js';

const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 200;

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
async function time(fn: () => unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const path = mkdtempSync(join(tmpdir(), 'flopnet-bench-wallet-'));
try {
  const rssBefore = process.memoryUsage().rss;
  const derive = await time(() => deriveKey('bench-password-1'));
  const rssAfter = process.memoryUsage().rss;
  const cached = await time(() => deriveKey('bench-password-1'));
  await createWallet({ name: 'b', path, hotkey: 'default', password: 'bench-password-1' });

  const open: number[] = [];
  const hot: number[] = [];
  const pub: number[] = [];
  for (let i = 0; i < runs; i++) {
    open.push(await time(() => loadColdkey({ name: 'b', path, password: 'bench-password-1' })));
    hot.push(await time(() => loadHotkey({ name: 'b', hotkey: 'default', path })));
    pub.push(await time(() => readColdkeyPub({ name: 'b', path })));
  }
  const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 0)} ms`;
  console.log(`Argon2i derivation (first, per password): ${ms(derive)}, RSS +${((rssAfter - rssBefore) / 2 ** 20).toFixed(0)} MiB`);
  console.log(`cached derivation: ${ms(cached)}`);
  console.log(`loadColdkey ($NACL, cached key), median of ${runs}: ${ms(median(open))}`);
  console.log(`loadHotkey (plaintext, mnemonic → sr25519), median of ${runs}: ${ms(median(hot))}`);
  console.log(`readColdkeyPub, median of ${runs}: ${ms(median(pub))}`);
} finally {
  rmSync(path, { recursive: true, force: true });
}
