/**
 * Yuma consensus: one subnet epoch as subtensor runs it at HEAD (`epoch/run_epoch.rs::epoch_mechanism`),
 * as a pure function. Plain data in, plain data out, no I/O, so the devnet's block step and an incentive
 * simulator call the same code:
 *
 *   const out = epoch({ currentBlock, stake, weights, bonds, lastUpdate, blockAtRegistration,
 *                       validatorPermit, ownerUid, lastMechanismStepBlock, tempo, raoEmission, params });
 *   // out.incentive / out.dividends / out.consensus …: u16 as stored; out.serverEmission …: rao.
 *   // Feed out.bonds and out.validatorPermit back in as the next epoch's bonds and validatorPermit.
 *
 * Steps, in subtensor's order: activity cutoff; stake normalisation with StakeThreshold (owner exempt);
 * masking with the permits stored by the previous epoch (owner forced), new top-k permits only stored;
 * active stake; weight masks (permit rows, diagonal except the owner's, weights older than the target's
 * registration, commit-reveal) and row normalisation; κ-quantile consensus; clipping; validator trust;
 * incentive; bonds (Yuma3 or classic) with the registered-since-last-epoch mask; dividends; the emission
 * split with its zero fallback; ⌊x × 65535⌋ outputs.
 *
 * Bit-exact with subtensor (BigInt fixed-point, see ./fixed.ts) for one mechanism and no child keys.
 * Stake is the chain's stake weight, alpha + root stake × TaoWeight (`get_stake_weights_for_network`),
 * which the chain keeps in I64F64 and the caller passes rounded down to rao: with root stake the
 * normalised stake can differ in its last I32F32 bit. Not modelled: child-key stake inheritance, several
 * mechanisms per subnet, Rank/Trust/PruningScores (removed at HEAD). Liquid alpha uses float64 `exp` for its sigmoid, so
 * bonds under liquid alpha can differ from the chain's in their last u16 unit.
 */
import {
  type Fixed,
  ONE,
  ZERO,
  div,
  fromInt,
  fromNumber,
  fromU16Proportion,
  mul,
  normalize,
  ratio,
  sum,
  toNumber,
  toU16Proportion,
  toUint,
} from './fixed.js';

/** Subnet hyperparameters the epoch reads, in their stored units. */
export interface YumaParams {
  /** `Kappa`, u16: the consensus quantile is kappa/65535 (default 32767, the stake-weighted median). */
  kappa: number;
  /** `BondsMovingAverage`, per million: the EMA keeps this much of the old bonds (default 900000). */
  bondsMovingAverage: number | bigint;
  /** `BondsPenalty`, u16: 65535 bonds on clipped weights, 0 on raw weights. */
  bondsPenalty: number;
  /** `MaxAllowedValidators`: how many uids may hold a validator permit. */
  maxAllowedValidators: number;
  /** Blocks after the last weight set before a uid counts inactive; see {@link activityCutoffBlocks}. */
  activityCutoffBlocks: number;
  /** `Yuma3On`: true for subnets made by `register_network` at HEAD. */
  yuma3: boolean;
  /** `LiquidAlphaOn` with `AlphaValues` (u16 low, high) and `AlphaSigmoidSteepness` (i16); Yuma3 only. */
  liquidAlpha?: { low: number; high: number; steepness: number } | null;
  /** `StakeThreshold`, rao: uids below it count as zero stake (the owner uid is exempt). Default 0. */
  stakeThreshold?: bigint;
}

/** One neuron's stored weight or bond row: (destination uid, u16 value) pairs. */
export type SparseRow = readonly (readonly [uid: number, value: number])[];

