/**
 * Devnet performance against issue 4's targets:
 *   start-up ≤ 1 s; a block with 256 registered neurons ≤ 20 ms; an epoch for 256 neurons and 64
 *   validators ≤ 100 ms; ≥ 500 signed extrinsics per second accepted.
 *
 *   npx tsx scripts/bench-devnet.ts [--blocks 50] [--extrinsics 2000]
 *
 * Extrinsics are signed in-process beforehand (ed25519, as a wallet would); acceptance is timed over
 * WebSocket JSON-RPC (author_submitExtrinsic, pipelined), so decode, signature check and pool
 * admission are all inside the number.
 */
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import WebSocket from 'ws';
import { startDevnet, type Devnet } from '../devnet/devnet.js';
import { encodeSignedExtrinsic, type ExtrinsicSigner } from '../devnet/runtime/extrinsic.js';
import type { VariantValue } from '../devnet/runtime/types.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const BLOCKS = arg('blocks', 50);
const EXTRINSICS = arg('extrinsics', 2000);
const NEURONS = 256;
const VALIDATORS = 64;
const TAO = 1_000_000_000n;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

function signerOf(pair: KeyringPair): ExtrinsicSigner {
  return { publicKey: pair.publicKey, type: pair.type as 'ed25519', sign: (m) => pair.sign(m) };
}

/** Signs and applies calls through the pool and one manual block, as clients' extrinsics would be. */
function applyCalls(devnet: Devnet, calls: { signer: KeyringPair; call: VariantValue }[]): void {
  const chain = devnet.chain;
  const view = chain.view();
  const nonces = new Map<string, number>();
  for (const { signer, call } of calls) {
    const key = signer.address;
    const nonce = nonces.get(key) ?? chain.runtime.system.Account.get(chain.head, signer.publicKey).nonce;
    nonces.set(key, nonce + 1);
    chain.submit(u8aToHex(encodeSignedExtrinsic(chain.runtime, view, signerOf(signer), call, nonce)));
  }
  chain.newBlock();
}

const call = (pallet: string, name: string, value: Record<string, unknown>): VariantValue => ({ name: pallet, value: { name, value } });

async function startup(): Promise<{ devnet: number; connect: number }> {
  const t0 = performance.now();
  const devnet = await startDevnet({ port: 0, blockMode: 'manual' });
  const t1 = performance.now();
  const api = await ApiPromise.create({ provider: new WsProvider(devnet.endpoint), noInitWarn: true });
  const t2 = performance.now();
  await api.disconnect();
  await devnet.close();
  return { devnet: t1 - t0, connect: t2 - t1 };
}

async function fullSubnet(): Promise<{ normal: number[]; epoch: number[]; epochCpu: number[]; weightsBlock: number }> {
  const devnet = await startDevnet({ port: 0, blockMode: 'manual', poolChecks: false });
  const chain = devnet.chain;
  const sr = new Keyring({ type: 'sr25519' });
  const ed = new Keyring({ type: 'ed25519' });
  const alice = sr.addFromUri('//Alice');
  const hotkeys = Array.from({ length: NEURONS - 1 }, (_, i) => ed.addFromUri(`//bench//hot//${i}`));
  const owner = ed.addFromUri('//bench//owner-hot');
  applyCalls(devnet, [{ signer: alice, call: call('SubtensorModule', 'register_network', { hotkey: owner.publicKey }) }]);
  const netuid = 1;
  applyCalls(devnet, [
    { signer: alice, call: call('SubtensorModule', 'start_call', { netuid }) },
    { signer: alice, call: call('AdminUtils', 'sudo_set_commit_reveal_weights_enabled', { netuid, enabled: false }) },
    { signer: alice, call: call('Sudo', 'sudo', { call: call('AdminUtils', 'sudo_set_weights_set_rate_limit', { netuid, weights_set_rate_limit: 0n }) }) },
  ]);
  // The registration burn rises 26 % per registration within a block; register a few per block so it decays back.
  for (let i = 0; i < hotkeys.length; i += 8) {
    applyCalls(devnet, hotkeys.slice(i, i + 8).map((h) => ({ signer: alice, call: call('SubtensorModule', 'burned_register', { netuid, hotkey: h.publicKey }) })));
  }
  const validators = hotkeys.slice(0, VALIDATORS);
  applyCalls(devnet, validators.map((h, i) => ({ signer: alice, call: call('SubtensorModule', 'add_stake', { hotkey: h.publicKey, netuid, amount_staked: BigInt(100 + i) * TAO }) })));
  const n = chain.runtime.subtensor.storage.SubnetworkN.get(chain.head, netuid);
  if (n !== NEURONS) throw new Error(`expected ${NEURONS} neurons, got ${n}`);
  const tempo = chain.runtime.subtensor.storage.Tempo.get(chain.head, netuid);
  devnet.newBlock(tempo); // an epoch grants the permits
  const miners = Array.from({ length: NEURONS - 1 - VALIDATORS }, (_, k) => VALIDATORS + 1 + k);
  const t = performance.now();
  applyCalls(
    devnet,
    validators.map((h, v) => ({
      signer: h,
      call: call('SubtensorModule', 'set_weights', { netuid, dests: miners, weights: miners.map((m) => ((m * 7919 + v * 104729) % 65535) + 1), version_key: 0n }),
    })),
  );
  const weightsBlock = performance.now() - t;
  const normal: number[] = [];
  const epochs: number[] = [];
  const epochCpu: number[] = [];
  const epochIndex = () => chain.runtime.subtensor.storage.SubnetEpochIndex.get(chain.head, netuid);
  for (let i = 0; i < BLOCKS; i++) {
    const before = epochIndex();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    chain.newBlock();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (epochIndex() === before) normal.push(ms);
    else {
      epochs.push(ms);
      epochCpu.push((cpu.user + cpu.system) / 1000);
    }
  }
  const permits = chain.runtime.subtensor.storage.ValidatorPermit.get(chain.head, netuid).filter(Boolean).length;
  if (permits < VALIDATORS) throw new Error(`expected ${VALIDATORS}+ permits, got ${permits}`);
  await devnet.close();
  return { normal, epoch: epochs, epochCpu, weightsBlock };
}

