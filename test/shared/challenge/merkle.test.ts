import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HASH_BYTES, hashLeaf, merkleLevels, merkleNodeCount, merkleProof, merkleRoot, proofLength, verifyProof } from '../../../shared/challenge/merkle.js';

const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());

/** The spec's tree, written recursively over arrays: pair up, carry an odd last node. */
function specRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0]!;
  const next: Uint8Array[] = [];
  for (let i = 0; i < leaves.length; i += 2) {
    next.push(i + 1 < leaves.length ? sha(Uint8Array.of(1), leaves[i]!, leaves[i + 1]!) : leaves[i]!);
  }
  return specRoot(next);
}

const leafHashes = (count: number) => Array.from({ length: count }, (_, i) => hashLeaf(Uint8Array.of(i, i >> 8, 7)));
const flat = (hashes: Uint8Array[]) => new Uint8Array(Buffer.concat(hashes));

describe('merkle', () => {
  it('hashes a leaf as SHA-256(0x00 ‖ data)', () => {
    const data = new Uint8Array([1, 2, 3]);
    expect(hashLeaf(data)).toEqual(sha(Uint8Array.of(0), data));
  });

  it('builds the spec root (odd last node carried up, not duplicated)', () => {
    for (let count = 1; count <= 33; count++) {
      const leaves = leafHashes(count);
      expect(merkleRoot(merkleLevels(flat(leaves)))).toEqual(specRoot(leaves));
    }
    const [a, b, c] = leafHashes(3) as [Uint8Array, Uint8Array, Uint8Array];
    expect(merkleRoot(merkleLevels(flat([a, b, c])))).toEqual(sha(Uint8Array.of(1), sha(Uint8Array.of(1), a, b), c));
  });

  it('matches the docs/protocol.md §14 vector', () => {
    const rows = [[1, 2], [3, 4], [5, 6]].map(([x, y]) => {
      const b = Buffer.alloc(8);
      b.writeFloatLE(x!, 0);
      b.writeFloatLE(y!, 4);
      return hashLeaf(b);
    });
    expect(Buffer.from(rows[0]!).toString('hex')).toBe('5c5e88bae87832ce419f1d0f2c674e94f7b61dcf0da3a17ada4206dff031d48d');
    const root = 'f4d0c70f55579710c9082a94d47d7752f85355da4626235cb5fefb6de57190d4';
    expect(Buffer.from(merkleRoot(merkleLevels(flat(rows)))).toString('hex')).toBe(root);
    expect(Buffer.from(specRoot(rows)).toString('hex')).toBe(root);
  });

  it('counts the nodes of every level, as buffers for a tree built elsewhere are sized', () => {
    for (const count of [1, 2, 3, 5, 8, 13, 64, 100]) {
      const levels = merkleLevels(new Uint8Array(count * HASH_BYTES));
      expect(merkleNodeCount(count)).toBe(levels.reduce((sum, level) => sum + level.length / HASH_BYTES, 0));
    }
  });

  it('gives a proof for every leaf that verifies, with the predicted length', () => {
    for (let count = 1; count <= 40; count++) {
      const levels = merkleLevels(flat(leafHashes(count)));
      const root = merkleRoot(levels);
      for (let i = 0; i < count; i++) {
        const path = merkleProof(levels, i);
        expect(path.length).toBe(proofLength(i, count));
        expect(verifyProof(levels[0]!.slice(i * 32, i * 32 + 32), i, count, path, root)).toBe(true);
      }
    }
  });

  it('rejects a proof for the wrong index, a changed sibling, a changed leaf, or a wrong length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.nat(), fc.nat(), (count, a, b) => {
        const i = a % count;
        const other = (i + 1 + (b % (count - 1))) % count;
        const levels = merkleLevels(flat(leafHashes(count)));
        const root = merkleRoot(levels);
        const leaf = levels[0]!.slice(i * 32, i * 32 + 32);
        const path = merkleProof(levels, i);
        expect(verifyProof(leaf, other, count, path, root)).toBe(false);
        const forged = path.map((h) => h.slice());
        forged[b % forged.length]![b % 32] ^= 1;
        expect(verifyProof(leaf, i, count, forged, root)).toBe(false);
        const badLeaf = leaf.slice();
        badLeaf[0] ^= 0x80;
        expect(verifyProof(badLeaf, i, count, path, root)).toBe(false);
        expect(verifyProof(leaf, i, count, [...path, root], root)).toBe(false);
        expect(verifyProof(leaf, i, count, path.slice(1), root)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on nonsense indices, counts or hash sizes', () => {
    const leaf = hashLeaf(Uint8Array.of(1));
    for (const [index, count] of [[-1, 4], [4, 4], [0.5, 4], [0, 0], [Number.NaN, 3], [0, Number.POSITIVE_INFINITY]]) {
      expect(verifyProof(leaf, index!, count!, [], leaf)).toBe(false);
    }
    expect(verifyProof(new Uint8Array(31), 0, 1, [], leaf)).toBe(false);
    expect(verifyProof(leaf, 0, 2, [new Uint8Array(5)], leaf)).toBe(false);
  });
});
