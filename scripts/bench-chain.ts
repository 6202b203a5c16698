/**
 * What the chain client costs against the embedded devnet: connect, a transaction to InBlock, and a
 * full-subnet metagraph read (256 uids) through NeuronInfoRuntimeApi and through batched storage.
 *
 *   npx tsx scripts/bench-chain.ts [--runs 20]
 */
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevnet } from '../devnet/devnet.js';
import { connect, MetagraphSync } from '../shared/chain/index.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 20) || 20;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const fmt = (xs: number[]) => `median ${quantile(xs, 0.5).toFixed(1)} ms, p95 ${quantile(xs, 0.95).toFixed(1)} ms (n=${xs.length})`;
async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const alice = keyring.addFromUri('//Alice');
const devnet = await startDevnet({ port: 0, blockMode: 'instant' });

const connects: number[] = [];
for (let i = 0; i < 5; i++) {
  const [ms, c] = await time(() => connect({ endpoint: devnet.endpoint }));
  connects.push(ms);
  await c.close();
}
const client = await connect({ endpoint: devnet.endpoint });
const { netuid } = await client.registerNetwork({ coldkey: alice, hotkey: keyring.addFromUri('//Alice_hk').address });
await client.startCall({ coldkey: alice, netuid });

// 255 registrations paid by one coldkey, 16 in flight at a time: every one needs its own nonce.
const inBlock: number[] = [];
const hotkeys = Array.from({ length: 255 }, (_, i) => keyring.addFromUri(`//bench_hk_${i}`).address);
const [regMs] = await time(async () => {
  for (let i = 0; i < hotkeys.length; i += 16) {
    await Promise.all(
      hotkeys.slice(i, i + 16).map(async (hotkey) => {
        const [ms] = await time(() => client.burnedRegister({ coldkey: alice, hotkey, netuid }));
        inBlock.push(ms);
      }),
    );
  }
});

const viaApi: number[] = [];
const viaStorage: number[] = [];
let n = 0;
for (let i = 0; i < runs; i++) {
  const [a, m] = await time(() => client.getMetagraph({ netuid, source: 'runtime-api' }));
  viaApi.push(a);
  n = m.neurons.length;
  const [b] = await time(() => client.getMetagraph({ netuid, source: 'storage' }));
  viaStorage.push(b);
}
const sync = new MetagraphSync(client, { netuid });
const [firstSync] = await time(() => sync.start());
sync.stop();

console.log(`connect: ${fmt(connects)}`);
console.log(`burned_register to InBlock (16 in flight from one coldkey): ${fmt(inBlock)}; 255 in ${(regMs / 1000).toFixed(1)} s`);
console.log(`getMetagraph (${n} uids) via NeuronInfoRuntimeApi: ${fmt(viaApi)}`);
console.log(`getMetagraph (${n} uids) via storage: ${fmt(viaStorage)}`);
console.log(`MetagraphSync first read: ${firstSync.toFixed(1)} ms`);
await client.close();
await devnet.close();