async function throughput(): Promise<{ perSecond: number; included: number; seconds: number }> {
  const devnet = await startDevnet({ port: 0, blockMode: 'interval' });
  const chain = devnet.chain;
  const ed = new Keyring({ type: 'ed25519' });
  const signers = Array.from({ length: 100 }, (_, i) => ed.addFromUri(`//bench//tx//${i}`));
  const view = chain.view();
  const hexes = Array.from({ length: EXTRINSICS }, (_, i) => {
    const signer = signers[i % signers.length]!;
    const remark = call('System', 'remark', { remark: new TextEncoder().encode(`bench ${i}`) });
    return u8aToHex(encodeSignedExtrinsic(chain.runtime, view, signerOf(signer), remark, Math.floor(i / signers.length)));
  });
  const ws = new WebSocket(devnet.endpoint);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let answered = 0;
  let failed = 0;
  const start = performance.now();
  const done = new Promise<void>((resolve) =>
    ws.on('message', (data) => {
      const reply = JSON.parse(data.toString()) as { error?: unknown };
      if (reply.error) failed++;
      if (++answered === hexes.length) resolve();
    }),
  );
  hexes.forEach((hex, id) => ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'author_submitExtrinsic', params: [hex] })));
  await done;
  const seconds = (performance.now() - start) / 1000;
  if (failed) throw new Error(`${failed} extrinsics were refused`);
  await new Promise((r) => setTimeout(r, 600));
  let included = 0;
  for (let n = 1; n <= chain.bestBlock.number; n++) included += chain.blockByNumber(n)!.extrinsics.length;
  ws.close();
  await devnet.close();
  return { perSecond: hexes.length / seconds, included, seconds };
}

await cryptoWaitReady();
const cold = await startup();
const warm = await startup();
console.log(`start-up (in-process, first / again): devnet listening ${fmt(cold.devnet)} / ${fmt(warm.devnet)}; ApiPromise.create ${fmt(cold.connect)} / ${fmt(warm.connect)}`);
const blocks = await fullSubnet();
console.log(
  `256 neurons, 64 validators × 191 weights: block median ${fmt(median(blocks.normal))}, p95 ${fmt(p95(blocks.normal))}, max ${fmt(Math.max(...blocks.normal))} (${blocks.normal.length} blocks)`,
);
console.log(`epoch block wall: ${blocks.epoch.map(fmt).join(', ')}; CPU: ${blocks.epochCpu.map(fmt).join(', ')} (${blocks.epoch.length} epochs)`);
console.log(`block with 64 set_weights of 191 uids each: ${fmt(blocks.weightsBlock)}`);
const tx = await throughput();
console.log(`accepted ${EXTRINSICS} signed extrinsics in ${tx.seconds.toFixed(2)} s = ${Math.round(tx.perSecond)}/s over ws; ${tx.included} included in blocks`);
