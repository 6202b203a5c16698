/**
 * The axon under attack, over real WebSockets: each hostile input is refused with its reason code, and
 * an honest validator is served before, during and after.
 */
import { connect as tcpConnect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Miner } from '../../miner/miner.js';
import { decodeErrorBody, decodeFrame, encode } from '../../shared/protocol/codec.js';
import { PROTOCOL_VERSION, type ErrorBody, type ResponseFrame } from '../../shared/protocol/messages.js';
import { createSigner, cryptoReady, signRequest, verifyResponse, requestDigest } from '../../shared/protocol/signing.js';
import { Dendrite, type AxonTarget } from '../../validator/dendrite.js';
import { FakeBackend, challenge, metagraph, neuron, pair, source } from './fixtures.js';

await cryptoReady();
const validator = pair('//Alice');
const noPermit = pair('//Bob');
const stranger = pair('//Eve');
const minerKey = pair('//Miner');
const graph = metagraph([
  neuron(0, validator.address, { validatorPermit: true, stake: 5_000_000_000_000n }),
  neuron(1, noPermit.address, { stake: 10_000_000_000n }),
  neuron(2, minerKey.address),
]);

interface Exchange {
  frame?: ResponseFrame;
  error?: ErrorBody;
  close?: number;
}

/** Sends raw bytes on a fresh connection; resolves with the first answer, or the close code. */
function exchange(port: number, payload: Uint8Array | string, binary = true): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    ws.on('error', () => undefined);
    ws.once('open', () => ws.send(payload, { binary }));
    ws.once('message', (data) => {
      const frame = decodeFrame(data as Buffer, 1 << 20) as ResponseFrame;
      ws.close();
      resolve({ frame, ...(frame.status === 'error' ? { error: decodeErrorBody(frame.body) } : {}) });
    });
    ws.once('close', (code) => resolve({ close: code }));
    setTimeout(() => reject(new Error('no answer')), 5_000).unref();
  });
}

const signed = (signer = validator, over: Partial<Parameters<typeof signRequest>[1]> = {}) =>
  signRequest(createSigner(signer), { op: 'ping', id: 7, receiver: minerKey.address, body: encode({}), ...over });

