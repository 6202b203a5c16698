import { describe, expect, it } from 'vitest';
import { DeviceQueue, type QueueJob } from '../../miner/queue.js';
import { ProtocolError } from '../../shared/protocol/codec.js';

/** A job that runs until released by hand, recording the order jobs start in. */
function harness() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const job = (name: string, stake: bigint, deadline = Infinity): QueueJob<string> => ({
    validator: name,
    stake,
    deadline,
    marginMs: 0,
    run: (signal) =>
      new Promise<string>((resolve, reject) => {
        started.push(name);
        gates.set(name, () => resolve(name));
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  });
  const finish = async (name: string): Promise<void> => {
    gates.get(name)!();
    await new Promise((r) => setImmediate(r));
  };
  return { started, job, finish };
}
/** Jobs that record the stopAt they were given, all with deadline 1000 on a hand-moved clock. */
function windows(marginMs: number) {
  const w = {
    now: 0,
    q: undefined as unknown as DeviceQueue,
    stops: new Map<string, () => number>(),
    gates: new Map<string, () => void>(),
    job: (name: string, { validator }: { validator: string }): QueueJob<string> => ({
      validator,
      stake: 1n,
      deadline: 1_000,
      marginMs,
      run: (_signal, stopAt) => new Promise((resolve) => (w.stops.set(name, stopAt), w.gates.set(name, () => resolve(name)))),
    }),
  };
  w.q = new DeviceQueue({ capacity: 4, now: () => w.now });
  return w;
}
const code = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e) => (e instanceof ProtocolError ? e.code : String(e)));

