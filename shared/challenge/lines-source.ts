/**
 * The bulk line generator as WebAssembly text: Philox4x32-10 in SIMD, four counters per vector, fused
 * with the element rule and writing the lines' values in the layout a GEMM reads. The source of
 * ./lines-wasm.ts (`npx tsx scripts/build-wasm.ts` assembles it with wabt and writes the binary there;
 * test/scripts/wasm-modules.test.ts rebuilds it and compares bytes). ./lines.ts runs it, and
 * test/shared/challenge/lines.test.ts holds it to the reference (./elements.ts) bit for bit.
 *
 * What it computes is docs/protocol.md §3.2–3.3 and nothing else: position l of line t of a matrix is
 * word l mod E of the Philox call with counter [⌊l/E⌋, t, 0, 0]. One vector holds calls i..i+3 of one
 * line (lane j: counter i + j), so each round is two 32×32→64 products per lane (i64x2.extmul_low/high
 * of the lanes, then a shuffle of the high words and one of the low words), two xors with the round key
 * and no data movement between lanes. The element rule is integer arithmetic on the word, into the bits
 * of the value: for a class of p ≤ 23 mantissa bits, as binary32,
 *
 *   bits = x << 31  |  0x3F000000 | (x & 2) << 22  |  (x >>> 9) & (2^p − 1) << (23 − p)
 *          sign        exponent 126 or 127            the top p bits of x, as the top of the fraction
 *
 * and for fp64, as binary64, the high word (x << 31) | 0x3FE00000 | (x & 2) << 19 | x >>> 12 and the
 * low word y. A 4×4 transpose then puts each call's E values side by side, as the line stores them.
 *
 * Two Philox rounds are cheaper than ten full ones: the counter's words 1–3 are (line, 0, 0), so in
 * round 1 the product of word 2 is zero and word 0 of the result is line ⊕ k0, which round 2 multiplies:
 * both depend on the line alone and are computed once per line.
 */

/** Output of one exported function: which classes it draws and the type it stores them as. */
export type LineVariant = 'narrow_f32' | 'narrow_f64' | 'wide_f64';

export const LINE_VARIANTS: readonly LineVariant[] = ['narrow_f32', 'narrow_f64', 'wide_f64'];

/** Bytes of the round keys at the start of memory: k0 and k1 of rounds 1..10, each a splatted v128. */
export const ROUND_KEY_BYTES = 20 * 16;

/**
 * Groups of four calls computed side by side in one pass of the inner loop, for instruction-level
 * parallelism: on the project's AMD EPYC (Node 20), binary32 lines cost 1.78 / 1.16 / 1.11 / 1.23 ns per
 * value with 1 / 2 / 3 / 4 groups (fp64: 3.06 / 2.18 / 1.97 / 2.69); four spill registers.
 */
export const GROUPS = 3;

/** Values one group of four calls stores: 16 of a class below fp64, 8 of fp64. */
export const valuesPerGroup = (variant: LineVariant): number => (variant === 'wide_f64' ? 8 : 16);

const M0 = 0xd2511f53 | 0;
const M1 = 0xcd9e8d57 | 0;
const W0 = 0x9e3779b9 | 0;
const W1 = 0xbb67ae85 | 0;

const range = (count: number) => Array.from({ length: count }, (_, i) => i);
const indent = (lines: string[], by: number) => lines.map((line) => ' '.repeat(by) + line);
const get = (name: string) => `(local.get $${name})`;
const set = (name: string, value: string) => `(local.set $${name} ${value})`;
/** Bytes of the lanes of a i8x16.shuffle that picks 32-bit words `words` of (a ‖ b). */
const shuffle = (words: number[], a: string, b: string) => `(i8x16.shuffle ${words.flatMap((w) => range(4).map((i) => 4 * w + i)).join(' ')} ${a} ${b})`;
const HIGH_WORDS = [1, 3, 5, 7];
const LOW_WORDS = [0, 2, 4, 6];
/** Round key `which` (0: k0, 1: k1) of round r (1-based), from the table at address 0. */
const roundKey = (r: number, which: 0 | 1) => `(v128.load offset=${((r - 1) * 2 + which) * 16} (i32.const 0))`;

