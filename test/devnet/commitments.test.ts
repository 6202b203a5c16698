/** Commitments.set_commitment: registered hotkeys only, at most 3 fields, 3100 bytes of space per epoch. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { u8aToHex, stringToU8a } from '@polkadot/util';
import { openSession, send, setupSubnet, type Session, type TestSubnet } from './support.js';

describe('commitments', () => {
  let s: Session;
  let net: TestSubnet;
  beforeAll(async () => {
    s = await openSession();
    net = await setupSubnet(s, { rateLimit: 0 });
  });
  afterAll(() => s?.close());

  it('stores a registered hotkey\'s commitment and emits Commitment', async () => {
    const info = { fields: [{ Raw5: u8aToHex(stringToU8a('hello')) }] };
    const r = await send(s.api, s.api.tx.commitments.setCommitment(net.netuid, info), net.minerHots[0]!);
    expect(r.events.find((e) => e.method === 'Commitment')!.data).toEqual([net.netuid, net.minerHots[0]!.address]);
    const stored = (await s.api.query.commitments.commitmentOf(net.netuid, net.minerHots[0]!.address)).toJSON() as {
      deposit: number;
      block: number;
      info: { fields: Record<string, string>[] };
    };
    expect(stored.deposit).toBe(0);
    expect(stored.info.fields).toEqual([{ raw5: '0x68656c6c6f' }]);
  });

  it('refuses hotkeys not registered on the subnet', async () => {
    const stranger = s.keyring.addFromUri('//Ferdie//hot');
    const r = await send(s.api, s.api.tx.commitments.setCommitment(net.netuid, { fields: [{ Raw1: '0x01' }] }), stranger);
    expect(r.error).toBe('commitments.AccountNotAllowedCommit');
  });

  it('refuses more than 3100 bytes in one epoch', async () => {
    const field = { Raw128: u8aToHex(new Uint8Array(128).fill(7)) };
    const info = { fields: [field, field, field] };
    const errors: (string | undefined)[] = [];
    for (let i = 0; i < 9; i++) errors.push((await send(s.api, s.api.tx.commitments.setCommitment(net.netuid, info), net.minerHots[1]!)).error);
    // 384 bytes a call: eight fit in 3100 (3072), the ninth does not.
    expect(errors.slice(0, 8)).toEqual(new Array(8).fill(undefined));
    expect(errors[8]).toBe('commitments.SpaceLimitExceeded');
  });
});