describe('axon', () => {
  let miner: Miner;
  let dendrite: Dendrite;
  let target: AxonTarget;

  const honestPing = async (): Promise<void> => {
    const result = await dendrite.ping(target);
    expect(result.ok, result.ok ? '' : `${result.code}: ${result.message}`).toBe(true);
  };

  beforeAll(async () => {
    miner = await Miner.start({
      signer: createSigner(minerKey),
      backend: new FakeBackend(),
      metagraph: source(graph),
      host: '127.0.0.1',
      port: 0,
      limits: { authTimeoutMs: 400, maxConnectionsPerAddress: 8 },
    });
    target = { hotkey: miner.hotkey, ip: '127.0.0.1', port: miner.port };
    dendrite = new Dendrite({ signer: createSigner(validator) });
    await honestPing();
  });
  afterAll(async () => {
    dendrite.close();
    await miner.close();
  });

  it('serves a signed ping from a permitted validator, signed back and bound to the request', async () => {
    const request = signed();
    const answer = await exchange(miner.port, encode(request));
    expect(answer.frame?.status).toBe('ok');
    expect(verifyResponse(answer.frame!, miner.hotkey, requestDigest(request))).toBe(true);
    expect(verifyResponse(answer.frame!, miner.hotkey, requestDigest(signed()))).toBe(false);
  });

  it('refuses a forged signature (claimed sender, signed by another key) before looking at policy', async () => {
    const forged = { ...signed(stranger), sender: validator.address };
    const answer = await exchange(miner.port, encode(forged));
    expect(answer.error?.code).toBe('E_BAD_SIGNATURE');
    expect(answer.frame?.signature).toBeNull();
    await honestPing();
  });

  it('refuses an all-zero signature and a missing one', async () => {
    expect((await exchange(miner.port, encode({ ...signed(), signature: new Uint8Array(64) }))).error?.code).toBe('E_BAD_SIGNATURE');
    expect((await exchange(miner.port, encode({ ...signed(), signature: new Uint8Array(0) }))).error?.code).toBe('E_SCHEMA');
    await honestPing();
  });

  it('refuses a body swapped under a valid signature', async () => {
    const request = signed(validator, { op: 'device', body: encode({}) });
    const answer = await exchange(miner.port, encode({ ...request, body: encode({ x: 1 }) }));
    expect(answer.error?.code).toBe('E_BAD_SIGNATURE');
  });

  it('refuses a request addressed to another hotkey', async () => {
    const answer = await exchange(miner.port, encode(signed(validator, { receiver: noPermit.address })));
    expect(answer.error?.code).toBe('E_WRONG_RECEIVER');
    await honestPing();
  });

  it('refuses a replayed nonce', async () => {
    const bytes = encode(signed());
    expect((await exchange(miner.port, bytes)).frame?.status).toBe('ok');
    expect((await exchange(miner.port, bytes)).error?.code).toBe('E_REPLAY');
    await honestPing();
  });

  it('refuses stale and future timestamps', async () => {
    expect((await exchange(miner.port, encode(signed(validator, { timestamp: Date.now() - 60_000 })))).error?.code).toBe('E_STALE');
    expect((await exchange(miner.port, encode(signed(validator, { timestamp: Date.now() + 60_000 })))).error?.code).toBe('E_STALE');
    await honestPing();
  });

  it('refuses a validly signed but unregistered sender, unsigned', async () => {
    const answer = await exchange(miner.port, encode(signed(stranger)));
    expect(answer.error?.code).toBe('E_NOT_REGISTERED');
    expect(answer.frame?.signature).toBeNull();
    await honestPing();
  });

  it('refuses a registered sender without a validator permit', async () => {
    expect((await exchange(miner.port, encode(signed(noPermit)))).error?.code).toBe('E_NO_PERMIT');
    await honestPing();
  });

  it('closes the connection on an oversized frame (1009) and keeps serving', async () => {
    expect((await exchange(miner.port, new Uint8Array(65 * 1024))).close).toBe(1009);
    await honestPing();
  });

  it('refuses malformed msgpack and text frames', async () => {
    expect((await exchange(miner.port, new Uint8Array([0xc1, 0xff, 0x00]))).error?.code).toBe('E_MALFORMED');
    expect((await exchange(miner.port, new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]))).error?.code).toBe('E_MALFORMED');
    expect((await exchange(miner.port, 'hello', false)).error?.code).toBe('E_MALFORMED');
    await honestPing();
  });

  it('refuses schema violations in the envelope and in a signed body', async () => {
    expect((await exchange(miner.port, encode({ v: PROTOCOL_VERSION, type: 'request', id: 3 }))).error?.code).toBe('E_SCHEMA');
    expect((await exchange(miner.port, encode([1, 2, 3]))).error?.code).toBe('E_SCHEMA');
    expect((await exchange(miner.port, encode({ ...signed(), v: 99 }))).error?.code).toBe('E_VERSION');
    // The id of an unreadable request is still echoed so the sender can match the refusal.
    expect((await exchange(miner.port, encode({ v: PROTOCOL_VERSION, type: 'request', id: 3 }))).frame?.id).toBe(3);
    const bad = signed(validator, { op: 'challenge', body: encode({ ...challenge(), m: 0 }) });
    const answer = await exchange(miner.port, encode(bad));
    expect(answer.error?.code).toBe('E_SCHEMA');
    // Past verify and policy, refusals are signed by the miner.
    expect(verifyResponse(answer.frame!, miner.hotkey, requestDigest(bad))).toBe(true);
    await honestPing();
  });

  it('reads a frame no further than its envelope, and a signed body no further than its budget', async () => {
    const u32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
    // 8 KiB frames, the most the axon reads: 8 K nils, 8 K empty maps, maps nested 4 K deep.
    const nils = Buffer.alloc(8000, 0xc0).fill(Buffer.from([0xdd, ...u32(7995)]), 0, 5);
    const maps = Buffer.alloc(8000, 0x80).fill(Buffer.from([0xdd, ...u32(7995)]), 0, 5);
    const nested = Buffer.alloc(8000, Buffer.from([0x81, 0xa0]));
    for (const frame of [nils, maps, nested]) expect((await exchange(miner.port, frame)).error?.code).toBe('E_SCHEMA');
    // A signed ping whose body is 7000 nils: past admission, refused by the body's budget (signed), not decoded.
    const request = signed(validator, { body: Buffer.alloc(7005, 0xc0).fill(Buffer.from([0xdd, ...u32(7000)]), 0, 5) });
    const answer = await exchange(miner.port, encode(request));
    expect(answer.error?.code).toBe('E_FRAME_TOO_LARGE');
    expect(verifyResponse(answer.frame!, miner.hotkey, requestDigest(request))).toBe(true);
    await honestPing();
  });

  it('answers random bytes and mutated valid frames with a refusal, never crashing', async () => {
    const valid = encode(signed());
    const mutated = fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
      const copy = Uint8Array.from(valid);
      copy[at] = value;
      return copy;
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 2048 }), mutated), async (bytes) => {
        const answer = await exchange(miner.port, bytes);
        // A mutation can leave the request intact (a byte replaced by itself): then it is served.
        expect(answer.error?.code ?? answer.frame?.status ?? answer.close).toBeDefined();
      }),
      { numRuns: 150 },
    );
    await honestPing();
  });

  it('closes a connection after 4 frames none of which was admitted; an admitted one may send more', async () => {
    const run = (frames: Uint8Array[]) =>
      new Promise<{ answers: string[]; close?: number }>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${miner.port}`);
        const answers: string[] = [];
        ws.once('open', () => frames.forEach((f) => ws.send(f)));
        ws.on('message', (data) => {
          const frame = decodeFrame(data as Buffer, 1 << 20) as ResponseFrame;
          answers.push(frame.status === 'ok' ? 'ok' : decodeErrorBody(frame.body).code);
          if (answers.length === frames.length) (ws.close(), resolve({ answers }));
        });
        ws.once('close', (code) => resolve({ answers, close: code }));
      });
    const strangers = await run([...Array(6)].map(() => encode(signed(stranger))));
    expect(strangers.answers).toEqual(['E_NOT_REGISTERED', 'E_NOT_REGISTERED', 'E_NOT_REGISTERED', 'E_NOT_REGISTERED']);
    expect(strangers.close).toBe(1008);
    const honest = await run([...Array(6)].map((_, id) => encode(signed(validator, { id }))));
    expect(honest.answers).toEqual(Array(6).fill('ok'));
    await honestPing();
  });

  it('cuts off a slowloris handshake and a slow frame, while serving the honest validator', async () => {
    const handshake = new Promise<number>((resolve) => {
      const started = Date.now();
      const socket = tcpConnect(miner.port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n'));
      const drip = setInterval(() => socket.writable && socket.write('X'), 50);
      socket.on('error', () => undefined);
      socket.on('close', () => (clearInterval(drip), resolve(Date.now() - started)));
    });
    const frame = new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${miner.port}`);
      ws.on('error', () => undefined);
      ws.once('open', () => {
        // A masked binary frame header announcing 1000 bytes, then one byte at a time.
        const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
        socket.write(Buffer.from([0x82, 0xfe, 0x03, 0xe8, 1, 2, 3, 4]));
        const drip = setInterval(() => socket.writable && socket.write(Buffer.from([0])), 50);
        ws.once('close', (code) => (clearInterval(drip), resolve(code)));
      });
    });
    for (let i = 0; i < 5; i++) {
      await honestPing();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await handshake).toBeLessThan(2_000);
    expect(await frame).toBe(1008);
    await honestPing();
  });

  it('refuses 1,000 connection attempts over the cap with E_TOO_MANY_CONNECTIONS, serving the honest validator throughout', async () => {
    const outcomes: Record<string, number> = {};
    const attempt = () =>
      new Promise<void>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${miner.port}`);
        ws.on('error', () => undefined);
        ws.once('unexpected-response', (_req, res) => {
          const key = `${res.statusCode} ${String(res.headers['x-flopnet-error'])}`;
          outcomes[key] = (outcomes[key] ?? 0) + 1;
          res.resume();
          ws.terminate();
          resolve();
        });
        ws.once('open', () => {
          outcomes['accepted'] = (outcomes['accepted'] ?? 0) + 1;
          // Accepted slots hold until the axon closes them for sending no admitted request.
          ws.once('close', (code) => {
            outcomes[`closed ${code}`] = (outcomes[`closed ${code}`] ?? 0) + 1;
          });
          resolve();
        });
        ws.once('close', () => resolve());
      });
    let most = 0;
    for (let wave = 0; wave < 10; wave++) {
      await Promise.all([...Array(100)].map(attempt));
      most = Math.max(most, miner.stats().connections);
      await honestPing();
    }
    const accepted = outcomes['accepted'] ?? 0;
    expect(most).toBeLessThanOrEqual(8);
    expect(outcomes['503 E_TOO_MANY_CONNECTIONS']).toBe(1000 - accepted);
    expect(accepted).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 600));
    expect(outcomes['closed 1008']).toBe(accepted);
    const c = challenge();
    const committed = await dendrite.challenge(target, c);
    expect(committed.ok).toBe(true);
  });
});

describe('axon limits', () => {
  it('refuses requests beyond the in-flight bound and the per-validator rate limit', async () => {
    const minerRate = await Miner.start({
      signer: createSigner(minerKey),
      backend: new FakeBackend(),
      metagraph: source(graph),
      host: '127.0.0.1',
      port: 0,
      limits: { maxInFlight: 1 },
      policy: { ratePerMinute: 60, rateBurst: 3 },
    });
    try {
      const codes = await new Promise<string[]>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${minerRate.port}`);
        const seen: string[] = [];
        ws.once('open', () => {
          // Three at once: the second and third find the first still in flight.
          for (let id = 1; id <= 3; id++) ws.send(encode(signed(validator, { id })));
        });
        ws.on('message', (data) => {
          const frame = decodeFrame(data as Buffer, 1 << 20) as ResponseFrame;
          seen.push(frame.status === 'ok' ? 'ok' : decodeErrorBody(frame.body).code);
          if (seen.length === 3) (ws.close(), resolve(seen));
        });
      });
      expect(codes.sort()).toEqual(['E_TOO_MANY_IN_FLIGHT', 'E_TOO_MANY_IN_FLIGHT', 'ok']);

      const dendrite = new Dendrite({ signer: createSigner(validator) });
      const t = { hotkey: minerKey.address, ip: '127.0.0.1', port: minerRate.port };
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await dendrite.ping(t));
      dendrite.close();
      // Burst 3, one already spent above: two more pass, then the limit.
      expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'ok', 'E_RATE_LIMITED', 'E_RATE_LIMITED']);
      const limited = results[2]!;
      expect(!limited.ok && limited.retryAfterMs).toBeGreaterThan(0);
      expect(!limited.ok && limited.signed).toBe(true);
    } finally {
      await minerRate.close();
    }
  });
});

