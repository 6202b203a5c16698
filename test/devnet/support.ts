/**
 * Shared steps for the devnet tests: an ApiPromise on a fresh devnet, and `send`, which signs,
 * submits and resolves with the included result (events decoded) or rejects with the RPC error.
 */
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { ISubmittableResult } from '@polkadot/types/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevnet, type TestDevnet, type TestDevnetOptions } from '../helpers/devnet.js';

export interface Session {
  devnet: TestDevnet;
  api: ApiPromise;
  keyring: Keyring;
  close(): Promise<void>;
}

export async function openSession(opts: TestDevnetOptions = {}): Promise<Session> {
  await cryptoWaitReady();
  const devnet = await startDevnet(opts);
  const api = await ApiPromise.create({ provider: new WsProvider(devnet.endpoint), noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  return {
    devnet,
    api,
    keyring,
    close: async () => {
      await api.disconnect();
      await devnet.close();
    },
  };
}

export interface Included {
  result: ISubmittableResult;
  events: { section: string; method: string; data: unknown[] }[];
  /** `section.Name` of the module error when the extrinsic failed, else undefined. */
  error?: string;
}

export function send(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<Included> {
  return new Promise((resolve, reject) => {
    let settled = false;
    tx.signAndSend(signer, { nonce: -1 }, (result) => {
      // Finalized alone also settles: the client skips InBlock if Finalized comes before its event fetch.
      if (settled || !(result.status.isInBlock || result.status.isFinalized)) return;
      settled = true;
      const events = result.events.map(({ event }) => ({ section: event.section, method: event.method, data: event.data.toJSON() as unknown[] }));
      let error: string | undefined;
      if (result.dispatchError) {
        if (result.dispatchError.isModule) {
          const meta = api.registry.findMetaError(result.dispatchError.asModule);
          error = `${meta.section}.${meta.name}`;
        } else {
          error = result.dispatchError.type;
        }
      }
      resolve({ result, events, ...(error ? { error } : {}) });
    }).catch(reject);
  });
}

/** The inner result of Sudo.sudo: 'ok' or the error name. */
export function sudoResult(api: ApiPromise, included: Included): string {
  const sudid = included.result.events.find(({ event }) => event.section === 'sudo' && event.method === 'Sudid');
  if (!sudid) throw new Error(`no Sudid event (${included.error ?? 'no error'})`);
  const res = (sudid.event.data as unknown as { sudoResult: { isOk: boolean; asErr: { isModule: boolean; asModule: unknown; type: string } } }).sudoResult;
  if (res.isOk) return 'ok';
  if (res.asErr.isModule) {
    const meta = api.registry.findMetaError(res.asErr.asModule as never);
    return `${meta.section}.${meta.name}`;
  }
  return res.asErr.type;
}

export function netuidFrom(included: Included): number {
  const added = included.events.find((e) => e.section === 'subtensorModule' && e.method === 'NetworkAdded');
  if (!added) throw new Error(`no NetworkAdded event (${included.error ?? 'no error'})`);
  return Number(added.data[0]);
}

/** One JSON-RPC call over HTTP, bypassing @polkadot/api (which refuses to encode invalid bytes). */
export async function rawRpc(endpoint: string, method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }> {
  const res = await fetch(endpoint.replace(/^ws/, 'http'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
}

export interface TestSubnet {
  netuid: number;
  owner: KeyringPair;
  ownerHot: KeyringPair;
  validator: KeyringPair;
  validatorHot: KeyringPair;
  miners: KeyringPair[];
  minerHots: KeyringPair[];
}

/**
 * A started subnet (owner //Alice) with commit-reveal off, one validator hotkey (//Bob's, uid 1,
 * `validatorStake` TAO staked) and miner hotkeys (//Charlie's, //Dave's: uids 2, 3), advanced one epoch
 * so the validator holds a permit. `rateLimit` sets WeightsSetRateLimit (as root); undefined keeps 100.
 */
export async function setupSubnet(s: Session, opts: { rateLimit?: number; validatorStake?: bigint; commitReveal?: boolean } = {}): Promise<TestSubnet> {
  const k = s.keyring;
  const owner = k.addFromUri('//Alice');
  const ownerHot = k.addFromUri('//Alice//hot');
  const validator = k.addFromUri('//Bob');
  const validatorHot = k.addFromUri('//Bob//hot');
  const miners = [k.addFromUri('//Charlie'), k.addFromUri('//Dave')];
  const minerHots = [k.addFromUri('//Charlie//hot'), k.addFromUri('//Dave//hot')];
  const tx = s.api.tx;
  const must = async (p: Promise<Included>): Promise<Included> => {
    const r = await p;
    if (r.error) throw new Error(`setup step failed: ${r.error}`);
    return r;
  };
  const netuid = netuidFrom(await must(send(s.api, tx.subtensorModule.registerNetwork(ownerHot.address), owner)));
  await must(send(s.api, tx.subtensorModule.startCall(netuid), owner));
  if (!opts.commitReveal) await must(send(s.api, tx.adminUtils.sudoSetCommitRevealWeightsEnabled(netuid, false), owner));
  if (opts.rateLimit !== undefined) await must(send(s.api, tx.sudo.sudo(tx.adminUtils.sudoSetWeightsSetRateLimit(netuid, opts.rateLimit)), owner));
  await must(send(s.api, tx.subtensorModule.burnedRegister(netuid, validatorHot.address), validator));
  for (const [i, m] of miners.entries()) await must(send(s.api, tx.subtensorModule.burnedRegister(netuid, minerHots[i]!.address), m));
  await must(send(s.api, tx.subtensorModule.addStake(validatorHot.address, netuid, opts.validatorStake ?? 100_000_000_000n), validator));
  const tempo = ((await s.api.query.subtensorModule.tempo(netuid)) as unknown as { toNumber(): number }).toNumber();
  await s.devnet.newBlock(tempo);
  return { netuid, owner, ownerHot, validator, validatorHot, miners, minerHots };
}
