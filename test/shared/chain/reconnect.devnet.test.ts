/**
 * A client outlives its node: the devnet stops and comes back on the same port (resuming its state),
 * and the client reconnects by itself and carries on, nonces included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDevnet, type Devnet } from '../../../devnet/devnet.js';
import { connect, type ChainClient } from '../../../shared/chain/index.js';
import { createLogger } from '../../../shared/log.js';
import { devKeys } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'flopnet-reconnect-'));
let devnet: Devnet | undefined;
let client: ChainClient | undefined;
afterAll(async () => {
  await client?.close();
  await devnet?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reconnect', () => {
  it('reconnects with backoff after the node restarts and keeps sending', async () => {
    const keys = await devKeys();
    const state = join(dir, 'state.json');
    devnet = await startDevnet({ port: 0, stateFile: state, blockMode: 'instant' });
    const port = devnet.port;
    const lines: string[] = [];
    client = await connect({ endpoint: devnet.endpoint, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }) });
    await client.transfer({ from: keys.alice, to: keys.pauper.address, amount: 1_000_000_000n });
    await devnet.close();
    devnet = undefined;
    await new Promise((r) => setTimeout(r, 1200));
    devnet = await startDevnet({ port, stateFile: state, blockMode: 'instant' });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (lines.some((l) => l.includes('reconnected'))) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    await client.transfer({ from: keys.alice, to: keys.pauper.address, amount: 1_000_000_000n });
    expect((await client.getBalance({ address: keys.pauper.address })).free).toBe(2_000_000_000n);
    expect(lines.filter((l) => l.includes('connection lost'))).toHaveLength(1);
  });
});
