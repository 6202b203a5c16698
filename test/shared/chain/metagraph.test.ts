import { describe, expect, it } from 'vitest';
import { MetagraphSync, type MetagraphSource } from '../../../shared/chain/metagraph.js';
import type { Metagraph } from '../../../shared/chain/types.js';

function fakeChain() {
  let block = 100;
  let reads = 0;
  let fail = false;
  let onBlock: ((b: { number: number; hash: string }) => void) | undefined;
  const source: MetagraphSource = {
    getMetagraph: async ({ netuid }) => {
      reads++;
      if (fail) throw new Error('node went away');
      return { netuid, block, neurons: [] } satisfies Metagraph;
    },
    subscribeBlocks: async (cb) => {
      onBlock = cb;
      return () => (onBlock = undefined);
    },
  };
  return {
    source,
    reads: () => reads,
    setFail: (f: boolean) => (fail = f),
    advance: async (n = 1) => {
      for (let i = 0; i < n; i++) {
        block++;
        onBlock?.({ number: block, hash: '0x' });
        await new Promise((r) => setImmediate(r));
      }
    },
    subscribed: () => onBlock !== undefined,
  };
}

describe('MetagraphSync', () => {
  it('reads at start, then again every N blocks, emitting update', async () => {
    const chain = fakeChain();
    const sync = new MetagraphSync(chain.source, { netuid: 3, everyBlocks: 3 });
    const blocks: number[] = [];
    sync.on('update', (m) => blocks.push(m.block));
    expect((await sync.start()).block).toBe(100);
    await chain.advance(2);
    expect(chain.reads()).toBe(1);
    await chain.advance(1);
    expect(blocks).toEqual([100, 103]);
    expect(sync.metagraph?.block).toBe(103);
    sync.stop();
    expect(chain.subscribed()).toBe(false);
  });

  it('keeps the last metagraph when a read fails and reports the error', async () => {
    const chain = fakeChain();
    const sync = new MetagraphSync(chain.source, { netuid: 3, everyBlocks: 1 });
    await sync.start();
    const errors: unknown[] = [];
    sync.on('error', (e) => errors.push(e));
    chain.setFail(true);
    await chain.advance(1);
    expect(errors).toHaveLength(1);
    expect(sync.metagraph?.block).toBe(100);
    chain.setFail(false);
    await chain.advance(1);
    expect(sync.metagraph?.block).toBe(102);
    sync.stop();
  });

  it('joins concurrent refreshes into one read', async () => {
    const chain = fakeChain();
    const sync = new MetagraphSync(chain.source, { netuid: 1 });
    await Promise.all([sync.refresh(), sync.refresh()]);
    expect(chain.reads()).toBe(1);
  });
});