/**
 * An outsider holding connections to `port` from many addresses (127.0.0.0/8 is all loopback): from
 * each, `perAddress` WebSockets that never send a frame and as many raw TCP sockets that never finish
 * their handshake, each replaced when it closes (at once if it had been accepted, after 250 ms if refused).
 */
function flood(port: number, addresses: string[], perAddress: number): { stop(): void; accepted(): number } {
  let stopped = false;
  let accepted = 0;
  const open: Array<{ close(): void }> = [];
  const again = (start: () => void, ms: number) => !stopped && setTimeout(start, ms).unref();
  const holdWebSocket = (localAddress: string): void => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { localAddress });
    let held = false;
    ws.on('error', () => undefined);
    ws.once('open', () => ((held = true), accepted++));
    ws.once('close', () => again(() => holdWebSocket(localAddress), held ? 0 : 250));
    open.push({ close: () => ws.terminate() });
  };
  const holdTcp = (localAddress: string): void => {
    const socket = tcpConnect({ port, host: '127.0.0.1', localAddress }, () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n'));
    socket.on('error', () => undefined);
    socket.once('close', () => again(() => holdTcp(localAddress), 250));
    open.push({ close: () => socket.destroy() });
  };
  for (const address of addresses) {
    for (let i = 0; i < perAddress; i++) {
      holdWebSocket(address);
      holdTcp(address);
    }
  }
  return {
    stop: () => {
      stopped = true;
      for (const o of open) o.close();
    },
    accepted: () => accepted,
  };
}