/** The subnet's state at the epoch, every vector indexed by uid 0..n−1 (n = `SubnetworkN`). */
export interface YumaInput {
  /** The block the epoch runs in. */
  currentBlock: number;
  /** Stake weight per uid, rao: `TotalHotkeyAlpha` + root stake × `TaoWeight` (alpha only without root stake). */
  stake: readonly bigint[];
  /** `Weights[netuid][uid]` as stored (raw u16, max-upscaled by set_weights). */
  weights: readonly SparseRow[];
  /** `Bonds[netuid][uid]` as stored by the last epoch. */
  bonds: readonly SparseRow[];
  /** `LastUpdate`: block of each uid's last weight set (or commit). */
  lastUpdate: readonly number[];
  /** `BlockAtRegistration` per uid. */
  blockAtRegistration: readonly number[];
  /** `ValidatorPermit` as stored by the last epoch: this epoch masks with it (one-epoch lag). */
  validatorPermit: readonly boolean[];
  /** Uid of `SubnetOwnerHotkey` on this subnet, or null when it holds none. */
  ownerUid: number | null;
  /** `LastMechansimStepBlock` (block of the previous epoch), 0 if none yet. */
  lastMechanismStepBlock: number;
  /** `Tempo`. */
  tempo: number;
  /**
   * With commit-reveal on: the earliest commit block among each uid's unrevealed commits, or null. Weights
   * of i to j are dropped when it is < BlockAtRegistration_j. Omit when commit-reveal is off.
   */
  commitBlock?: readonly (number | null)[];
  /** Alpha (rao) distributed by this epoch: the drained pending server + validator (+ root) emission. */
  raoEmission: bigint;
  params: YumaParams;
}

/** Everything the epoch writes, as stored (u16 proportions = ⌊x × 65535⌋), plus the emission per uid. */
export interface YumaOutput {
  /** `Active`. */
  active: boolean[];
  /** `Consensus`, u16. */
  consensus: number[];
  /** `Incentive`, u16. */
  incentive: number[];
  /** `Dividends`, u16. */
  dividends: number[];
  /** `ValidatorTrust`, u16. */
  validatorTrust: number[];
  /** `ValidatorPermit` to store: the new top-k permits, used by the next epoch. */
  validatorPermit: boolean[];
  /** `StakeWeight`, u16: normalised stake after the threshold. */
  stakeWeight: number[];
  /** `Bonds` rows to store, u16. Uids without a new permit get an empty row. */
  bonds: [number, number][][];
  /** Miner (server) emission per uid, rao: incentive share of raoEmission. */
  serverEmission: bigint[];
  /** Validator emission per uid, rao: dividend share of raoEmission. */
  validatorEmission: bigint[];
  /** `Emission`, rao per uid: combined (incentive + dividends) share of raoEmission. */
  emission: bigint[];
}

/** `get_activity_cutoff` at HEAD: max(1, ⌊ActivityCutoffFactorMilli × Tempo / 1000⌋). */
export function activityCutoffBlocks(activityCutoffFactorMilli: number, tempo: number): number {
  return Math.max(1, Math.floor((activityCutoffFactorMilli * tempo) / 1000));
}


/**
 * A sparse row: parallel column and value arrays. Kept as plain arrays and loops because this is the hot
 * path (a 64 × 192 weight matrix is about 12 000 entries, each touched by a dozen BigInt operations).
 */
interface Row {
  cols: number[];
  vals: Fixed[];
}
type Matrix = Row[];

const emptyRow = (): Row => ({ cols: [], vals: [] });

/**
 * The row of a uid with no entries, shared: most rows are empty (only validators weigh or hold bonds),
 * and a fresh empty row per uid per step was garbage by the thousand. Frozen, so a step that wrongly
 * appended to it would throw instead of changing other rows.
 */
const EMPTY_ROW: Row = Object.freeze({ cols: Object.freeze([]) as unknown as number[], vals: Object.freeze([]) as unknown as Fixed[] });

/**
 * Runs one Yuma epoch over a subnet's state (`epoch_mechanism`, one mechanism). Pure: the inputs are not
 * modified. Vectors shorter than `stake` are padded as the chain pads them (no permit, block 0, no row).
 */