/** hi and lo of the four 32×32→64 products x·m, into locals `${hi}` and `${lo}`. */
function product(x: string, m: string, hi: string, lo: string, g: number): string[] {
  return [
    set(`p${g}`, `(i64x2.extmul_low_i32x4_u ${x} ${m})`),
    set(`q${g}`, `(i64x2.extmul_high_i32x4_u ${x} ${m})`),
    set(hi, shuffle(HIGH_WORDS, get(`p${g}`), get(`q${g}`))),
    set(lo, shuffle(LOW_WORDS, get(`p${g}`), get(`q${g}`))),
  ];
}

/**
 * Rounds 2..10 of group g (round 1 is folded into the per-line constants): the state is c0..c3 of the
 * group, whose round-2 input is (line ⊕ k0, 0, hi0 ⊕ k1, lo0) with hi0/lo0 the product of the counter.
 */
function rounds(g: number): string[] {
  const c = (i: number) => `c${i}_${g}`;
  const lines: string[] = [];
  // Round 1: word 2 and word 3 of the counter are 0, so only the counter's own product matters.
  lines.push(...product(get(`ctr${g}`), get('m0'), `h0_${g}`, `l0_${g}`, g));
  lines.push(set(c(2), `(v128.xor ${get(`h0_${g}`)} ${roundKey(1, 1)})`));
  lines.push(set(c(3), get(`l0_${g}`)));
  // Round 2: word 0 is line ⊕ k0 (hi/lo of its product are the per-line $lh/$ll), word 1 is 0.
  lines.push(...product(get(c(2)), get('m1'), `h1_${g}`, `l1_${g}`, g));
  lines.push(set(c(0), `(v128.xor ${get(`h1_${g}`)} ${roundKey(2, 0)})`));
  lines.push(set(c(1), get(`l1_${g}`)));
  lines.push(set(c(2), `(v128.xor (v128.xor ${get('lh')} ${get(c(3))}) ${roundKey(2, 1)})`));
  lines.push(set(c(3), get('ll')));
  for (let r = 3; r <= 10; r++) {
    lines.push(...product(get(c(0)), get('m0'), `h0_${g}`, `l0_${g}`, g));
    lines.push(...product(get(c(2)), get('m1'), `h1_${g}`, `l1_${g}`, g));
    lines.push(set(c(0), `(v128.xor (v128.xor ${get(`h1_${g}`)} ${get(c(1))}) ${roundKey(r, 0)})`));
    lines.push(set(c(1), get(`l1_${g}`)));
    lines.push(set(c(2), `(v128.xor (v128.xor ${get(`h0_${g}`)} ${get(c(3))}) ${roundKey(r, 1)})`));
    lines.push(set(c(3), get(`l0_${g}`)));
  }
  return lines;
}

/** Binary32 bits of a class below fp64 from each lane's word x (the mask keeps the class's p bits). */
const narrowBits = (x: string) =>
  `(v128.or (v128.or (i32x4.shl ${x} (i32.const 31)) (i32x4.shl (v128.and ${x} (v128.const i32x4 2 2 2 2)) (i32.const 22))) ` +
  `(v128.or (v128.and (i32x4.shr_u ${x} (i32.const 9)) ${get('mask')}) (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000)))`;

/** The high word of a binary64 value from the word x (its low word is the call's next word, y). */
const wideHigh = (x: string) =>
  `(v128.or (v128.or (i32x4.shl ${x} (i32.const 31)) (i32x4.shl (v128.and ${x} (v128.const i32x4 2 2 2 2)) (i32.const 19))) ` +
  `(v128.or (i32x4.shr_u ${x} (i32.const 12)) (v128.const i32x4 0x3fe00000 0x3fe00000 0x3fe00000 0x3fe00000)))`;

