/**
 * The dendrite against scripted axons: every way a miner can fail is a typed result, timing is the
 * validator's own, and a fan-out is concurrent.
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { CpuBackend } from '../../miner/backends/cpu.js';
import { Miner } from '../../miner/miner.js';
import { DEFAULT_OPENED_ROWS } from '../../shared/challenge/openings.js';
import { decodeFrame, encode } from '../../shared/protocol/codec.js';
import type { RequestFrame } from '../../shared/protocol/messages.js';
import { createSigner, cryptoReady, requestDigest, signResponse, type Signer } from '../../shared/protocol/signing.js';
import { Dendrite, axonTarget, type AxonTarget } from '../../validator/dendrite.js';
import { parseIncentives } from '../../validator/incentives.js';
import { runRound } from '../../validator/round.js';
import { DEVICE, challenge, metagraph, neuron, pair, source } from '../miner/fixtures.js';

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
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: 1 << 20 });
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
    // A refused connection is dialled once more before the call fails, and not kept: the next call dials again.
    expect(attempts).toBe(2);
    const again = await d.ping(fullTarget);
    expect(!again.ok && again.code).toBe('E_TOO_MANY_CONNECTIONS');
    expect(attempts).toBe(4);
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

/** A raw server→client binary frame header (no mask) announcing `length` bytes of payload. */
function frameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x82, length]);
  if (length < 65536) return Buffer.from([0x82, 126, length >> 8, length & 0xff]);
  const header = Buffer.alloc(10);
  header[0] = 0x82;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}
const socketOf = (ws: WebSocket): Socket => (ws as unknown as { _socket: Socket })._socket;
const u32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

describe('a miner sending more than was asked', () => {
  it('a frame over the pending request’s limit is refused from its header, before its payload is sent', async () => {
    let payloadSent = false;
    let closedFirst = false;
    const target = await fakeAxon((_request, ws) => {
      // A ping answer may take 8 KiB: announce 64 MiB, then wait to see whether the validator reads on.
      socketOf(ws).write(frameHeader(64 << 20));
      socketOf(ws).once('close', () => (closedFirst = !payloadSent));
      setTimeout(() => {
        payloadSent = true;
        if (!socketOf(ws).destroyed) socketOf(ws).write(Buffer.alloc(64 << 20));
      }, 300);
    });
    const result = await dendrite().ping(target, { deadlineMs: 2_000 });
    expect(!result.ok && result.code).toBe('E_FRAME_TOO_LARGE');
    expect(result.elapsedMs).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 50));
    expect(closedFirst).toBe(true);
  });

  it('an openings answer is held to the rows, length and paths of the challenge it answers', async () => {
    const c = challenge({ m: 2, n: 64 });
    const target = await fakeAxon((request, ws) => {
      if (request.op === 'challenge') return ws.send(answer(minerSigner, request, { id: c.id, gemms: 2, root: new Uint8Array(32) }));
      if (request.op !== 'open') return ws.send(answer(minerSigner, request, { time: 0 }));
      // 8 rows of 64 fp32 values with 7-hash paths fit in ~3 KiB; this answer pads one row to 1 MiB.
      const rows = Array.from({ length: 8 }, (_, row) => ({ matrix: 0, row, data: new Uint8Array(row === 0 ? 1 << 20 : 256), path: [] }));
      ws.send(answer(minerSigner, request, { id: c.id, rows }));
    });
    const d = dendrite();
    expect((await d.challenge(target, c)).ok).toBe(true);
    const opened = await d.open(target, { id: c.id, rows: Array.from({ length: 8 }, (_, row) => ({ matrix: 0, row })) });
    expect(!opened.ok && opened.code).toBe('E_FRAME_TOO_LARGE');
  });

  it('drops frames that answer no pending request, and keeps the connection', async () => {
    const connections = new Set<WebSocket>();
    const target = await fakeAxon((request, ws) => {
      connections.add(ws);
      // Before the answer: garbage, an answer to an id never sent, 6 KiB of nested maps; after it, with
      // nothing pending, more of the same.
      const junk = [Buffer.from([0xdd, ...u32(0x7fff_ffff), 0xc0]), encode({ ...decodeFrame(answer(minerSigner, request, { time: 0 }), 1 << 20), id: 999 }), Buffer.alloc(6 * 1024, Buffer.from([0x81, 0xa0]))];
      for (const j of junk) ws.send(j);
      ws.send(answer(minerSigner, request, { time: 0 }));
      for (const j of junk) ws.send(j);
    });
    const d = dendrite();
    for (let i = 0; i < 3; i++) expect((await d.ping(target)).ok).toBe(true);
    expect(connections.size).toBe(1);
  });
});