export function epoch(input: YumaInput): YumaOutput {
  const { params } = input;
  const n = input.stake.length;
  const current = input.currentBlock;
  const owner = input.ownerUid !== null && input.ownerUid >= 0 && input.ownerUid < n ? input.ownerUid : null;
  const lastUpdate = (i: number): number => input.lastUpdate[i] ?? 0;
  const registeredAt = (j: number): number => input.blockAtRegistration[j] ?? 0;

  // Activity: a uid that has not set weights within the cutoff keeps its stake out of consensus.
  const active = Array.from({ length: n }, (_, i) => !(lastUpdate(i) + params.activityCutoffBlocks < current));

  // Stake: below StakeThreshold counts as zero (not for the owner), then normalised in I64F64 → I32F32.
  const threshold = params.stakeThreshold ?? 0n;
  const filtered = input.stake.map((s, i) => (i !== owner && s < threshold ? 0n : s));
  const totalStake = filtered.reduce((a, b) => a + b, 0n);
  const stake = filtered.map((s) => ratio(s, totalStake));

  // Permits: this epoch masks with the stored permits; the new top-k is only stored (one-epoch lag).
  const oldPermit = Array.from({ length: n }, (_, i) => i === owner || (input.validatorPermit[i] ?? false));
  const newPermit = isTopkNonzero(stake, params.maxAllowedValidators);
  if (owner !== null) newPermit[owner] = true;

  const activeStake = normalize(stake.map((s, i) => (active[i] && oldPermit[i] ? s : ZERO)));

  const weights = rowNormalize(maskedWeights(input, n, oldPermit, owner));

  const kappa = div(fromInt(params.kappa), fromInt(65_535));
  const consensus = weightedMedianCol(activeStake, weights, n, kappa);
  const clipped = colClip(weights, consensus);
  const validatorTrust = clipped.map((row) => sum(row.vals));
  const incentive = normalize(matmul(clipped, activeStake, n));

  const bondsPenalty = div(fromInt(params.bondsPenalty), fromInt(65_535));
  const weightsForBonds = interpolate(weights, clipped, n, bondsPenalty);

  // Bonds to uids registered since the previous epoch belong to the uid's former holder: drop them.
  const lastStep = input.lastMechanismStepBlock;
  const lastTempo = lastStep === 0 ? Math.max(0, current - input.tempo) : lastStep + 1;
  const storedBonds: Matrix = Array.from({ length: n }, (_, i) => {
    if (!input.bonds[i]?.length) return EMPTY_ROW;
    const row = emptyRow();
    for (const [j, u] of input.bonds[i] ?? []) {
      if (j >= n || lastTempo <= registeredAt(j)) continue;
      row.cols.push(j);
      row.vals.push(params.yuma3 ? fromU16Proportion(u) : fromInt(u));
    }
    return row;
  });

  const emaAlpha = ONE - ratio(BigInt(params.bondsMovingAverage), 1_000_000n);
  let emaBonds: Matrix;
  let dividends: Fixed[];
  if (params.yuma3) {
    const liquid = params.liquidAlpha;
    emaBonds =
      liquid && consensus.some((c) => c !== ZERO)
        ? matEmaLiquid(weightsForBonds, storedBonds, consensus, liquid)
        : matEma(weightsForBonds, storedBonds, emaAlpha, n);
    const perValidator = dot(colNormalize(emaBonds, n), incentive);
    dividends = normalize(perValidator.map((d, i) => mul(d, activeStake[i]!)));
  } else {
    const bonds = colNormalize(storedBonds, n);
    const delta = colNormalize(rowScale(weightsForBonds, activeStake), n);
    emaBonds = colNormalize(matEma(delta, bonds, emaAlpha, n), n);
    dividends = normalize(dot(emaBonds, incentive));
    emaBonds = colMaxUpscale(emaBonds, n);
  }

  // Emission: incentive and dividends share raoEmission; with neither, validators take it by stake.
  const combined = incentive.map((x, i) => x + dividends[i]!);
  const emissionSum = sum(combined);
  let serverShare = incentive;
  let validatorShare = dividends;
  let combinedShare = normalize(combined);
  if (emissionSum === ZERO) {
    const fallback = sum(activeStake) === ZERO ? stake : activeStake;
    validatorShare = fallback;
    combinedShare = fallback;
  } else {
    serverShare = incentive.map((x) => div(x, emissionSum));
    validatorShare = dividends.map((x) => div(x, emissionSum));
  }
  const rao = fromInt(input.raoEmission);
  const toRao = (share: Fixed): bigint => toUint(mul(share, rao));

  return {
    active,
    consensus: consensus.map(toU16Proportion),
    incentive: incentive.map(toU16Proportion),
    dividends: dividends.map(toU16Proportion),
    validatorTrust: validatorTrust.map(toU16Proportion),
    validatorPermit: newPermit,
    stakeWeight: stake.map(toU16Proportion),
    bonds: emaBonds.map((row, i) =>
      newPermit[i] ? row.cols.map((j, k): [number, number] => [j, toU16Proportion(row.vals[k]!)]) : [],
    ),
    serverEmission: serverShare.map(toRao),
    validatorEmission: validatorShare.map(toRao),
    emission: combinedShare.map(toRao),
  };
}

