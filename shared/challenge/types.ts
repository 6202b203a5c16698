/**
 * The challenge as it crosses the wire: schemas validate every field a peer sends before use, and the
 * inferred types are what the rest of the code sees. docs/protocol.md is the prose version of this file.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 3;

export const PRECISIONS = ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8'] as const;
export type Precision = (typeof PRECISIONS)[number];
export const zPrecision = z.enum(PRECISIONS);

/** Bound on any one dimension; keeps index arithmetic exact and frames small. */
export const MAX_DIM = 1 << 17;
/**
 * Bound on the number of GEMMs in one challenge: with n ≤ 16384 and k ≤ 65536 (sizing.ts) it lets one
 * challenge offer 2·16384·16384²·65536 ≈ 5.8·10^17 FLOPs, 58 PFLOP/s over a 10 s window.
 */
export const MAX_GEMMS = 16384;

const bytes32 = z.instanceof(Uint8Array).refine((b) => b.length === 32, '32 bytes');
const dim = z.number().int().min(1).max(MAX_DIM);

/**
 * Up to m GEMMs C_j = A_j·B_j, A_j of n×k, B_j of k×n, inputs generated from `seed` (see
 * challenge/elements.ts). `deadlineMs` is the challenge's window: the miner computes GEMMs 0, 1, 2, … in
 * order for as long as the window allows and commits to the ones it finished before the deadline, so a
 * device's pay follows what it does in a fixed time, and several hotkeys on one device share that time.
 */
export const zChallenge = z.object({
  version: z.literal(PROTOCOL_VERSION),
  id: z.string().regex(/^[0-9a-f]{32}$/, '16 random bytes as lowercase hex'),
  seed: bytes32,
  precision: zPrecision,
  m: z.number().int().min(1).max(MAX_GEMMS),
  n: dim,
  k: dim,
  deadlineMs: z.number().int().min(1).max(3_600_000),
});
export type Challenge = z.infer<typeof zChallenge>;

/** The miner's answer to a challenge: how many GEMMs it finished (the first `gemms` of the m), and the Merkle root over their GEMM roots (docs/protocol.md §5). */
export const zCommitment = z.object({
  id: z.string(),
  gemms: z.number().int().min(1).max(MAX_GEMMS),
  root: bytes32,
});
export type Commitment = z.infer<typeof zCommitment>;

/** A result row: row `row` of C_`matrix`. Its leaf index is matrix·n + row. */
export const zRowRef = z.object({
  matrix: z.number().int().min(0).max(MAX_GEMMS - 1),
  row: z.number().int().min(0).max(MAX_DIM - 1),
});
export type RowRef = z.infer<typeof zRowRef>;

export const zOpeningRequest = z.object({
  id: z.string(),
  rows: z.array(zRowRef).min(1).max(256),
});
export type OpeningRequest = z.infer<typeof zOpeningRequest>;

/**
 * One opened row: its n values as little-endian bytes (fp32, or fp64 for the fp64 class) and the
 * Merkle path from its leaf to the root, sibling hashes bottom-up.
 */
export const zRowOpening = z.object({
  matrix: z.number().int().min(0),
  row: z.number().int().min(0),
  data: z.instanceof(Uint8Array).refine((b) => b.length <= 8 * MAX_DIM, 'at most 8·MAX_DIM bytes'),
  path: z.array(bytes32).max(64),
});
export type RowOpening = z.infer<typeof zRowOpening>;

export const zOpenings = z.object({
  id: z.string(),
  rows: z.array(zRowOpening).max(256),
});
export type Openings = z.infer<typeof zOpenings>;

/** What a miner reports about the device that answers challenges. */
export const zDeviceInfo = z.object({
  backend: z.enum(['cpu', 'gpujs', 'cuda']),
  /** The device, or the node: "8 × NVIDIA H200". */
  name: z.string().max(256),
  /** Memory one GEMM's working set may use: on a node of several devices, the smallest device's (any device may get any GEMM). */
  memoryBytes: z.number().int().min(0),
  precisions: z.array(zPrecision).max(PRECISIONS.length),
  /** Free-form detail: driver version, gpu.js mode, core count. */
  detail: z.string().max(1024).optional(),
});
export type DeviceInfo = z.infer<typeof zDeviceInfo>;
