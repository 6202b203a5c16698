import { describe, expect, it } from 'vitest';
import { parseKeyfile, serializeKeyfile } from '../../../shared/wallet/keyfile.js';

const PUB = '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d';
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

describe('parseKeyfile', () => {
  it('reads btwallet compact JSON in any key order', () => {
    const text = `{"ss58Address":"${ALICE}","publicKey":"${PUB}","accountId":"${PUB}"}`;
    expect(parseKeyfile(text, 'f')).toEqual({ accountId: PUB, publicKey: PUB, ss58Address: ALICE });
  });

  it('reads Python bittensor null-filled JSON and drops the nulls', () => {
    const text = `{"accountId": "${PUB}", "publicKey": "${PUB}", "privateKey": null, "secretPhrase": null, "secretSeed": null, "ss58Address": "${ALICE}"}`;
    expect(parseKeyfile(text, 'f')).toEqual({ accountId: PUB, publicKey: PUB, ss58Address: ALICE });
  });

  it('reads the pre-JSON coldkeypub.txt form (0x<hex public key>)', () => {
    expect(parseKeyfile(`${PUB}\n`, 'f')).toEqual({ publicKey: PUB });
  });

  it.each([
    ['truncated JSON', `{"accountId": "${PUB}", "publicK`],
    ['a JSON array', '[]'],
    ['a non-string field', `{"ss58Address": 42}`],
    ['an object without key fields', '{"foo": "bar"}'],
    ['an empty file', ''],
  ])('rejects %s with E_KEYFILE_CORRUPT naming the file', (_what, text) => {
    expect(() => parseKeyfile(text, '/w/x/coldkeypub.txt')).toThrow(
      expect.objectContaining({ code: 'E_KEYFILE_CORRUPT', message: expect.stringContaining('/w/x/coldkeypub.txt') }),
    );
  });
});

describe('serializeKeyfile', () => {
  it('writes compact JSON (no spaces) without absent fields, as btwallet does', () => {
    const text = serializeKeyfile({ ss58Address: ALICE, publicKey: PUB, accountId: PUB });
    expect(text).toBe(`{"accountId":"${PUB}","publicKey":"${PUB}","ss58Address":"${ALICE}"}`);
    expect(parseKeyfile(text, 'f')).toEqual({ accountId: PUB, publicKey: PUB, ss58Address: ALICE });
  });
});