/**
 * `is_topk_nonzero`: true for the k largest nonzero values. The sort is stable and ascending and the
 * lowest n−k are dropped, so on ties the higher uid wins. With fewer than k uids every nonzero one passes.
 */
export function isTopkNonzero(values: readonly Fixed[], k: number): boolean[] {
  const result = values.map((v) => v !== ZERO);
  const n = values.length;
  if (n < k) return result;
  const order = values
    .map((_, i) => i)
    .sort((a, b) => (values[a]! < values[b]! ? -1 : values[a]! > values[b]! ? 1 : a - b));
  for (const i of order.slice(0, n - k)) result[i] = false;
  return result;
}

/**
 * The weight matrix the epoch uses, before row normalisation: raw u16 values of permitted validators,
 * without self-weight (the owner's excepted), without weights set before the target registered, and
 * (commit-reveal) without weights committed before it registered. Rows are sorted by uid.
 */
function maskedWeights(input: YumaInput, n: number, permit: readonly boolean[], owner: number | null): Matrix {
  const registeredAt = (j: number): number => input.blockAtRegistration[j] ?? 0;
  return Array.from({ length: n }, (_, i) => {
    if (!permit[i]) return EMPTY_ROW;
    const updated = input.lastUpdate[i] ?? 0;
    const committed = input.commitBlock?.[i] ?? null;
    const kept = (input.weights[i] ?? []).filter(
      ([j]) =>
        j < n &&
        (j !== i || i === owner) &&
        !(updated <= registeredAt(j)) &&
        !(committed !== null && committed < registeredAt(j)),
    );
    kept.sort((a, b) => a[0] - b[0]);
    return { cols: kept.map(([j]) => j), vals: kept.map(([, w]) => BigInt(w) << 32n) };
  });
}

/** Each row divided by its sum (rows summing to 0 unchanged). */
function rowNormalize(m: Matrix): Matrix {
  return m.map((row) => {
    const s = sum(row.vals);
    if (s <= ZERO) return row;
    const vals = new Array<Fixed>(row.vals.length);
    for (let k = 0; k < vals.length; k++) vals[k] = (row.vals[k]! << 32n) / s;
    return { cols: row.cols, vals };
  });
}

/** Each entry divided by its column's sum (columns summing to 0 unchanged). */
function colNormalize(m: Matrix, n: number): Matrix {
  const sums = new Array<Fixed>(n).fill(ZERO);
  for (const row of m) for (let k = 0; k < row.cols.length; k++) sums[row.cols[k]!] += row.vals[k]!;
  return m.map((row) => {
    if (row.cols.length === 0) return row;
    const vals = new Array<Fixed>(row.vals.length);
    for (let k = 0; k < vals.length; k++) {
      const s = sums[row.cols[k]!]!;
      vals[k] = s === ZERO ? row.vals[k]! : (row.vals[k]! << 32n) / s;
    }
    return { cols: row.cols, vals };
  });
}

/** Each entry divided by its column's maximum (`inplace_col_max_upscale_sparse`). */
function colMaxUpscale(m: Matrix, n: number): Matrix {
  const max = new Array<Fixed>(n).fill(ZERO);
  for (const row of m) {
    for (let k = 0; k < row.cols.length; k++) if (max[row.cols[k]!]! < row.vals[k]!) max[row.cols[k]!] = row.vals[k]!;
  }
  return m.map((row) => {
    if (row.cols.length === 0) return row;
    const vals = new Array<Fixed>(row.vals.length);
    for (let k = 0; k < vals.length; k++) {
      const top = max[row.cols[k]!]!;
      vals[k] = top === ZERO ? row.vals[k]! : (row.vals[k]! << 32n) / top;
    }
    return { cols: row.cols, vals };
  });
}