describe('device queue', () => {
  it('runs one job at a time, first in first out', async () => {
    const { started, job, finish } = harness();
    const q = new DeviceQueue({ capacity: 4 });
    const results = ['a', 'b', 'c'].map((n, i) => q.submit(job(n, BigInt(3 - i))));
    expect(started).toEqual(['a']);
    await finish('a');
    expect(started).toEqual(['a', 'b']);
    await finish('b');
    await finish('c');
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
  });

  it('when full, a higher-stake newcomer displaces the lowest-stake waiter; a lower one is refused', async () => {
    const { started, job, finish } = harness();
    const q = new DeviceQueue({ capacity: 2 });
    const running = q.submit(job('run', 1n));
    const low = code(q.submit(job('low', 5n)));
    const mid = q.submit(job('mid', 10n));
    const refused = code(q.submit(job('lower', 4n)));
    const high = q.submit(job('high', 50n));
    expect(await refused).toBe('E_BUSY');
    expect(await low).toBe('E_BUSY');
    await finish('run');
    await finish('mid');
    await finish('high');
    expect(started).toEqual(['run', 'mid', 'high']);
    await Promise.all([running, mid, high]);
  });

  it('runs the slot owner\'s challenge next, ahead of earlier arrivals and more stake', async () => {
    const { started, job, finish } = harness();
    const q = new DeviceQueue({ capacity: 2 });
    q.setSlot({ index: 20, owner: 'owner' });
    const running = q.submit(job('run', 1n));
    const rich = q.submit(job('rich', 100n));
    const owner = q.submit(job('owner', 1n));
    // Full: the owner is never the one turned away.
    const refused = code(q.submit(job('late', 50n)));
    expect(await refused).toBe('E_BUSY');
    await finish('run');
    await finish('owner');
    await finish('rich');
    expect(started).toEqual(['run', 'owner', 'rich']);
    await Promise.all([running, rich, owner]);
  });

  it('drops a waiter whose deadline passed, and aborts a run at its deadline', async () => {
    const { started, job, finish } = harness();
    let now = 0;
    const q = new DeviceQueue({ capacity: 4, now: () => now });
    const first = q.submit(job('first', 1n));
    const late = code(q.submit(job('late', 1n, 10)));
    const next = code(q.submit(job('next', 1n, 1_000 + 50)));
    now = 1_000;
    await finish('first');
    expect(await late).toBe('E_DEADLINE');
    expect(started).toEqual(['first', 'next']);
    expect(await next).toBe('E_DEADLINE'); // its 50 ms run timer fires
    await first;
  });

  it('splits a window between one validator\'s challenges that share the device, keeping the margin for the answer', async () => {
    const w = windows(100);
    const { q, stops, gates } = w;
    const job = (name: string, validator = 'v') => w.job(name, { validator });
    const a = q.submit(job('a'));
    // Alone on the device, it may work until the deadline less the margin...
    expect(stops.get('a')!()).toBe(900);
    // ...until two more of its own validator's arrive: then a third of it is its share...
    const b = q.submit(job('b'));
    const c = q.submit(job('c'));
    expect(stops.get('a')!()).toBe(300);
    // ...while another validator's challenge, out of turn, does not cut anything short.
    const other = code(q.submit(job('other', 'w')));
    expect(stops.get('a')!()).toBe(300);
    w.now = 300;
    gates.get('a')!();
    await a;
    expect(stops.get('b')!()).toBe(600);
    w.now = 600;
    gates.get('b')!();
    await b;
    expect(stops.get('c')!()).toBe(900);
    gates.get('c')!();
    expect(await c).toBe('c');
    // The other validator's challenge waited its turn (first come, first served).
    expect(stops.get('other')!()).toBe(900);
    gates.get('other')!();
    expect(await other).toBe('ok');
  });

  it('stops a challenge sent out of turn as soon as the slot owner\'s arrives', async () => {
    const w = windows(0);
    const { q, stops, gates } = w;
    q.setSlot({ index: 20, owner: 'owner' });
    const job = (name: string) => w.job(name, { validator: name });
    const early = q.submit(job('early'));
    w.now = 100;
    // Another out-of-turn challenge changes nothing...
    const other = q.submit(job('other'));
    expect(stops.get('early')!()).toBe(1_000);
    // ...the slot owner's stops it now, and runs next.
    w.now = 200;
    const owner = q.submit(job('owner'));
    expect(stops.get('early')!()).toBe(200);
    gates.get('early')!();
    expect(await early).toBe('early');
    expect(stops.get('owner')!()).toBe(1_000);
    gates.get('owner')!();
    expect(await owner).toBe('owner');
    gates.get('other')!();
    expect(await other).toBe('other');
  });

  it('answers a waiting challenge E_DEADLINE as soon as its deadline passes, while the device is still busy', async () => {
    const { job, finish } = harness();
    const q = new DeviceQueue({ capacity: 4 });
    const busy = q.submit(job('busy', 1n));
    const waited = performance.now();
    const late = await code(q.submit(job('late', 1n, performance.now() + 50)));
    expect(late).toBe('E_DEADLINE');
    // Answered at its own deadline, not when the device freed up.
    expect(performance.now() - waited).toBeLessThan(1_000);
    expect(q.length).toBe(0);
    await finish('busy');
    await busy;
  });

  it('at a slot boundary stops whatever runs for anyone but the new owner, even the last owner\'s, and refuses the rest waiting', async () => {
    const w = windows(0);
    const { q, stops, gates } = w;
    q.setSlot({ index: 20, owner: 'rogue' });
    // In its own slot, with a window far beyond it.
    const long = q.submit(w.job('long', { validator: 'rogue' }));
    const queued = code(q.submit(w.job('queued', { validator: 'rogue' })));
    const outOfTurn = code(q.submit(w.job('outOfTurn', { validator: 'other' })));
    expect(stops.get('long')!()).toBe(500); // shares its window with its own waiting challenge
    // The same slot again changes nothing.
    w.now = 100;
    q.setSlot({ index: 20, owner: 'rogue' });
    expect(stops.get('long')!()).toBe(500);
    // The next slot belongs to someone else: stop now, commit what is done; nothing else of the old slot runs.
    w.now = 300;
    q.setSlot({ index: 21, owner: 'next' });
    expect(stops.get('long')!()).toBe(300);
    expect(await queued).toBe('E_BUSY');
    expect(await outOfTurn).toBe('E_BUSY');
    const owner = q.submit(w.job('owner', { validator: 'next' }));
    gates.get('long')!();
    expect(await long).toBe('long');
    expect(stops.get('owner')!()).toBe(1_000);
    gates.get('owner')!();
    expect(await owner).toBe('owner');
  });

  it('tells listeners which challenge starts and whether its sender owns the slot', async () => {
    const { job, finish } = harness();
    const q = new DeviceQueue({ capacity: 4 });
    const seen: string[] = [];
    const off = q.onStart((validator, inSlot) => seen.push(`${validator}:${inSlot}`));
    q.setSlot({ index: 1, owner: 'owner' });
    const a = q.submit(job('other', 1n));
    const b = q.submit(job('owner', 1n));
    await finish('other');
    off();
    await finish('owner');
    await Promise.all([a, b]);
    expect(seen).toEqual(['other:false', 'owner:true']);
  });

  it('close refuses the waiting and aborts the running', async () => {
    const { job } = harness();
    const q = new DeviceQueue({ capacity: 4 });
    const a = code(q.submit(job('a', 1n)));
    const b = code(q.submit(job('b', 1n)));
    q.close();
    expect([await a, await b]).toEqual(['E_SHUTTING_DOWN', 'E_SHUTTING_DOWN']);
    expect(await code(q.submit(job('c', 1n)))).toBe('E_SHUTTING_DOWN');
  });
});
