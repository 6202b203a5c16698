/**
 * The WebAssembly SIMD GEMM kernel, as WebAssembly text generated from one template for binary32 and
 * binary64: the source of miner/backends/gemm/gemm.wasm (`npx tsx scripts/build-wasm.ts` assembles
 * it with wabt (scripts/wasm-modules.ts) and writes the binary; `--print miner/backends/gemm/gemm.wasm`
 * shows the text; test/scripts/wasm-modules.test.ts rebuilds it and compares bytes). Generated rather than hand-written so the two element types cannot
 * drift apart, and so the register tile is one pair of numbers rather than 64 hand-unrolled lines.
 *
 * What it computes, for one band of result rows: C[i, j] = Σ_l A[i, l]·B[l, j] from packed panels
 * (./wasm.ts packs them from the challenge's A and Bᵀ):
 *   - A in panels of MR rows, element (i, l) of panel p at ((p·k + l)·MR + i): MR consecutive values per l;
 *   - B in panels of NR columns, element (l, j) of panel q at ((q·k + l)·NR + j).
 * Goto/BLIS blocking: k in blocks of KC (a KC×NR micro-panel of B stays in L1), rows in blocks of MC (an
 * MC×KC block of A stays in L2); the micro-kernel keeps an MR×NR tile of C in MR·NR/lanes v128 registers
 * and adds one rank-1 update per l with splat loads of A and vector loads of B. Products and sums are
 * each rounded to the element type (no fused multiply-add in WebAssembly SIMD): binary32 accumulation
 * for every class below fp64, binary64 for fp64, blocked in k, which docs/protocol.md §4 allows.
 */

export type WasmElement = 'f32' | 'f64';

export interface WasmTile {
  readonly element: WasmElement;
  /** Bytes per element. */
  readonly bytes: 4 | 8;
  /** Elements per v128. */
  readonly lanes: 4 | 2;
  /** Rows of the register tile (A values splatted per l). */
  readonly mr: number;
  /** Columns of the register tile, a multiple of lanes. */
  readonly nr: number;
  /** Depth of one k block. */
  readonly kc: number;
  /** Row panels (of MR rows) in one block of A. */
  readonly mcPanels: number;
}

/**
 * Tiles chosen by single-thread CPU time on the project's 2-core AMD EPYC (Node 20, other jobs running):
 * binary32 4×16 (16 accumulators) ≈ 36 GFLOP per CPU-second, against 28–33 for 4×8, 35 for 6×8, 33–36 for
 * 8×8 and 24–33 for 4×12; binary64 4×8 ≈ 13 against 11.8–12.4 for 4×4, 6×4 and 4×6. KC of 128 or 512
 * and MC of 16 or 64 panels were no better. V8 keeps most of the 16 accumulators in the 15 free xmm
 * registers and spills the rest to the stack, which costs less than the narrower tile's extra loads.
 */
export const WASM_TILES: Readonly<Record<WasmElement, WasmTile>> = {
  f32: { element: 'f32', bytes: 4, lanes: 4, mr: 4, nr: 16, kc: 256, mcPanels: 32 },
  f64: { element: 'f64', bytes: 8, lanes: 2, mr: 4, nr: 8, kc: 256, mcPanels: 32 },
};

/** Unroll of the micro-kernel's l loop (a remainder loop takes the rest of a block). */
const UNROLL = 4;

const range = (count: number) => Array.from({ length: count }, (_, i) => i);
const indent = (lines: string[], by: number) => lines.map((line) => ' '.repeat(by) + line);

/** One rank-1 update of the register tile at step `u` of the unrolled loop. */
function rank1(t: WasmTile, u: number): string[] {
  const vector = `${t.element}x${t.lanes}`;
  const vectors = t.nr / t.lanes;
  const lines = range(vectors).map((v) => `(local.set $b${v} (v128.load offset=${(u * t.nr + v * t.lanes) * t.bytes} (local.get $pb)))`);
  for (const i of range(t.mr)) {
    lines.push(`(local.set $x (v128.load${t.bytes * 8}_splat offset=${(u * t.mr + i) * t.bytes} (local.get $pa)))`);
    for (const v of range(vectors)) lines.push(`(local.set $c${i}_${v} (${vector}.add (local.get $c${i}_${v}) (${vector}.mul (local.get $x) (local.get $b${v}))))`);
  }
  return lines;
}

/**
 * micro_T(pa, pb, kc, c, ldc, first): the MR×NR tile at byte address c (rows ldc bytes apart) becomes
 * (first ? 0 : itself) + Σ_{l<kc} A-panel column l ⊗ B-panel row l.
 */