/**
 * Stores group g: the four vectors v0..v3 (lane j of v_w: word w of call j, mapped) transposed so that
 * call j's four words are consecutive, at $out + 64·g (+ the f64 widening for narrow_f64).
 */
function store(variant: LineVariant, g: number): string[] {
  const v = (w: number) => `v${w}_${g}`;
  const c = (i: number) => `c${i}_${g}`;
  const lines: string[] = [];
  if (variant === 'wide_f64') {
    // Call j stores (y0, X0, y1, X1) = words (1, hi(0), 3, hi(2)): two binary64 values, little-endian.
    lines.push(set(v(0), get(c(1))), set(v(1), wideHigh(get(c(0)))), set(v(2), get(c(3))), set(v(3), wideHigh(get(c(2)))));
  } else {
    for (const w of range(4)) lines.push(set(v(w), narrowBits(get(c(w)))));
  }
  // 4×4 transpose: interleave words, then 64-bit halves.
  lines.push(
    set(`t0_${g}`, shuffle([0, 4, 1, 5], get(v(0)), get(v(1)))),
    set(`t1_${g}`, shuffle([0, 4, 1, 5], get(v(2)), get(v(3)))),
    set(`t2_${g}`, shuffle([2, 6, 3, 7], get(v(0)), get(v(1)))),
    set(`t3_${g}`, shuffle([2, 6, 3, 7], get(v(2)), get(v(3)))),
  );
  const call = [
    shuffle([0, 1, 4, 5], get(`t0_${g}`), get(`t1_${g}`)),
    shuffle([2, 3, 6, 7], get(`t0_${g}`), get(`t1_${g}`)),
    shuffle([0, 1, 4, 5], get(`t2_${g}`), get(`t3_${g}`)),
    shuffle([2, 3, 6, 7], get(`t2_${g}`), get(`t3_${g}`)),
  ];
  if (variant === 'narrow_f64') {
    // Each call's four binary32 values widened to binary64 (exact): 32 bytes per call.
    for (const j of range(4)) {
      lines.push(set(v(j), call[j]!));
      lines.push(`(v128.store offset=${(g * 16 + 4 * j) * 8} ${get('out')} (f64x2.promote_low_f32x4 ${get(v(j))}))`);
      lines.push(`(v128.store offset=${(g * 16 + 4 * j + 2) * 8} ${get('out')} (f64x2.promote_low_f32x4 ${shuffle([2, 3, 2, 3], get(v(j)), get(v(j)))}))`);
    }
  } else {
    for (const j of range(4)) lines.push(`(v128.store offset=${g * 64 + 16 * j} ${get('out')} ${call[j]})`);
  }
  return lines;
}

/**
 * fill_V(k0, k1, line, lines, calls, dst, stride[, mask]), exported: lines line..line+lines−1, each of
 * `calls` Philox calls rounded up to a multiple of 4·GROUPS, line t's values from byte address
 * dst + t·stride. The rounding writes up to 4·GROUPS − 1 calls' values past a line's end: into the next
 * line, which overwrites them, and past the last one into the caller's slack.
 */
