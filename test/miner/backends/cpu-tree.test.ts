import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bandNodes, completeTree, treeLayout } from '../../../miner/backends/cpu-tree.js';
import { HASH_BYTES, merkleLevels, merkleNodeCount } from '../../../shared/challenge/merkle.js';

/** Cuts 0..n into contiguous bands at the given (sorted, distinct) interior points. */
const cut = (n: number, points: number[]) => {
  const edges = [0, ...[...new Set(points.filter((p) => p > 0 && p < n))].sort((a, b) => a - b), n];
  return edges.slice(1).map((to, i) => [edges[i]!, to] as const);
};

describe('a GEMM tree built in bands', () => {
  it('lays out every level of merkleLevels in one buffer', () => {
    for (const n of [1, 2, 3, 5, 1000, 2304]) expect(treeLayout(n).at(-1)).toBe(merkleNodeCount(n) * HASH_BYTES);
  });

  it('is exactly merkleLevels, whatever the bands (odd counts and carried-up nodes included)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(fc.integer({ min: 1, max: 299 }), { maxLength: 12 }), (n, points) => {
        const leaves = randomBytes(n * HASH_BYTES);
        const tree = new Uint8Array(treeLayout(n).at(-1)!);
        tree.set(leaves);
        const bands = cut(n, points);
        // Bands in any order, as the worker threads finish them.
        for (const [from, to] of [...bands].reverse()) bandNodes(tree, n, from, to);
        const levels = completeTree(tree, n, bands);
        const expected = merkleLevels(new Uint8Array(leaves));
        expect(levels.length).toBe(expected.length);
        levels.forEach((level, i) => expect(Buffer.from(level).equals(Buffer.from(expected[i]!))).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves to the main thread only the nodes over band boundaries and the top', () => {
    const n = 2304;
    const tree = new Uint8Array(treeLayout(n).at(-1)!);
    tree.set(randomBytes(n * HASH_BYTES));
    const bands = cut(n, [288, 576, 864, 1152, 1440, 1728, 2016]);
    for (const [from, to] of bands) bandNodes(tree, n, from, to);
    // The nodes still zero after the bands are what completeTree fills in.
    const before = Buffer.from(tree);
    const levels = completeTree(tree, n, bands);
    let filled = 0;
    for (let at = n * HASH_BYTES; at < tree.length; at += HASH_BYTES) if (!before.subarray(at, at + HASH_BYTES).equals(Buffer.from(tree.subarray(at, at + HASH_BYTES)))) filled++;
    expect(filled).toBeLessThan(100); // of 2303 nodes
    expect(Buffer.from(levels.at(-1)!).equals(Buffer.from(merkleLevels(new Uint8Array(tree.subarray(0, n * HASH_BYTES))).at(-1)!))).toBe(true);
  });
});