/** Row i scaled by s_i (`row_hadamard_sparse`). */
function rowScale(m: Matrix, s: readonly Fixed[]): Matrix {
  return m.map((row, i) => (row.cols.length === 0 ? row : { cols: row.cols, vals: row.vals.map((v) => (v * s[i]!) >> 32n) }));
}

/** r_j = Σ_i s_i × m_ij (`matmul_sparse`). */
function matmul(m: Matrix, s: readonly Fixed[], n: number): Fixed[] {
  const r = new Array<Fixed>(n).fill(ZERO);
  m.forEach((row, i) => {
    const si = s[i]!;
    for (let k = 0; k < row.cols.length; k++) r[row.cols[k]!] += (si * row.vals[k]!) >> 32n;
  });
  return r;
}

/** d_i = Σ_j m_ij × v_j (`matmul_transpose_sparse`; also the row sums of `mat_vec_mul_sparse`). */
function dot(m: Matrix, v: readonly Fixed[]): Fixed[] {
  return m.map((row) => {
    let acc = ZERO;
    for (let k = 0; k < row.cols.length; k++) acc += (row.vals[k]! * v[row.cols[k]!]!) >> 32n;
    return acc;
  });
}

/**
 * Per column, the κ-quantile of the weights over validators with active stake (stakes renormalised, a
 * missing weight counting as 0): C_j = min{x : Σ_{i: W_ij ≤ x} s_i > Σs − κ}, or the largest weight
 * when no x qualifies. This is the value subtensor's deterministic pivot search converges to; fixed-point
 * addition is exact, so the cumulative sums match it bit for bit.
 */
function weightedMedianCol(activeStake: readonly Fixed[], weights: Matrix, n: number, kappa: Fixed): Fixed[] {
  const voters = activeStake.flatMap((s, i) => (s > ZERO ? [i] : []));
  const voterStake = normalize(voters.map((i) => activeStake[i]!));
  const stakeSum = sum(voterStake);
  const minority = stakeSum - kappa;
  const consensus = new Array<Fixed>(n).fill(ZERO);
  if (voters.length === 0) return consensus;
  // Column by column, each voter's row read through a cursor (rows are sorted by column, as
  // maskedWeights leaves them), the column's positive weights kept sorted by insertion in two arrays
  // reused for every column: there are few voters, and thousands of columns each with arrays of its
  // own and a sort call were most of this step. Sums of fixed-point values are exact, so the order
  // of equal weights changes nothing.
  const rows = voters.map((i) => weights[i]!);
  const at = new Array<number>(voters.length).fill(0);
  const w: Fixed[] = [];
  const s: Fixed[] = [];
  for (let j = 0; j < n; j++) {
    let count = 0;
    for (let v = 0; v < rows.length; v++) {
      const row = rows[v]!;
      for (; at[v]! < row.cols.length && row.cols[at[v]!] === j; at[v]!++) {
        const x = row.vals[at[v]!]!;
        if (x <= ZERO) continue;
        let p = count++;
        for (; p > 0 && w[p - 1]! > x; p--) {
          w[p] = w[p - 1]!;
          s[p] = s[p - 1]!;
        }
        w[p] = x;
        s[p] = voterStake[v]!;
      }
    }
    let below = stakeSum;
    for (let e = 0; e < count; e++) below -= s[e]!;
    // Validators that gave no (or zero) weight form the group at x = 0.
    if (count < voters.length && below > minority) continue;
    let found = count > 0 ? w[count - 1]! : ZERO;
    for (let e = 0; e < count; ) {
      const x = w[e]!;
      while (e < count && w[e] === x) below += s[e++]!;
      if (below > minority) {
        found = x;
        break;
      }
    }
    consensus[j] = found;
  }
  return consensus;
}

/** W̄_ij = min(W_ij, C_j); an entry above a column's consensus of 0 is dropped. */
function colClip(m: Matrix, threshold: readonly Fixed[]): Matrix {
  return m.map((row) => {
    if (row.cols.length === 0) return row;
    const out = emptyRow();
    for (let k = 0; k < row.cols.length; k++) {
      const j = row.cols[k]!;
      const v = row.vals[k]!;
      const th = threshold[j]!;
      if (th < v && th <= ZERO) continue;
      out.cols.push(j);
      out.vals.push(th < v ? th : v);
    }
    return out;
  });
}