function microKernel(t: WasmTile): string[] {
  const vector = `${t.element}x${t.lanes}`;
  const vectors = t.nr / t.lanes;
  const tile = range(t.mr).flatMap((i) => range(vectors).map((v) => [i, v] as const));
  const stepA = t.mr * t.bytes;
  const stepB = t.nr * t.bytes;
  const rowOf = (i: number) => (i === 0 ? '(local.get $c)' : `(i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const ${i})))`);
  const store = (i: number, v: number, value: string) => `(v128.store offset=${v * 16} ${rowOf(i)} ${value})`;
  return [
    `(func $micro_${t.element} (param $pa i32) (param $pb i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $first i32)`,
    `  ${tile.map(([i, v]) => `(local $c${i}_${v} v128)`).join(' ')}`,
    `  ${range(vectors).map((v) => `(local $b${v} v128)`).join(' ')} (local $x v128) (local $end i32) (local $endUnrolled i32)`,
    `  ;; v128 locals start at zero: the tile accumulates from 0 over this k block`,
    `  (local.set $end (i32.add (local.get $pa) (i32.mul (local.get $kc) (i32.const ${stepA}))))`,
    `  (local.set $endUnrolled (i32.add (local.get $pa) (i32.mul (i32.and (local.get $kc) (i32.const ${-UNROLL})) (i32.const ${stepA}))))`,
    `  (block $unrolledDone (loop $unrolled`,
    `    (br_if $unrolledDone (i32.ge_u (local.get $pa) (local.get $endUnrolled)))`,
    ...indent(range(UNROLL).flatMap((u) => rank1(t, u)), 4),
    `    (local.set $pa (i32.add (local.get $pa) (i32.const ${UNROLL * stepA})))`,
    `    (local.set $pb (i32.add (local.get $pb) (i32.const ${UNROLL * stepB})))`,
    `    (br $unrolled)))`,
    `  (block $restDone (loop $rest`,
    `    (br_if $restDone (i32.ge_u (local.get $pa) (local.get $end)))`,
    ...indent(rank1(t, 0), 4),
    `    (local.set $pa (i32.add (local.get $pa) (i32.const ${stepA})))`,
    `    (local.set $pb (i32.add (local.get $pb) (i32.const ${stepB})))`,
    `    (br $rest)))`,
    `  (if (local.get $first)`,
    `    (then`,
    ...indent(tile.map(([i, v]) => store(i, v, `(local.get $c${i}_${v})`)), 6),
    `    )`,
    `    (else`,
    ...indent(tile.map(([i, v]) => store(i, v, `(${vector}.add (v128.load offset=${v * 16} ${rowOf(i)}) (local.get $c${i}_${v}))`)), 6),
    `    ))`,
    `)`,
  ];
}

/** edge_T(tile, c, ldc, rows, cols, first): the valid rows×cols corner of a full tile computed into `tile` (NR-wide rows), into C. */
function edge(t: WasmTile): string[] {
  const e = t.element;
  return [
    `(func $edge_${e} (param $tile i32) (param $c i32) (param $ldc i32) (param $rows i32) (param $cols i32) (param $first i32)`,
    `  (local $i i32) (local $j i32) (local $from i32) (local $to i32)`,
    `  (block $rowsDone (loop $row`,
    `    (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $rows)))`,
    `    (local.set $j (i32.const 0))`,
    `    (block $colsDone (loop $col`,
    `      (br_if $colsDone (i32.ge_u (local.get $j) (local.get $cols)))`,
    `      (local.set $from (i32.add (local.get $tile) (i32.mul (i32.add (i32.mul (local.get $i) (i32.const ${t.nr})) (local.get $j)) (i32.const ${t.bytes}))))`,
    `      (local.set $to (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))) (i32.mul (local.get $j) (i32.const ${t.bytes}))))`,
    `      (${e}.store (local.get $to) (if (result ${e}) (local.get $first)`,
    `        (then (${e}.load (local.get $from)))`,
    `        (else (${e}.add (${e}.load (local.get $to)) (${e}.load (local.get $from))))))`,
    `      (local.set $j (i32.add (local.get $j) (i32.const 1)))`,
    `      (br $col)))`,
    `    (local.set $i (i32.add (local.get $i) (i32.const 1)))`,
    `    (br $row)))`,
    `)`,
  ];
}

/**
 * gemm_T(ap, bp, c, ldc, rows, cols, k, scratch), exported: the band's rows×cols block of C (row-major,
 * ldc elements apart, at byte address c) from the packed A panels at ap (⌈rows/MR⌉ of them) and B panels
 * at bp (⌈cols/NR⌉). Tiles that stick out of the band go through the MR×NR scratch tile.
 */
