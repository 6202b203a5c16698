/**
 * The dendrite against scripted axons: every way a miner can fail is a typed result, timing is the
 * validator's own, and a fan-out is concurrent.
 */
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeFrame, encode } from '../../shared/protocol/codec.js';
import type { RequestFrame } from '../../shared/protocol/messages.js';
import { createSigner, cryptoReady, requestDigest, signResponse, type Signer } from '../../shared/protocol/signing.js';
import { Dendrite, axonTarget, type AxonTarget } from '../../validator/dendrite.js';
import { challenge, neuron, pair } from '../miner/fixtures.js';

await cryptoReady();
const validator = createSigner(pair('//Alice'));
const minerSigner = createSigner(pair('//Miner'));
const impostor = createSigner(pair('//Mallory'));

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

type Script = (request: RequestFrame, ws: WebSocket) => void;

/** A WebSocket server that answers each request as `script` says. */
async function fakeAxon(script: Script, hotkey: Signer = minerSigner): Promise<AxonTarget> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => ws.on('message', (data) => script(decodeFrame(data as Buffer, 1 << 20) as RequestFrame, ws)));
  closers.push(() => new Promise((r) => (wss.clients.forEach((c) => c.terminate()), wss.close(r))));
  return { hotkey: hotkey.address, ip: '127.0.0.1', port: (wss.address() as { port: number }).port };
}

const answer = (signer: Signer, request: RequestFrame, body: unknown, status: 'ok' | 'error' = 'ok', digest = requestDigest(request)) =>
  encode(signResponse(signer, { op: request.op, id: request.id, receiver: request.sender, status, body: encode(body) }, digest));

const honest: Script = (request, ws) => ws.send(answer(minerSigner, request, { time: Date.now() }));

function dendrite(options: Partial<ConstructorParameters<typeof Dendrite>[0]> = {}): Dendrite {
  const d = new Dendrite({ signer: validator, timeoutMs: 1_000, ...options });
  closers.push(() => d.close());
  return d;
}