/** a + ratio × (b − a) entry-wise, keeping positive entries (`interpolate_sparse`). */
function interpolate(a: Matrix, b: Matrix, n: number, r: Fixed): Matrix {
  if (r === ZERO) return a;
  if (r === ONE) return b;
  return a.map((rowA, i) => {
    const dense = new Array<Fixed>(n).fill(ZERO);
    const denseB = new Array<Fixed>(n).fill(ZERO);
    rowA.cols.forEach((j, k) => (dense[j] = rowA.vals[k]!));
    b[i]!.cols.forEach((j, k) => (denseB[j] = b[i]!.vals[k]!));
    const out = emptyRow();
    for (let j = 0; j < n; j++) {
      const v = dense[j]! + mul(r, denseB[j]! - dense[j]!);
      if (v > ZERO) {
        out.cols.push(j);
        out.vals.push(v);
      }
    }
    return out;
  });
}

/** α × new + (1 − α) × old entry-wise, keeping positive entries, columns ascending (`mat_ema_sparse`). */
function matEma(next: Matrix, old: Matrix, alpha: Fixed, n: number): Matrix {
  const keep = ONE - alpha;
  return next.map((rowNew, i) => {
    const rowOld = old[i] ?? EMPTY_ROW;
    if (rowNew.cols.length === 0 && rowOld.cols.length === 0) return EMPTY_ROW;
    const acc = new Array<Fixed>(n).fill(ZERO);
    for (let k = 0; k < rowNew.cols.length; k++) acc[rowNew.cols[k]!] += (alpha * rowNew.vals[k]!) >> 32n;
    for (let k = 0; k < rowOld.cols.length; k++) acc[rowOld.cols[k]!] += (keep * rowOld.vals[k]!) >> 32n;
    const out = emptyRow();
    for (let j = 0; j < n; j++) {
      if (acc[j]! > ZERO) {
        out.cols.push(j);
        out.vals.push(acc[j]!);
      }
    }
    return out;
  });
}

/**
 * Liquid-alpha EMA (Yuma3): a per-entry α from a sigmoid of how far the weight sits from consensus (when
 * buying) or below the bond (when selling); only entries present in `next` are kept, capped at 1. The
 * sigmoid's exp is float64 where subtensor uses a fixed-point series, so α may differ in its last bits.
 */
function matEmaLiquid(
  next: Matrix,
  old: Matrix,
  consensus: readonly Fixed[],
  liquid: { low: number; high: number; steepness: number },
): Matrix {
  const low = fromU16Proportion(liquid.low);
  const high = fromU16Proportion(liquid.high);
  const slope = div(fromInt(liquid.steepness), fromInt(-100));
  const half = ONE / 2n;
  const [minExp, maxExp] = [fromInt(-20), fromInt(20)];
  const clamp = (x: Fixed, lo: Fixed, hi: Fixed): Fixed => (x < lo ? lo : x > hi ? hi : x);
  const oldByCol = new Array<Fixed>(consensus.length).fill(ZERO);
  return next.map((rowNew, i) => {
    const rowOld = old[i] ?? EMPTY_ROW;
    rowOld.cols.forEach((j, k) => (oldByCol[j] = rowOld.vals[k]!));
    const out = emptyRow();
    rowNew.cols.forEach((j, k) => {
      const w = rowNew.vals[k]!;
      const bond = oldByCol[j]!;
      const diff = w >= bond ? clamp(w - consensus[j]!, ZERO, ONE) : clamp(bond - w, ZERO, ONE);
      const exponent = clamp(mul(slope, diff - half), minExp, maxExp);
      const sigmoid = div(ONE, ONE + fromNumber(Math.exp(toNumber(exponent))));
      const alpha = clamp(low + mul(sigmoid, high - low), low, high);
      const inc = mul(alpha, w);
      const v = mul(ONE - alpha, bond) + (inc > ZERO ? inc : ZERO);
      const capped = v < ONE ? v : ONE;
      if (capped > ZERO) {
        out.cols.push(j);
        out.vals.push(capped);
      }
    });
    for (const j of rowOld.cols) oldByCol[j] = ZERO;
    return out;
  });
}