describe('axon under a connection flood from many addresses', () => {
  it('keeps serving validators while 16 addresses try to hold every slot', async () => {
    const miner = await Miner.start({
      signer: createSigner(minerKey),
      backend: new FakeBackend(),
      metagraph: source(graph),
      host: '127.0.0.1',
      port: 0,
      // The default budgets scaled down eightfold: 32 validator connections, 4 strangers' sockets.
      limits: { maxConnections: 32, maxConnectionsPerAddress: 8, maxUnauthenticated: 4, maxUnauthenticatedPerAddress: 2 },
    });
    const target = { hotkey: minerKey.address, ip: '127.0.0.1', port: miner.port };
    const outsider = flood(miner.port, Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`), 4);
    try {
      // Let the flood fill whatever it can before the first validator dials.
      await new Promise((r) => setTimeout(r, 500));
      const outcomes: string[] = [];
      for (let round = 0; round < 4; round++) {
        // A fresh dendrite each time: a new connection that has to get in, not one already admitted.
        const d = new Dendrite({ signer: createSigner(validator), timeoutMs: 3_000 });
        const pinged = await d.ping(target);
        const committed = await d.challenge(target, challenge());
        outcomes.push(pinged.ok ? 'ok' : pinged.code, committed.ok ? 'ok' : committed.code);
        d.close();
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(outcomes).toEqual(Array(8).fill('ok'));
      expect(outsider.accepted()).toBeGreaterThan(0);
      // Strangers never held more than their budget; the rest of the connections were the validators'.
      expect(miner.stats().connections).toBeLessThanOrEqual(4 + 1);
    } finally {
      outsider.stop();
      await miner.close();
    }
  });
});