describe('dendrite', () => {
  it('takes targets from served axons only', () => {
    expect(axonTarget(neuron(3, 'hk', { axon: { block: 5, version: 1, ip: '10.0.0.2', port: 8091, ipType: 4, protocol: 4 } }))).toEqual({
      hotkey: 'hk',
      ip: '10.0.0.2',
      port: 8091,
      uid: 3,
    });
    expect(axonTarget(neuron(4, 'hk'))).toBeUndefined();
  });

  it('measures the round trip on its own clock', async () => {
    const target = await fakeAxon((request, ws) => setTimeout(() => ws.send(answer(minerSigner, request, { time: 0 })), 100));
    const d = dendrite();
    await d.connect([target]);
    const result = await d.ping(target);
    expect(result.ok).toBe(true);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(99);
    expect(result.elapsedMs).toBeLessThan(200);
    expect(result.receivedAt! - result.sentAt!).toBe(result.elapsedMs);
  });

  it('E_CONNECT when nothing listens, E_TOO_MANY_CONNECTIONS when the axon says so', async () => {
    const d = dendrite();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const nobody = await d.ping({ hotkey: minerSigner.address, ip: '127.0.0.1', port });
    expect(!nobody.ok && nobody.code).toBe('E_CONNECT');

    let attempts = 0;
    const full = createServer();
    full.on('upgrade', (_req, socket) => {
      attempts++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nX-Flopnet-Error: E_TOO_MANY_CONNECTIONS\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((r) => full.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => full.close(r)));
    const fullTarget = { hotkey: minerSigner.address, ip: '127.0.0.1', port: (full.address() as { port: number }).port };
    const refused = await d.ping(fullTarget);
    expect(!refused.ok && refused.code).toBe('E_TOO_MANY_CONNECTIONS');
    // A refused connection is not kept: the next call dials again.
    const again = await d.ping(fullTarget);
    expect(!again.ok && again.code).toBe('E_TOO_MANY_CONNECTIONS');
    expect(attempts).toBe(2);
  });

  it('E_TIMEOUT at the deadline when the axon stays silent', async () => {
    const target = await fakeAxon(() => undefined);
    const started = performance.now();
    const result = await dendrite().ping(target, { deadlineMs: 150 });
    expect(!result.ok && result.code).toBe('E_TIMEOUT');
    expect(result.sentAt).toBeDefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(149);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('E_BAD_RESPONSE_SIGNATURE for an impostor, or an answer bound to another request', async () => {
    const d = dendrite();
    const target = await fakeAxon((request, ws) => ws.send(answer(impostor, request, { time: 1 })));
    const r1 = await d.ping({ ...target, hotkey: minerSigner.address });
    expect(!r1.ok && r1.code).toBe('E_BAD_RESPONSE_SIGNATURE');
    const replaying = await fakeAxon((request, ws) => ws.send(answer(minerSigner, request, { time: 1 }, 'ok', new Uint8Array(32))));
    const r2 = await d.ping(replaying);
    expect(!r2.ok && r2.code).toBe('E_BAD_RESPONSE_SIGNATURE');
  });

  it('E_BAD_RESPONSE for a body that fails its schema or answers another challenge', async () => {
    const d = dendrite();
    const wrongShape = await fakeAxon((request, ws) => ws.send(answer(minerSigner, request, { time: 'noon' })));
    const r1 = await d.ping(wrongShape);
    expect(!r1.ok && r1.code).toBe('E_BAD_RESPONSE');
    const otherId = await fakeAxon((request, ws) => ws.send(answer(minerSigner, request, { id: 'f'.repeat(32), root: new Uint8Array(32) })));
    const r2 = await d.challenge(otherId, challenge());
    expect(!r2.ok && r2.code).toBe('E_BAD_RESPONSE');
    const garbage = await fakeAxon((request, ws) => ws.send(encode({ id: request.id, junk: true })));
    const r3 = await d.ping(garbage);
    expect(!r3.ok && r3.code).toBe('E_BAD_RESPONSE');
  });

  it('passes on a signed refusal with its code and retry hint', async () => {
    const target = await fakeAxon((request, ws) => ws.send(answer(minerSigner, request, { code: 'E_BUSY', message: 'busy', retryAfterMs: 500 }, 'error')));
    const result = await dendrite().ping(target);
    expect(result).toMatchObject({ ok: false, code: 'E_BUSY', retryAfterMs: 500, signed: true });
  });

  it('E_CLOSED when the axon drops the connection mid-request, and reconnects next time', async () => {
    let first = true;
    const target = await fakeAxon((request, ws) => {
      if (first) {
        first = false;
        ws.terminate();
      } else honest(request, ws);
    });
    const d = dendrite();
    const dropped = await d.ping(target);
    expect(!dropped.ok && dropped.code).toBe('E_CLOSED');
    expect((await d.ping(target)).ok).toBe(true);
  });

  it('fans out concurrently: results in target order, one dead miner costs the others nothing', async () => {
    const slow = (ms: number): Script => (request, ws) => setTimeout(() => ws.send(answer(minerSigner, request, { time: 0 })), ms);
    const targets = await Promise.all([fakeAxon(slow(120)), fakeAxon(() => undefined), fakeAxon(slow(120)), fakeAxon(slow(10))]);
    const d = dendrite();
    const started = performance.now();
    const results = await d.forward(targets, 'ping', {}, { deadlineMs: 400 });
    const wall = performance.now() - started;
    expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'E_TIMEOUT', 'ok', 'ok']);
    expect(results.map((r) => r.target.port)).toEqual(targets.map((t) => t.port));
    expect(wall).toBeLessThan(700);
    expect(results[3]!.elapsedMs!).toBeLessThan(results[0]!.elapsedMs!);
  });

  it('E_ABORTED when the caller aborts', async () => {
    const target = await fakeAxon(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await dendrite().ping(target, { signal: controller.signal });
    expect(!result.ok && result.code).toBe('E_ABORTED');
  });
});
