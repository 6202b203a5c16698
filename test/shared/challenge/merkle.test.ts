import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HASH_BYTES,
  hashLeaf,
  merkleLevels,
  merkleNodeCount,
  merkleProof,
  merkleRoot,
  proofLength,
  rowProof,
  rowProofLength,
  verifyProof,
  verifyRowProof,
} from '../../../shared/challenge/merkle.js';

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

describe('the commitment: a tree over GEMM roots, each the root of its rows (protocol v3)', () => {
  /** gemms × n distinct leaf hashes, GEMM by GEMM. */
  const gemmLeaves = (gemms: number, n: number) => Array.from({ length: gemms }, (_, j) => Array.from({ length: n }, (_, r) => hashLeaf(Uint8Array.of(j, r, r >> 8, 9))));

  it("every row's path climbs its GEMM's tree, then the tree over GEMM roots, to the spec root", () => {
    for (const [gemms, n] of [[1, 1], [1, 5], [3, 1], [3, 7], [5, 64], [6, 13]] as const) {
      const leaves = gemmLeaves(gemms, n);
      const gemmLevels = leaves.map((rows) => merkleLevels(flat(rows)));
      const top = merkleLevels(flat(gemmLevels.map(merkleRoot)));
      const root = merkleRoot(top);
      expect(root).toEqual(specRoot(leaves.map(specRoot)));
      for (let j = 0; j < gemms; j++) {
        for (let r = 0; r < n; r++) {
          const path = rowProof(gemmLevels[j]!, r, top, j);
          expect(path.length).toBe(rowProofLength(j, r, gemms, n));
          expect(verifyRowProof(leaves[j]![r]!, j, r, gemms, n, path, root), `${gemms}×${n} (${j}, ${r})`).toBe(true);
        }
      }
    }
  });

  it('equals the flat tree over all gemms·n rows when n is a power of two', () => {
    const leaves = gemmLeaves(5, 16);
    const twoLevel = merkleRoot(merkleLevels(flat(leaves.map((rows) => merkleRoot(merkleLevels(flat(rows)))))));
    expect(twoLevel).toEqual(merkleRoot(merkleLevels(flat(leaves.flat()))));
  });

  it("a band of 2^b rows starting at a multiple of 2^b is a subtree: its root is a node of the GEMM's tree, and paths split at it", () => {
    // What a miner that recomputes one band of rows for an opening relies on (miner/backends/cuda).
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 6 }), fc.nat(), (n, b, pick) => {
        const band = 2 ** b;
        const rows = gemmLeaves(1, n)[0]!;
        const levels = merkleLevels(flat(rows));
        const bandRoots = Array.from({ length: Math.ceil(n / band) }, (_, i) => merkleRoot(merkleLevels(flat(rows.slice(i * band, (i + 1) * band)))));
        const upper = merkleLevels(flat(bandRoots));
        expect(levels[Math.min(b, levels.length - 1)]!.length / HASH_BYTES).toBe(Math.ceil(n / 2 ** Math.min(b, levels.length - 1)));
        expect(merkleRoot(upper)).toEqual(merkleRoot(levels));
        const r = pick % n;
        const i = Math.floor(r / band);
        const inBand = merkleLevels(flat(rows.slice(i * band, (i + 1) * band)));
        expect([...merkleProof(inBand, r - i * band), ...merkleProof(upper, i)]).toEqual(merkleProof(levels, r));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a row under the wrong GEMM or row, a path cut or lengthened, a changed sibling, nonsense indices', () => {
    const leaves = gemmLeaves(5, 6);
    const gemmLevels = leaves.map((rows) => merkleLevels(flat(rows)));
    const top = merkleLevels(flat(gemmLevels.map(merkleRoot)));
    const root = merkleRoot(top);
    const path = rowProof(gemmLevels[2]!, 3, top, 2);
    const leaf = leaves[2]![3]!;
    expect(verifyRowProof(leaf, 2, 3, 5, 6, path, root)).toBe(true);
    expect(verifyRowProof(leaf, 1, 3, 5, 6, path, root)).toBe(false);
    expect(verifyRowProof(leaf, 2, 2, 5, 6, path, root)).toBe(false);
    expect(verifyRowProof(leaf, 2, 3, 5, 6, path.slice(1), root)).toBe(false);
    expect(verifyRowProof(leaf, 2, 3, 5, 6, [...path, root], root)).toBe(false);
    // The flat v2 index of the same row names a different place.
    expect(verifyProof(leaf, 2 * 6 + 3, 30, path, root)).toBe(false);
    for (let i = 0; i < path.length; i++) {
      const forged = path.map((h) => h.slice());
      forged[i]![i] ^= 1;
      expect(verifyRowProof(leaf, 2, 3, 5, 6, forged, root)).toBe(false);
    }
    for (const [j, r, g, n] of [[5, 0, 5, 6], [0, 6, 5, 6], [-1, 0, 5, 6], [0.5, 0, 5, 6], [0, 0, Number.NaN, 6], [0, 0, 5, 0]]) {
      expect(verifyRowProof(leaf, j!, r!, g!, n!, path, root)).toBe(false);
    }
    expect(verifyRowProof(leaf, 2, 3, 5, 6, [new Uint8Array(7), ...path.slice(1)], root)).toBe(false);
  });
});