describe('a hostile miner in a round with honest ones', () => {
  const SIXTY_FOUR_MIB = 64 << 20;
  /** 64 MiB frames, each one msgpack value: 64 M nils, 64 M empty maps, maps nested 32 Mi deep. */
  const attacks = {
    nils: Buffer.alloc(SIXTY_FOUR_MIB, 0xc0).fill(Buffer.from([0xdd, ...u32(SIXTY_FOUR_MIB - 5)]), 0, 5),
    emptyMaps: Buffer.alloc(SIXTY_FOUR_MIB, 0x80).fill(Buffer.from([0xdd, ...u32(SIXTY_FOUR_MIB - 5)]), 0, 5),
    nestedMaps: Buffer.alloc(SIXTY_FOUR_MIB, Buffer.from([0x81, 0xa0])),
  };
  /** The same shapes in 8000 bytes, within what a challenge answer may take: they reach the envelope reader. */
  const small = [
    Buffer.alloc(8000, 0xc0).fill(Buffer.from([0xdd, ...u32(8000 - 5)]), 0, 5),
    Buffer.alloc(8000, 0x80).fill(Buffer.from([0xdd, ...u32(8000 - 5)]), 0, 5),
    Buffer.alloc(8000, Buffer.from([0x81, 0xa0])),
  ];
  const hostileKey = createSigner(pair('//Hostile'));
  const squeezeKey = createSigner(pair('//Squeeze'));
  const honestKeys = [pair('//HonestA'), pair('//HonestB')];
  const graph = metagraph([
    neuron(0, validator.address, { validatorPermit: true }),
    ...[...honestKeys.map((k) => k.address), hostileKey.address, squeezeKey.address].map((hotkey, i) => neuron(i + 1, hotkey)),
  ]);
  const incentives = parseIncentives({ startTflops: 1e-4, challengeSeconds: 0.5, timeouts: { openingsMs: 5_000, probeMs: 2_000 } });
  const miners: Miner[] = [];
  const backends: CpuBackend[] = [];
  const targets: Array<AxonTarget & { uid: number }> = [];
  let attack = Buffer.alloc(0);

  /**
   * Answers device and ping like a miner, and a challenge with ten 64 MiB frames timed to land with the
   * honest roots: the first sent at once but for its last byte, which follows 200 ms later (the honest
   * roots come ~350 ms into the 500 ms window) with the other nine.
   */
  const hostile: Script = (request, ws) => {
    if (request.op === 'device') return ws.send(answer(hostileKey, request, DEVICE));
    if (request.op === 'ping') return ws.send(answer(hostileKey, request, { time: 0 }));
    const socket = socketOf(ws);
    socket.on('error', () => undefined);
    // Header and payload written apart: copying 64 MiB here would stall this process, the validator's too.
    socket.write(frameHeader(attack.length));
    socket.write(attack.subarray(0, -1));
    setTimeout(() => {
      if (socket.destroyed) return;
      socket.write(attack.subarray(-1));
      for (let i = 1; i < 10; i++) socket.write(frameHeader(attack.length)), socket.write(attack);
    }, 200);
  };
  /** Answers a challenge with frames within its limit, every 20 ms through the window, ids and all. */
  const squeeze: Script = (request, ws) => {
    if (request.op === 'device') return ws.send(answer(squeezeKey, request, DEVICE));
    if (request.op === 'ping') return ws.send(answer(squeezeKey, request, { time: 0 }));
    const timer = setInterval(() => {
      if (ws.readyState !== ws.OPEN) return clearInterval(timer);
      for (let i = 0; i < 10; i++) ws.send(small[i % small.length]!);
    }, 20);
    setTimeout(() => clearInterval(timer), 600);
  };

  beforeAll(async () => {
    for (const [i, key] of honestKeys.entries()) {
      const backend = new CpuBackend({ threads: 1 });
      const miner = await Miner.start({ signer: createSigner(key), backend, metagraph: source(graph), host: '127.0.0.1', port: 0 });
      backends.push(backend);
      miners.push(miner);
      targets.push({ hotkey: key.address, ip: '127.0.0.1', port: miner.port, uid: i + 1 });
    }
  });
  afterAll(async () => {
    for (const m of miners) await m.close();
    for (const b of backends) await b.close();
  });

  for (const [name, frame] of Object.entries(attacks)) {
    it(`survives ten 64 MiB frames of ${name}, and the honest roots of that round are on time and verify`, async () => {
      attack = frame;
      const d = dendrite({ timeoutMs: 5_000 });
      const miners = [...targets, { ...(await fakeAxon(hostile, hostileKey)), uid: 3 }, { ...(await fakeAxon(squeeze, squeezeKey)), uid: 4 }];
      const { results } = await runRound({ round: 1, miners, incentives, history: new Map(), dendrite: d, openedRows: DEFAULT_OPENED_ROWS });
      const [a, b, bad, squeezed] = results;
      for (const honest of [a, b]) expect(honest, JSON.stringify(honest)).toMatchObject({ verdict: 'verified', reason: 'ok' });
      expect(bad, JSON.stringify(bad)).toMatchObject({ verdict: 'no_answer', reason: 'E_FRAME_TOO_LARGE' });
      // Frames without a readable id answer nothing: its challenge simply gets no answer.
      expect(squeezed).toMatchObject({ verdict: 'no_answer', reason: 'E_TIMEOUT' });
    });
  }
});

