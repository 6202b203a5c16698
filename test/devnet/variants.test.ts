/**
 * The devnet imitates the older runtimes flopnet must handle (RuntimeVariant), and lets a test inject a
 * chain error below the client (dev_failNext): each shape is what a client meets through an unmodified
 * @polkadot/api, decoded from the metadata the devnet serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blake2AsHex } from '@polkadot/util-crypto';
import { openSession, rawRpc, send, setupSubnet, type Session, type TestSubnet } from './support.js';

describe('dev_failNext: a module error injected below the client', () => {
  let s: Session;
  let net: TestSubnet;
  beforeAll(async () => {
    s = await openSession({ poolChecks: false });
    net = await setupSubnet(s, { rateLimit: 0 });
  });
  afterAll(() => s?.close());

  const setWeights = () => send(s.api, s.api.tx.subtensorModule.setWeights(net.netuid, [2], [100], 0), net.validatorHot);

  it('fails the next `count` extrinsics of the call with the named error, then lets them through', async () => {
    await s.devnet.failNext('SubtensorModule.set_weights', 'SubtensorModule.InputLengthsUnequal', 2);
    expect((await setWeights()).error).toBe('subtensorModule.InputLengthsUnequal');
    expect((await setWeights()).error).toBe('subtensorModule.InputLengthsUnequal');
    expect((await setWeights()).error).toBeUndefined();
  });

  it('is disarmed by dev_clearFailures and leaves other calls alone', async () => {
    await s.devnet.failNext('SubtensorModule.set_weights', 'SubtensorModule.InputLengthsUnequal', 5);
    const other = await send(s.api, s.api.tx.subtensorModule.serveAxon(net.netuid, 1, 0x0a000002n, 8091, 4, 4, 0, 0), net.minerHots[0]!);
    expect(other.error).toBeUndefined();
    await s.devnet.clearFailures();
    expect((await setWeights()).error).toBeUndefined();
  });

  it('refuses a call or error the runtime does not have, as invalid params', async () => {
    const unknownCall = await rawRpc(s.devnet.endpoint, 'dev_failNext', [{ call: 'SubtensorModule.no_such_call', error: 'SubtensorModule.InputLengthsUnequal' }]);
    expect(unknownCall.error).toMatchObject({ code: -32602, message: expect.stringContaining('no call SubtensorModule.no_such_call') });
    const unknownError = await rawRpc(s.devnet.endpoint, 'dev_failNext', [{ call: 'SubtensorModule.set_weights', error: 'SubtensorModule.Nope' }]);
    expect(unknownError.error).toMatchObject({ code: -32602, message: expect.stringContaining('no error SubtensorModule.Nope') });
    const malformed = await rawRpc(s.devnet.endpoint, 'dev_failNext', [{ call: 'set_weights', error: 'x', count: 0 }]);
    expect(malformed.error?.code).toBe(-32602);
  });
});

describe('runtime variants', () => {
  let s: Session | undefined;
  afterAll(() => s?.close());
  const open = async (runtime: Parameters<typeof openSession>[0]) => {
    await s?.close();
    s = await openSession(runtime);
    return s;
  };

  it('spec 200 AxonInfo: port declared before ip, and storage still decodes both by name', async () => {
    const session = await open({ runtime: { specVersion: 200, axonFieldOrder: 'port-ip' } });
    expect(session.api.runtimeVersion.specVersion.toNumber()).toBe(200);
    const type = session.api.query.subtensorModule.axons.creator.meta.type.asMap.value;
    const fields = session.api.registry.lookup.getSiType(type).def.asComposite.fields.map((f) => f.name.unwrap().toString());
    expect(fields.slice(0, 4)).toEqual(['block', 'version', 'port', 'ip']);
    const net = await setupSubnet(session);
    expect((await send(session.api, session.api.tx.subtensorModule.serveAxon(net.netuid, 1, 0x0a000002n, 8091, 4, 4, 0, 0), net.minerHots[0]!)).error).toBeUndefined();
    const axon = (await session.api.query.subtensorModule.axons(net.netuid, net.minerHots[0]!.address)).toJSON() as Record<string, unknown>;
    expect(axon).toMatchObject({ port: 8091, ip: 0x0a000002 });
  });

  it('spec 185 commit-reveal: reveal_weights has no salt and the hash leaves it out', async () => {
    const session = await open({ runtime: { specVersion: 185, commitReveal: 'unsalted' } });
    expect(session.api.tx.subtensorModule.revealWeights.meta.args.map((a) => a.name.toString())).toEqual(['netuid', 'uids', 'values', 'versionKey']);
    const net = await setupSubnet(session, { commitReveal: true, rateLimit: 0 });
    const hash = blake2AsHex(session.api.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, u64)', [net.validatorHot.address, net.netuid, [2], [65535], 0]).toU8a(), 256);
    expect((await send(session.api, session.api.tx.subtensorModule.commitWeights(net.netuid, hash), net.validatorHot)).error).toBeUndefined();
    await session.devnet.newBlock(10);
    const r = await send(session.api, session.api.tx.subtensorModule.revealWeights(net.netuid, [2], [65535], 0), net.validatorHot);
    expect(r.error).toBeUndefined();
    expect(r.events.map((e) => e.method)).toContain('WeightsRevealed');
  });

  it('without subtensor runtime APIs: none is declared, so clients must read storage', async () => {
    const session = await open({ runtime: { subtensorApis: false } });
    expect((session.api.call as Record<string, unknown>)['neuronInfoRuntimeApi']).toBeUndefined();
    expect((session.api.call as Record<string, unknown>)['subnetInfoRuntimeApi']).toBeUndefined();
    expect((session.api.call as Record<string, unknown>)['accountNonceApi']).toBeDefined();
  });
});
