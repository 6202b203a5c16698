import { describe, expect, it } from 'vitest';
import { challengeFlops, committedFlops, committedPart, createChallenge, resultSize } from '../../../shared/challenge/challenge.js';
import { MAX_GEMMS, zChallenge } from '../../../shared/challenge/types.js';
import { decodeFrame, encode } from '../../../shared/protocol/codec.js';

describe('createChallenge', () => {
  it('makes a valid v3 challenge with a fresh random id and 256-bit seed', () => {
    const a = createChallenge({ precision: 'bf16', m: 3, n: 64, k: 128, deadlineMs: 5000 });
    const b = createChallenge({ precision: 'bf16', m: 3, n: 64, k: 128, deadlineMs: 5000 });
    expect(zChallenge.parse(a)).toEqual(a);
    expect(a.version).toBe(3);
    expect(a.id).not.toBe(b.id);
    expect(Buffer.from(a.seed).equals(Buffer.from(b.seed))).toBe(false);
    expect(challengeFlops(a)).toBe(2 * 3 * 64 * 64 * 128);
    expect(resultSize(a)).toBe(3 * 64 * 64 * 4);
    expect(resultSize({ ...a, precision: 'fp64' })).toBe(3 * 64 * 64 * 8);
  });

  it('offers up to 16384 GEMMs (the v3 ceiling) and refuses more', () => {
    expect(MAX_GEMMS).toBe(16384);
    expect(createChallenge({ precision: 'bf16', m: MAX_GEMMS, n: 64, k: 64, deadlineMs: 1000 }).m).toBe(MAX_GEMMS);
    expect(() => createChallenge({ precision: 'bf16', m: MAX_GEMMS + 1, n: 64, k: 64, deadlineMs: 1000 })).toThrow(/Invalid challenge parameter m/);
  });

  it('a protocol v2 peer is refused with E_VERSION before its body is read (inputs and the tree changed in v3)', () => {
    const frame = encode({ v: 2, type: 'request', id: 1, op: 'challenge', body: new Uint8Array([0xc1]) });
    expect(() => decodeFrame(frame, 1 << 16)).toThrow(expect.objectContaining({ code: 'E_VERSION' }));
  });

  it('names the bad parameter and the accepted ranges', () => {
    expect(() => createChallenge({ precision: 'fp32', m: 0, n: 8, k: 8, deadlineMs: 1000 })).toThrow(/Invalid challenge parameter m/);
    try {
      createChallenge({ precision: 'int4' as 'fp32', m: 1, n: 8, k: 8, deadlineMs: 1000 });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'E_CHALLENGE_PARAMETERS', hint: expect.stringMatching(/fp64, fp32/) });
    }
  });
});

describe('committedFlops', () => {
  it('is the FLOPs of the committed part: the GEMMs finished, never more than the challenge had', () => {
    const c = createChallenge({ precision: 'fp32', m: 5, n: 128, k: 256, deadlineMs: 5000 });
    expect(committedFlops(c, 3)).toBe(2 * 3 * 128 * 128 * 256);
    expect(committedFlops(c, 9)).toBe(challengeFlops(c));
    for (const gemms of [0, 1, 5, 6]) expect(committedFlops(c, gemms)).toBe(challengeFlops(committedPart(c, gemms)));
  });
});
