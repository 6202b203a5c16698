/**
 * The Miner through its real axon, driven by the real dendrite: challenge → commitment → openings →
 * results freed, and the refusals a validator can meet along the way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Miner, type MinerOptions } from '../../miner/miner.js';
import { createSigner, cryptoReady } from '../../shared/protocol/signing.js';
import { Dendrite, type AxonTarget } from '../../validator/dendrite.js';
import { DEVICE, FakeBackend, challenge, fakeRoot, metagraph, neuron, pair, source } from './fixtures.js';

await cryptoReady();
const alice = pair('//Alice');
const charlie = pair('//Charlie');
const minerKey = pair('//Miner');
const graph = metagraph([
  neuron(0, alice.address, { validatorPermit: true, stake: 1_000n }),
  neuron(1, charlie.address, { validatorPermit: true, stake: 2_000n }),
]);

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

async function setup(backend = new FakeBackend(), over: Partial<MinerOptions> = {}) {
  const miner = await Miner.start({ signer: createSigner(minerKey), backend, metagraph: source(graph), host: '127.0.0.1', port: 0, ...over });
  const a = new Dendrite({ signer: createSigner(alice) });
  const c = new Dendrite({ signer: createSigner(charlie) });
  open.push(miner, a, c);
  const target: AxonTarget = { hotkey: miner.hotkey, ip: '127.0.0.1', port: miner.port };
  return { miner, backend, a, c, target };
}

describe('miner', () => {
  it('reports its device, commits to a challenge, opens the picked rows, then frees the results', async () => {
    const { miner, backend, a, target } = await setup();
    const device = await a.device(target);
    expect(device.ok && device.value).toEqual(DEVICE);

    const c = challenge();
    const committed = await a.challenge(target, c);
    expect(committed.ok).toBe(true);
    if (!committed.ok) return;
    expect(committed.value.id).toBe(c.id);
    expect(Buffer.from(committed.value.root).equals(Buffer.from(fakeRoot(c)))).toBe(true);
    expect(committed.elapsedMs).toBeGreaterThan(0);
    expect(miner.stats().held).toBe(1);

    const rows = [{ matrix: 1, row: 63 }, { matrix: 0, row: 0 }];
    const opened = await a.open(target, { id: c.id, rows });
    expect(opened.ok && opened.value.rows.map((r) => [r.matrix, r.row])).toEqual([[1, 63], [0, 0]]);
    await new Promise((r) => setTimeout(r, 10));
    // (The device also ran and freed a calibration GEMM before its first fp32 challenge.)
    expect(backend.released.at(-1)).toBe(c.id);
    expect(backend.held.size).toBe(0);
    expect(miner.stats()).toMatchObject({ held: 0, challenges: { ok: 1, failed: 0 } });
    // One opening per challenge: the results are gone.
    const again = await a.open(target, { id: c.id, rows });
    expect(!again.ok && again.code).toBe('E_UNKNOWN_CHALLENGE');
  });

  it('opens a challenge only for the validator that sent it', async () => {
    const { a, c, target } = await setup();
    const ch = challenge();
    expect((await a.challenge(target, ch)).ok).toBe(true);
    const stolen = await c.open(target, { id: ch.id, rows: [{ matrix: 0, row: 0 }] });
    expect(!stolen.ok && stolen.code).toBe('E_UNKNOWN_CHALLENGE');
    expect((await a.open(target, { id: ch.id, rows: [{ matrix: 0, row: 0 }] })).ok).toBe(true);
  });

  it('refuses a reused challenge id, an unsupported class and rows outside the results', async () => {
    const { a, c, target } = await setup();
    const ch = challenge();
    expect((await a.challenge(target, ch)).ok).toBe(true);
    const dup = await c.challenge(target, ch);
    expect(!dup.ok && dup.code).toBe('E_DUPLICATE_CHALLENGE');
    const fp8 = await a.challenge(target, challenge({ precision: 'fp8' }));
    expect(!fp8.ok && fp8.code).toBe('E_UNSUPPORTED');
    // 2 · 131072² fp64 inputs alone are 256 GiB, beyond the fake device's 1 GiB.
    const huge = await a.challenge(target, challenge({ precision: 'fp64', n: 131072, k: 131072 }));
    expect(!huge.ok && huge.code).toBe('E_UNSUPPORTED');
    const outside = await a.open(target, { id: ch.id, rows: [{ matrix: 2, row: 0 }] });
    expect(!outside.ok && outside.code).toBe('E_BAD_REQUEST');
  });

  it('runs challenges from two validators one at a time on the device', async () => {
    const { backend, a, c, target } = await setup(new FakeBackend(50));
    const results = await Promise.all([a.challenge(target, challenge()), c.challenge(target, challenge()), a.challenge(target, challenge())]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(backend.maxConcurrent).toBe(1);
    const times = results.map((r) => r.elapsedMs!).sort((x, y) => x - y);
    // Queued behind each other: the last waited for the two before it.
    expect(times[2]!).toBeGreaterThanOrEqual(140);
  });

  it('gives the slot owner the device: a full queue turns the other validator away, naming the owner', async () => {
    // Block 100, 5-block slots: slot 20 of 2 permitted validators belongs to uid 0 (alice).
    const { a, c, target } = await setup(new FakeBackend(100), { queueCapacity: 1 });
    const running = c.challenge(target, challenge());
    await new Promise((r) => setTimeout(r, 20));
    const waiting = c.challenge(target, challenge());
    await new Promise((r) => setTimeout(r, 20));
    const owner = a.challenge(target, challenge());
    const refused = await waiting;
    expect(!refused.ok && refused.code).toBe('E_BUSY');
    expect(!refused.ok && refused.message).toContain(alice.address);
    expect(!refused.ok && refused.signed).toBe(true);
    expect((await running).ok).toBe(true);
    expect((await owner).ok).toBe(true);
  });

  it('refuses, signed and with its reason, a window above 600 s and a shape sizing never makes', async () => {
    const { backend, a, target } = await setup();
    const long = await a.challenge(target, challenge({ deadlineMs: 3_600_000 }), { deadlineMs: 2_000 });
    expect(!long.ok && [long.code, long.signed]).toEqual(['E_WINDOW_TOO_LONG', true]);
    // Huge n, tiny k: almost no arithmetic, a GiB of results per GEMM.
    const flat = await a.challenge(target, challenge({ m: 1024, n: 16384, k: 128 }));
    expect(!flat.ok && [flat.code, flat.signed]).toEqual(['E_OFF_GRID', true]);
    expect(backend.executions).toBe(0);
  });

  it('holds at most two challenges\' results per validator: the oldest is freed, and its openings refused busy', async () => {
    const { miner, a, c, target } = await setup();
    const sent = [challenge(), challenge(), challenge()];
    for (const ch of sent) expect((await a.challenge(target, ch)).ok).toBe(true);
    expect((await c.challenge(target, challenge())).ok).toBe(true);
    expect(miner.stats().held).toBe(3);
    const first = await a.open(target, { id: sent[0]!.id, rows: [{ matrix: 0, row: 0 }] });
    expect(!first.ok && [first.code, first.signed]).toEqual(['E_BUSY', true]);
    expect(!first.ok && first.message).toContain('released');
    expect((await a.open(target, { id: sent[2]!.id, rows: [{ matrix: 0, row: 0 }] })).ok).toBe(true);
    // Another validator never learns of it.
    const probe = await c.open(target, { id: sent[0]!.id, rows: [{ matrix: 0, row: 0 }] });
    expect(!probe.ok && probe.code).toBe('E_UNKNOWN_CHALLENGE');
  });

  it('answers E_DEADLINE when the device overruns the challenge deadline, and frees the device', async () => {
    const { backend, a, target } = await setup(new FakeBackend(300));
    const result = await a.challenge(target, challenge({ deadlineMs: 100 }), { deadlineMs: 2_000 });
    expect(!result.ok && result.code).toBe('E_DEADLINE');
    expect(!result.ok && result.signed).toBe(true);
    expect(backend.held.size).toBe(0);
  });

  it('frees results nobody opens after the hold time', async () => {
    const { miner, backend, a, target } = await setup(new FakeBackend(), { holdMs: 50 });
    const ch = challenge();
    expect((await a.challenge(target, ch)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(backend.released.at(-1)).toBe(ch.id);
    expect(backend.held.size).toBe(0);
    expect(miner.stats().held).toBe(0);
  });

  it('says which port is taken when the axon cannot listen', async () => {
    const { miner } = await setup();
    await expect(setup(new FakeBackend(), { port: miner.port })).rejects.toMatchObject({ code: 'E_AXON_LISTEN', hint: expect.stringContaining('--axon.port') });
  });

  it('close ends the challenge in flight and frees everything', async () => {
    const { miner, backend, a, target } = await setup(new FakeBackend(2_000));
    const pending = a.challenge(target, challenge());
    await new Promise((r) => setTimeout(r, 50));
    await miner.close();
    const result = await pending;
    expect(result.ok).toBe(false);
    expect(['E_SHUTTING_DOWN', 'E_CLOSED']).toContain(!result.ok && result.code);
    expect(backend.held.size).toBe(0);
  });
});