describe('hotkeys squatting on another miner’s axon', () => {
  it('cost it nothing: 16 squatters publishing its ip:port, one connection, the owner verified every round', async () => {
    const victimKey = pair('//Victim');
    const squatters = Array.from({ length: 16 }, (_, i) => pair(`//Squatter${i}`));
    // Squatters registered first (lower uids): a validator dialling in uid order reaches them first.
    const graph = metagraph([
      neuron(0, validator.address, { validatorPermit: true }),
      ...squatters.map((k, i) => neuron(i + 1, k.address)),
      neuron(17, victimKey.address),
    ]);
    const backend = new CpuBackend({ threads: 1 });
    const victim = await Miner.start({ signer: createSigner(victimKey), backend, metagraph: source(graph), host: '127.0.0.1', port: 0 });
    const d = dendrite({ timeoutMs: 5_000 });
    try {
      const targets = [...squatters, victimKey].map((k, i) => ({ hotkey: k.address, ip: '127.0.0.1', port: victim.port, uid: i + 1 }));
      const incentives = parseIncentives({ startTflops: 1e-4, challengeSeconds: 0.5, timeouts: { openingsMs: 5_000, probeMs: 2_000 } });
      for (let round = 1; round <= 3; round++) {
        const { results } = await runRound({ round, miners: targets, incentives, history: new Map(), dendrite: d });
        expect(results.at(-1), JSON.stringify(results.at(-1))).toMatchObject({ hotkey: victimKey.address, verdict: 'verified' });
        for (const squatter of results.slice(0, -1)) expect(squatter).toMatchObject({ verdict: 'no_answer', reason: 'E_WRONG_RECEIVER' });
        expect(victim.stats().connections).toBe(1);
      }
    } finally {
      await victim.close();
      await backend.close();
    }
  });
});

describe('strings a miner writes', () => {
  it('reach the round results, and so the logs and the database, without control characters', async () => {
    const evil = '\x1b[2J\x1b[31mH100\x1b[0m\n2026-01-01 INFO validator: fake line\u202e';
    const deviceKey = createSigner(pair('//Escapes'));
    const refuserKey = createSigner(pair('//Refuser'));
    const device = await fakeAxon((request, ws) => {
      if (request.op === 'device') return ws.send(answer(deviceKey, request, { ...DEVICE, name: evil, detail: evil }));
      ws.send(answer(deviceKey, request, { code: 'E_BUSY', message: evil }, 'error'));
    }, deviceKey);
    const refuser = await fakeAxon((request, ws) => ws.send(answer(refuserKey, request, { code: 'E_BAD_REQUEST', message: evil }, 'error')), refuserKey);
    const incentives = parseIncentives({ startTflops: 1e-4, challengeSeconds: 0.5 });
    const { results, devices } = await runRound({
      round: 1,
      miners: [
        { ...device, uid: 1 },
        { ...refuser, uid: 2 },
      ],
      incentives,
      history: new Map(),
      dendrite: dendrite(),
    });
    const unprintable = /[\x00-\x1f\x7f-\x9f\u202e]/;
    expect(devices.get(deviceKey.address)!.name).toBe('?[2J?[31mH100?[0m?2026-01-01 INFO validator: fake line?');
    expect(devices.get(deviceKey.address)!.detail).not.toMatch(unprintable);
    expect(results[0]).toMatchObject({ device: devices.get(deviceKey.address)!.name, reason: 'E_BUSY' });
    expect(results[0]!.detail).toContain('H100');
    expect(results[0]!.detail).not.toMatch(unprintable);
    expect(results[1]).toMatchObject({ reason: 'E_BAD_REQUEST' });
    expect(results[1]!.detail).not.toMatch(unprintable);
  });
});
