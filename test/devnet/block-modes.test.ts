/** Block modes: interval builds blocks on a timer, manual only on dev_newBlock; statuses ready → inBlock → finalized. */
import { describe, expect, it } from 'vitest';
import type { ExtrinsicStatus } from '@polkadot/types/interfaces';
import { openSession, rawRpc } from './support.js';

describe('block modes', () => {
  it('interval: blocks arrive on their own and a transfer goes ready → inBlock → finalized', async () => {
    const s = await openSession({ blockMode: 'interval', blockTimeMs: 100 });
    try {
      const heads: number[] = [];
      const unsub = await s.api.rpc.chain.subscribeNewHeads((h) => {
        heads.push(h.number.toNumber());
      });
      const alice = s.keyring.addFromUri('//Alice');
      const bob = s.keyring.addFromUri('//Bob');
      const statuses = await new Promise<string[]>((resolve, reject) => {
        const seen: string[] = [];
        s.api.tx.balances
          .transferKeepAlive(bob.address, 1_000_000_000n)
          .signAndSend(alice, (r: { status: ExtrinsicStatus }) => {
            seen.push(r.status.type);
            if (r.status.isFinalized) resolve(seen);
          })
          .catch(reject);
      });
      unsub();
      expect(statuses).toEqual(['Ready', 'InBlock', 'Finalized']);
      expect(heads.length).toBeGreaterThanOrEqual(2);
      expect(heads).toEqual([...heads].sort((a, b) => a - b));
    } finally {
      await s.close();
    }
  });

  it('manual: a submitted extrinsic waits in the pool until dev_newBlock', async () => {
    const s = await openSession({ blockMode: 'manual' });
    try {
      const alice = s.keyring.addFromUri('//Alice');
      const tx = await s.api.tx.system.remark('0x01').signAsync(alice, { nonce: 0 });
      await s.api.rpc.author.submitExtrinsic(tx.toHex());
      expect((await rawRpc(s.devnet.endpoint, 'author_pendingExtrinsics', [])).result).toEqual([tx.toHex()]);
      expect((await s.api.rpc.system.accountNextIndex(alice.address)).toNumber()).toBe(1);
      expect((await s.api.rpc.chain.getHeader()).number.toNumber()).toBe(0);
      const hash = (await rawRpc(s.devnet.endpoint, 'dev_newBlock', [])).result as string;
      const block = await s.api.rpc.chain.getBlock(hash);
      expect(block.block.extrinsics.map((x) => x.toHex())).toEqual([tx.toHex()]);
      expect((await rawRpc(s.devnet.endpoint, 'author_pendingExtrinsics', [])).result).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
