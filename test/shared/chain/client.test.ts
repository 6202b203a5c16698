import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connect } from '../../../shared/chain/client.js';
import { ChainConnectionError } from '../../../shared/chain/errors.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('connect', () => {
  it('gives up on an endpoint nobody answers at, within the timeout, naming it', async () => {
    const endpoint = `ws://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const error = await connect({ endpoint, timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainConnectionError);
    expect((error as ChainConnectionError).code).toBe('E_CHAIN_UNREACHABLE');
    expect((error as Error).message).toContain(endpoint);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect((error as ChainConnectionError).hint).toMatch(/--subtensor\.network|--subtensor\.chain_endpoint/);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('gives up on a TCP server that never speaks WebSocket', async () => {
    const server = createServer((socket) => socket.on('error', () => undefined)).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const endpoint = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      await expect(connect({ endpoint, timeoutMs: 1500 })).rejects.toThrow(endpoint);
    } finally {
      server.close();
    }
  });

  it('refuses a URL that is not ws:// or wss://', async () => {
    await expect(connect({ endpoint: 'http://127.0.0.1:9944', timeoutMs: 1000 })).rejects.toMatchObject({ code: 'E_CHAIN_ENDPOINT' });
  });

  it('stops connecting when aborted', async () => {
    const ac = new AbortController();
    const endpoint = `ws://127.0.0.1:${await freePort()}`;
    setTimeout(() => ac.abort(new Error('stop')), 200);
    await expect(connect({ endpoint, timeoutMs: 10_000, signal: ac.signal })).rejects.toThrow('stop');
  });
});