function driver(t: WasmTile): string[] {
  const e = t.element;
  const panelA = t.mr * t.bytes;
  const panelB = t.nr * t.bytes;
  return [
    `(func (export "gemm_${e}") (param $ap i32) (param $bp i32) (param $c i32) (param $ldc i32) (param $rows i32) (param $cols i32) (param $k i32) (param $scratch i32)`,
    `  (local $ldcBytes i32) (local $rowPanels i32) (local $colPanels i32) (local $pc i32) (local $kc i32) (local $first i32)`,
    `  (local $ic i32) (local $icEnd i32) (local $jr i32) (local $ir i32) (local $pa i32) (local $pb i32) (local $tile i32) (local $colsLeft i32) (local $rowsLeft i32)`,
    `  (local.set $ldcBytes (i32.mul (local.get $ldc) (i32.const ${t.bytes})))`,
    `  (local.set $rowPanels (i32.div_u (i32.add (local.get $rows) (i32.const ${t.mr - 1})) (i32.const ${t.mr})))`,
    `  (local.set $colPanels (i32.div_u (i32.add (local.get $cols) (i32.const ${t.nr - 1})) (i32.const ${t.nr})))`,
    `  (block $kDone (loop $kBlock`,
    `    (br_if $kDone (i32.ge_u (local.get $pc) (local.get $k)))`,
    `    (local.set $kc (select (i32.const ${t.kc}) (i32.sub (local.get $k) (local.get $pc)) (i32.le_u (i32.const ${t.kc}) (i32.sub (local.get $k) (local.get $pc)))))`,
    `    (local.set $first (i32.eqz (local.get $pc)))`,
    `    (local.set $ic (i32.const 0))`,
    `    (block $icDone (loop $icBlock`,
    `      (br_if $icDone (i32.ge_u (local.get $ic) (local.get $rowPanels)))`,
    `      (local.set $icEnd (select (i32.add (local.get $ic) (i32.const ${t.mcPanels})) (local.get $rowPanels) (i32.lt_u (i32.add (local.get $ic) (i32.const ${t.mcPanels})) (local.get $rowPanels))))`,
    `      (local.set $jr (i32.const 0))`,
    `      (block $jrDone (loop $jrPanel`,
    `        (br_if $jrDone (i32.ge_u (local.get $jr) (local.get $colPanels)))`,
    `        (local.set $pb (i32.add (local.get $bp) (i32.mul (i32.add (i32.mul (local.get $jr) (local.get $k)) (local.get $pc)) (i32.const ${panelB}))))`,
    `        (local.set $colsLeft (i32.sub (local.get $cols) (i32.mul (local.get $jr) (i32.const ${t.nr}))))`,
    `        (local.set $ir (local.get $ic))`,
    `        (block $irDone (loop $irPanel`,
    `          (br_if $irDone (i32.ge_u (local.get $ir) (local.get $icEnd)))`,
    `          (local.set $pa (i32.add (local.get $ap) (i32.mul (i32.add (i32.mul (local.get $ir) (local.get $k)) (local.get $pc)) (i32.const ${panelA}))))`,
    `          (local.set $tile (i32.add (local.get $c) (i32.add (i32.mul (i32.mul (local.get $ir) (i32.const ${t.mr})) (local.get $ldcBytes)) (i32.mul (local.get $jr) (i32.const ${panelB})))))`,
    `          (local.set $rowsLeft (i32.sub (local.get $rows) (i32.mul (local.get $ir) (i32.const ${t.mr}))))`,
    `          (if (i32.and (i32.ge_u (local.get $rowsLeft) (i32.const ${t.mr})) (i32.ge_u (local.get $colsLeft) (i32.const ${t.nr})))`,
    `            (then (call $micro_${e} (local.get $pa) (local.get $pb) (local.get $kc) (local.get $tile) (local.get $ldcBytes) (local.get $first)))`,
    `            (else`,
    `              (call $micro_${e} (local.get $pa) (local.get $pb) (local.get $kc) (local.get $scratch) (i32.const ${panelB}) (i32.const 1))`,
    `              (call $edge_${e} (local.get $scratch) (local.get $tile) (local.get $ldcBytes)`,
    `                (select (local.get $rowsLeft) (i32.const ${t.mr}) (i32.lt_u (local.get $rowsLeft) (i32.const ${t.mr})))`,
    `                (select (local.get $colsLeft) (i32.const ${t.nr}) (i32.lt_u (local.get $colsLeft) (i32.const ${t.nr})))`,
    `                (local.get $first))))`,
    `          (local.set $ir (i32.add (local.get $ir) (i32.const 1)))`,
    `          (br $irPanel)))`,
    `        (local.set $jr (i32.add (local.get $jr) (i32.const 1)))`,
    `        (br $jrPanel)))`,
    `      (local.set $ic (local.get $icEnd))`,
    `      (br $icBlock)))`,
    `    (local.set $pc (i32.add (local.get $pc) (local.get $kc)))`,
    `    (br $kBlock)))`,
    `)`,
  ];
}

/** The module: memory imported (shared, so every worker thread's instance sees the same matrices). */
export function gemmWat(tiles: Readonly<Record<WasmElement, WasmTile>> = WASM_TILES): string {
  const lines = [
    ';; Generated by miner/backends/gemm/wasm-source.ts: edit that file, then run scripts/build-wasm.ts.',
    '(module',
    '  (import "env" "memory" (memory 1 65536 shared))',
    ...indent([tiles.f32, tiles.f64].flatMap((t) => [...microKernel(t), ...edge(t), ...driver(t)]), 2),
    ')',
    '',
  ];
  return lines.join('\n');
}
