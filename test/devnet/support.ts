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
    tx.signAndSend(signer, { nonce: -1 }, (result) => {
      if (!result.status.isInBlock) return;
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