function fill(variant: LineVariant): string[] {
  const narrow = variant !== 'wide_f64';
  const groupBytes = valuesPerGroup(variant) * (variant === 'narrow_f32' ? 4 : 8);
  const passBytes = GROUPS * groupBytes;
  const groupLocals = range(GROUPS).flatMap((g) => [
    `ctr${g}`,
    ...range(4).map((i) => `c${i}_${g}`),
    ...['p', 'q'].map((x) => `${x}${g}`),
    ...['h0', 'l0', 'h1', 'l1'].map((x) => `${x}_${g}`),
    ...range(4).map((w) => `v${w}_${g}`),
    ...range(4).map((t) => `t${t}_${g}`),
  ]);
  return [
    `(func (export "fill_${variant}") (param $k0 i32) (param $k1 i32) (param $line i32) (param $lines i32) (param $calls i32) (param $dst i32) (param $stride i32)${narrow ? ' (param $bits i32)' : ''}`,
    `  (local $r i32) (local $t i32) (local $out i32) (local $end i32) (local $x i32) (local $m0 v128) (local $m1 v128) (local $lh v128) (local $ll v128)${narrow ? ' (local $mask v128)' : ''}`,
    `  ${groupLocals.map((name) => `(local $${name} v128)`).join(' ')}`,
    `  (local.set $m0 (i32x4.splat (i32.const ${M0})))`,
    `  (local.set $m1 (i32x4.splat (i32.const ${M1})))`,
    ...(narrow ? [`  ;; the class's p mantissa bits as the top of binary32's 23-bit fraction`, `  (local.set $mask (i32x4.splat (i32.and (i32.shl (i32.const -1) (i32.sub (i32.const 23) (local.get $bits))) (i32.const 0x7fffff))))`] : []),
    `  ;; round keys: k0 and k1 of round r + 1 = key + r·W, splatted, at 32·r`,
    `  (block $keysDone (loop $keys`,
    `    (br_if $keysDone (i32.ge_u (local.get $r) (i32.const 10)))`,
    `    (v128.store (i32.shl (local.get $r) (i32.const 5)) (i32x4.splat (i32.add (local.get $k0) (i32.mul (local.get $r) (i32.const ${W0})))))`,
    `    (v128.store offset=16 (i32.shl (local.get $r) (i32.const 5)) (i32x4.splat (i32.add (local.get $k1) (i32.mul (local.get $r) (i32.const ${W1})))))`,
    `    (local.set $r (i32.add (local.get $r) (i32.const 1)))`,
    `    (br $keys)))`,
    `  (block $linesDone (loop $eachLine`,
    `    (br_if $linesDone (i32.ge_u (local.get $t) (local.get $lines)))`,
    `    ;; round 1 gives word 0 = line ⊕ k0 for every call of the line; round 2 multiplies it by M0`,
    `    (local.set $x (i32.xor (i32.add (local.get $line) (local.get $t)) (local.get $k0)))`,
    `    (local.set $lh (i32x4.splat (i32.wrap_i64 (i64.shr_u (i64.mul (i64.extend_i32_u (local.get $x)) (i64.const ${0xd2511f53})) (i64.const 32)))))`,
    `    (local.set $ll (i32x4.splat (i32.mul (local.get $x) (i32.const ${M0}))))`,
    ...range(GROUPS).map((g) => `    (local.set $ctr${g} (v128.const i32x4 ${range(4).map((j) => 4 * g + j).join(' ')}))`),
    `    (local.set $out (i32.add (local.get $dst) (i32.mul (local.get $t) (local.get $stride))))`,
    `    (local.set $end (i32.add (local.get $out) (i32.mul (i32.div_u (i32.add (local.get $calls) (i32.const ${4 * GROUPS - 1})) (i32.const ${4 * GROUPS})) (i32.const ${passBytes}))))`,
    `    (block $passesDone (loop $pass`,
    `      (br_if $passesDone (i32.ge_u (local.get $out) (local.get $end)))`,
    ...indent(range(GROUPS).flatMap((g) => rounds(g)), 6),
    ...indent(range(GROUPS).flatMap((g) => store(variant, g)), 6),
    ...range(GROUPS).map((g) => `      (local.set $ctr${g} (i32x4.add (local.get $ctr${g}) (v128.const i32x4 ${range(4).map(() => 4 * GROUPS).join(' ')})))`),
    `      (local.set $out (i32.add (local.get $out) (i32.const ${passBytes})))`,
    `      (br $pass)))`,
    `    (local.set $t (i32.add (local.get $t) (i32.const 1)))`,
    `    (br $eachLine)))`,
    `)`,
  ];
}

/** The module: its own memory (each thread instantiates its own), the round-key table at address 0. */
export function linesWat(): string {
  return [
    ';; Generated by shared/challenge/lines-source.ts: edit that file, then run scripts/build-wasm.ts.',
    '(module',
    '  (memory (export "memory") 1)',
    ...indent(LINE_VARIANTS.flatMap((variant) => fill(variant)), 2),
    ')',
    '',
  ].join('\n');
}
