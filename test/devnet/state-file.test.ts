/** --state: a devnet saves its storage and head on close and resumes from them. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, send, netuidFrom } from './support.js';
import { startDevnet } from '../helpers/devnet.js';

const dir = mkdtempSync(join(tmpdir(), 'flopnet-devnet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('devnet state file', () => {
  it('resumes with the same genesis, head, storage and nonces', async () => {
    const file = join(dir, 'state.json');
    const first = await openSession({ state: file });
    const alice = first.keyring.addFromUri('//Alice');
    const netuid = netuidFrom(await send(first.api, first.api.tx.subtensorModule.registerNetwork(alice.address), alice));
    await first.devnet.newBlock(3);
    const genesis = first.api.genesisHash.toHex();
    const head = (await first.api.rpc.chain.getHeader()).number.toNumber();
    await first.close();

    const second = await openSession({ state: file });
    try {
      expect(second.api.genesisHash.toHex()).toBe(genesis);
      expect((await second.api.rpc.chain.getHeader()).number.toNumber()).toBe(head);
      expect((await second.api.query.subtensorModule.networksAdded(netuid)).toJSON()).toBe(true);
      const r = await send(second.api, second.api.tx.subtensorModule.startCall(netuid), alice);
      expect(r.error).toBeUndefined();
      expect(((await second.api.query.system.account(alice.address)) as any).nonce.toNumber()).toBe(2);
    } finally {
      await second.close();
    }
  });

  it('refuses a file that is not a devnet state, saying what to do', async () => {
    const file = join(dir, 'junk.json');
    writeFileSync(file, '{"hello": 1}');
    await expect(startDevnet({ state: file })).rejects.toThrow(/not a flopnet devnet state file/);
  });
});
