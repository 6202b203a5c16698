/**
 * Bad extrinsics are refused with the JSON-RPC error a Substrate node returns (code 1010 "Invalid
 * Transaction" with InvalidTransaction's message, 1001 for undecodable bytes), and the chain goes on
 * producing blocks. ed25519 keys make the signed bytes deterministic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { openSession, rawRpc, send, type Session } from './support.js';

describe('extrinsic admission', () => {
  let s: Session;
  let signer: KeyringPair;
  let other: KeyringPair;

  beforeAll(async () => {
    s = await openSession();
    const ed = new Keyring({ type: 'ed25519', ss58Format: 42 });
    signer = ed.addFromUri('//extrinsic-test');
    other = ed.addFromUri('//extrinsic-test-2');
  });
  afterAll(() => s?.close());

  const remark = (text = 'flopnet'): SubmittableExtrinsic<'promise'> => s.api.tx.system.remark(text);
  const submit = (hex: string) => s.api.rpc.author.submitExtrinsic(hex);
  const nonceOf = async (pair: KeyringPair) => ((await s.api.query.system.account(pair.address)) as any).nonce.toNumber() as number;

  it('accepts a valid ed25519-signed extrinsic from an account with no balance', async () => {
    const r = await send(s.api, remark(), signer);
    expect(r.error).toBeUndefined();
    expect(await nonceOf(signer)).toBe(1);
  });

  it('rejects a corrupted signature: 1010 bad signature', async () => {
    const tx = await remark('bad-sig').signAsync(signer, { nonce: await nonceOf(signer) });
    const sig = tx.signature.toHex().slice(2);
    const flipped = sig.slice(0, 10) + (sig[10] === '0' ? '1' : '0') + sig.slice(11);
    await expect(submit(tx.toHex().replace(sig, flipped))).rejects.toThrow('1010: Invalid Transaction: Transaction has a bad signature');
  });

  it('rejects a stale nonce and a nonce beyond the queue: outdated / future', async () => {
    const stale = await remark('stale').signAsync(signer, { nonce: 0 });
    await expect(submit(stale.toHex())).rejects.toThrow('1010: Invalid Transaction: Transaction is outdated');
    const future = await remark('future').signAsync(signer, { nonce: (await nonceOf(signer)) + 5 });
    await expect(submit(future.toHex())).rejects.toThrow('1010: Invalid Transaction: Transaction will be valid in the future');
  });

  it('rejects a signature over another genesis hash: 1010 bad signature', async () => {
    const tx = remark('genesis');
    tx.sign(signer, {
      blockHash: s.api.genesisHash,
      genesisHash: '0x' + '11'.repeat(32),
      nonce: await nonceOf(signer),
      runtimeVersion: s.api.runtimeVersion,
      signedExtensions: s.api.registry.signedExtensions,
    });
    await expect(submit(tx.toHex())).rejects.toThrow('1010: Invalid Transaction: Transaction has a bad signature');
  });

  it('rejects a transaction whose mortal era has passed: 1010 bad signature, as Substrate reports it', async () => {
    const head = await s.api.rpc.chain.getHeader();
    const tx = await remark('mortal').signAsync(signer, {
      nonce: await nonceOf(signer),
      blockHash: head.hash,
      era: s.api.createType('ExtrinsicEra', { current: head.number.toNumber(), period: 4 }),
    });
    await s.devnet.newBlock(8);
    await expect(submit(tx.toHex())).rejects.toThrow('1010: Invalid Transaction: Transaction has a bad signature');
  });

  it('rejects an unknown call index and truncated bytes: 1001 invalid format', async () => {
    const tx = await remark('unknown').signAsync(signer, { nonce: await nonceOf(signer) });
    const method = tx.method.toHex().slice(2);
    const raw = (hex: string) => rawRpc(s.devnet.endpoint, 'author_submitExtrinsic', [hex]);
    expect((await raw(tx.toHex().replace(method, '07fa' + method.slice(4)))).error).toEqual({
      code: 1001,
      message: "Extrinsic has invalid format: Could not decode `RuntimeCall`, variant doesn't exist",
    });
    expect((await raw(tx.toHex().replace(method, '63' + method.slice(2)))).error?.code).toBe(1001);
    expect((await raw(tx.toHex().slice(0, -8))).error).toEqual({ code: 1001, message: 'Extrinsic has invalid format: Not enough data to fill buffer' });
    expect((await raw('0x1234')).error?.code).toBe(1001);
  });

  it('rejects an extrinsic larger than a block allows: 1010 exhausts resources', async () => {
    const big = '0x' + 'ab'.repeat(4 * 1024 * 1024);
    const tx = await s.api.tx.system.remark(big).signAsync(signer, { nonce: await nonceOf(signer) });
    await expect(submit(tx.toHex())).rejects.toThrow('1010: Invalid Transaction: Transaction would exhaust the block limits');
  });

  it('rejects Sudo from a signer that is not the sudo key: 1010 invalid signing address', async () => {
    const tx = await s.api.tx.sudo.sudo(remark('sudo')).signAsync(other, { nonce: 0 });
    await expect(submit(tx.toHex())).rejects.toThrow('1010: Invalid Transaction: Invalid signing address');
  });

  it('answers malformed JSON-RPC frames with errors and keeps serving', async () => {
    const ws = new WebSocket(s.devnet.endpoint);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const replies: unknown[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
    ws.send('{not json');
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1 }));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'no_such_method', params: [] }));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'chain_getBlockHash', params: ['nope'] }));
    ws.send(Buffer.from([0xff, 0xfe, 0x00]));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'system_chain', params: [] }));
    await new Promise((r) => setTimeout(r, 200));
    ws.close();
    expect(replies).toContainEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    expect(replies).toContainEqual({ jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'Invalid request' } });
    expect(replies).toContainEqual({ jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method not found: no_such_method' } });
    expect(replies).toContainEqual(expect.objectContaining({ id: 3, error: expect.objectContaining({ code: -32602 }) }));
    expect(replies).toContainEqual({ jsonrpc: '2.0', id: 4, result: 'flopnet devnet' });
  });

  it('keeps producing blocks and accepting transactions after all of that', async () => {
    const before = (await s.api.rpc.chain.getHeader()).number.toNumber();
    const r = await send(s.api, remark('after'), signer);
    expect(r.error).toBeUndefined();
    await s.devnet.newBlock(2);
    expect((await s.api.rpc.chain.getHeader()).number.toNumber()).toBe(before + 3);
  });
});
