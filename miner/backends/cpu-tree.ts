/**
 * A GEMM's tree (docs/protocol.md §5) built where its leaves are hashed: each worker thread hashes, after
 * its band's leaves, every node whose rows all lie in the band, and the main thread then hashes only the
 * nodes over band boundaries and the top. Built on the main thread alone, the tree's n − 1 node hashes
 * (~1–3 µs each through node:crypto) took 2–3 % of a window while the workers waited.
 *
 * All levels live in one buffer, leaves first, each level right after the one below it, as
 * merkleLevels (shared/challenge/merkle.ts) lays them out; node i of level L covers rows
 * [i·2^L, min((i+1)·2^L, n)), carried-up last nodes included.
 */
import { HASH_BYTES, hashNode } from '../../shared/challenge/merkle.js';

/** Byte offset of each level of a tree over n leaves in the one buffer, and the buffer's size (last). */
export function treeLayout(n: number): number[] {
  const offsets = [0];
  let at = 0;
  for (let count = n; ; count = Math.ceil(count / 2)) {
    at += count * HASH_BYTES;
    offsets.push(at);
    if (count === 1) return offsets;
  }
}

/** Node i of level L (≥ 1) from level L − 1: the hash of its two children, or its one child carried up. */
function node(tree: Uint8Array, layout: readonly number[], level: number, i: number): void {
  const below = layout[level - 1]!;
  const width = (layout[level]! - below) / HASH_BYTES;
  const left = below + 2 * i * HASH_BYTES;
  const hash = 2 * i + 1 < width ? hashNode(tree.subarray(left, left + HASH_BYTES), tree.subarray(left + HASH_BYTES, left + 2 * HASH_BYTES)) : tree.subarray(left, left + HASH_BYTES);
  tree.set(hash, layout[level]! + i * HASH_BYTES);
}

/** The nodes above the leaves whose rows all lie in [from, to): a band's share of the tree, its leaves already in place. */
export function bandNodes(tree: Uint8Array, n: number, from: number, to: number): void {
  const layout = treeLayout(n);
  for (let level = 1; level < layout.length - 1; level++) {
    const span = 2 ** level;
    const count = (layout[level + 1]! - layout[level]!) / HASH_BYTES;
    for (let i = Math.ceil(from / span); i < count && Math.min((i + 1) * span, n) <= to; i++) node(tree, layout, level, i);
  }
}

/**
 * The rest of the tree once every band of `bands` (contiguous, covering 0..n) has run bandNodes: the
 * nodes no band held whole. Returns the levels, leaves first, as merkleLevels does.
 */
export function completeTree(tree: Uint8Array, n: number, bands: readonly (readonly [number, number])[]): Uint8Array[] {
  const layout = treeLayout(n);
  const bandEnd = new Int32Array(n);
  for (const [from, to] of bands) bandEnd.fill(to, from, to);
  for (let level = 1; level < layout.length - 1; level++) {
    const span = 2 ** level;
    const count = (layout[level + 1]! - layout[level]!) / HASH_BYTES;
    for (let i = 0; i < count; i++) if (bandEnd[i * span]! < Math.min((i + 1) * span, n)) node(tree, layout, level, i);
  }
  return layout.slice(0, -1).map((offset, level) => tree.subarray(offset, layout[level + 1]));
}
