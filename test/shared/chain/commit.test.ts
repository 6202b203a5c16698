import { describe, expect, it } from 'vitest';
import { commitHash, commitPreimage } from '../../../shared/chain/commit.js';

// //Alice's sr25519 public key; its ss58 (prefix 42) form is 5GrwvaEF…
const ALICE_PUB = 'd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d';
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

describe('commitHash', () => {
  const input = { hotkey: ALICE, netuid: 1, uids: [0, 1, 2], values: [65535, 32768, 1], salt: [9, 8, 7, 6, 5, 4, 3, 2], versionKey: 7n };

  it('hashes SCALE(who, netuid, uids, values, salt, version_key) as subtensor does', () => {
    // Bytes and hash built independently in Python (struct.pack + hashlib.blake2b(digest_size=32)),
    // which is how the SDK's generate_weight_hash builds them.
    expect(Buffer.from(commitPreimage(input)).toString('hex')).toBe(
      'd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d01000c0000010002000cffff0080010020090008000700060005000400030002000700000000000000',
    );
    expect(commitHash(input)).toBe('0x0f76aa98d296b6a16a0e48fb51bbe3e17eb9854314de16089010272b4fd7e8f5');
  });

  it('accepts the hotkey as ss58 or as raw public-key bytes', () => {
    expect(commitHash({ ...input, hotkey: Buffer.from(ALICE_PUB, 'hex') })).toBe(commitHash(input));
  });

  it('changes when any committed field changes', () => {
    const base = commitHash(input);
    expect(commitHash({ ...input, netuid: 2 })).not.toBe(base);
    expect(commitHash({ ...input, salt: [9, 8, 7, 6, 5, 4, 3, 1] })).not.toBe(base);
    expect(commitHash({ ...input, versionKey: 8n })).not.toBe(base);
  });

  it('refuses values that are not u16', () => {
    expect(() => commitHash({ ...input, values: [65536, 0, 0] })).toThrow(/not a u16/);
  });
});
