/**
 * The BLAS path: library search, the self-test in a child process against fake libraries that are wrong,
 * crash, hang or have the wrong ABI (built here with the C compiler), and, where the machine has a real
 * CBLAS (CI installs libopenblas0), that library's products against the reference.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlasGemm, BlasLibrary, blasBands, blasCandidates, namedBlas } from '../../../../miner/backends/gemm/blas.js';
import { probeBlas } from '../../../../miner/backends/gemm/probe.js';
import { protocolInputs, selfTest } from '../../../../miner/backends/gemm/selftest.js';
import { PRECISIONS } from '../../../../shared/challenge/types.js';
import { buildFakeBlas, type FakeBlasFlaw } from '../../../fixtures/fake-blas/build.js';
import { expectMatchesReference } from './kernels.js';

const fakes = Object.fromEntries((['none', 'wrong', 'crash', 'hang', 'ilp64', 'no-cblas'] as FakeBlasFlaw[]).map((flaw) => [flaw, buildFakeBlas(flaw)]));
const noCompiler = Object.values(fakes).find((f): f is { skip: string } => 'skip' in f)?.skip;
const fake = (flaw: FakeBlasFlaw) => (fakes[flaw] as { path: string }).path;

const real = (await probeBlas(blasCandidates(), 2)).find((p) => p.ok);

describe('where flopnet looks for a BLAS', () => {
  it('tries OpenBLAS, MKL, BLIS, then the generic names on Linux; Accelerate first on macOS', () => {
    const linux = blasCandidates('linux', { MKLROOT: '/opt/mkl' });
    expect(linux[0]).toBe('libopenblas.so.0');
    expect(linux).toContain('/opt/mkl/lib/intel64/libmkl_rt.so.2');
    expect(linux.indexOf('libmkl_rt.so.2')).toBeLessThan(linux.indexOf('libblis.so.4'));
    expect(linux.at(-1)).toBe('libblas.so.3');
    expect(blasCandidates('darwin', {})[0]).toBe('/System/Library/Frameworks/Accelerate.framework/Accelerate');
  });

  it('takes --blas over FLOPNET_BLAS over the search', () => {
    expect(namedBlas('/a.so', { FLOPNET_BLAS: '/b.so' })).toBe('/a.so');
    expect(namedBlas(undefined, { FLOPNET_BLAS: '/b.so' })).toBe('/b.so');
    expect(namedBlas(undefined, { FLOPNET_BLAS: '' })).toBeUndefined();
  });

  it('computes a product in bands of at least 256 rows that depend on n alone', () => {
    expect(blasBands(100)).toEqual([[0, 100]]);
    expect(blasBands(600)).toEqual([[0, 300], [300, 600]]);
    expect(blasBands(65536)).toHaveLength(8);
    expect(blasBands(4096).every(([from, to]) => to - from === 512)).toBe(true);
  });
});

describe.skipIf(noCompiler)('BLAS self-test in a child process (fake libraries)', () => {
  it('passes a right library and reports its description', async () => {
    expect(await probeBlas([fake('none')], 2)).toEqual([{ path: fake('none'), ok: true, reason: 'ok', version: 'fake CBLAS' }]);
  });

  it('refuses a library with one wrong entry, naming the entry', async () => {
    const [answer] = await probeBlas([fake('wrong')], 2);
    expect(answer).toMatchObject({ ok: false, version: 'fake CBLAS' });
    expect(answer!.reason).toMatch(/^wrong result: fp8 inputs, 67×67×300: fp8 entry \(0, 0\) is .*expected/);
  });

  it('survives a library that crashes, and goes on to the next candidate', async () => {
    const answers = await probeBlas([fake('crash'), fake('none')], 2);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatchObject({ path: fake('crash'), ok: false });
    expect(answers[0]!.reason).toMatch(/^the self-test crashed \(SIGSEGV\)/);
    expect(answers[1]).toMatchObject({ path: fake('none'), ok: true });
  });

  it('gives up on a library that never returns', async () => {
    const [answer] = await probeBlas([fake('hang')], 2, 5000);
    expect(answer).toEqual({ path: fake('hang'), ok: false, reason: 'the self-test did not finish in 5 s' });
  });

  it('refuses a 64-bit-integer OpenBLAS and a library without CBLAS before calling them', async () => {
    const [ilp64] = await probeBlas([fake('ilp64')], 2);
    expect(ilp64!.reason).toMatch(/64-bit-integer \(ILP64\) OpenBLAS build/);
    const [plain] = await probeBlas([fake('no-cblas')], 2);
    expect(plain!.reason).toMatch(/has no CBLAS: .*cblas_sgemm/);
  });

  it('marks a missing path and a file that is no library as missing, without crashing', async () => {
    const garbage = join(tmpdir(), `flopnet-not-a-library-${process.pid}.so`);
    writeFileSync(garbage, 'this is not an ELF file\n');
    const answers = await probeBlas(['/nonexistent/libopenblas.so.0', garbage], 2);
    expect(answers.map((a) => [a.ok, a.missing])).toEqual([
      [false, true],
      [false, true],
    ]);
    expect(answers[0]!.reason).toMatch(/does not load/);
  });
});

describe.skipIf(!real)(`the machine's BLAS (${real?.path ?? 'none found: apt-get install libopenblas0 to run these'})`, () => {
  const library = real ? BlasLibrary.open(real.path, 2) : undefined;
  const kernel = library ? new BlasGemm(library) : undefined;

  it('passes the self-test in this process too', async () => {
    expect(await selfTest((operands) => kernel!.multiply(operands))).toBeUndefined();
  });

  it('computes every class within the tolerance (fp8 bit for bit), over more than one band', async () => {
    for (const precision of PRECISIONS) await expectMatchesReference(kernel!, precision, precision === 'fp8' ? 600 : 97, precision === 'fp8' ? 70 : 333);
  });

  it('recomputes a band with the same bits as the whole product', async () => {
    const n = 777;
    const { operands } = protocolInputs({ inputs: 'fp32', precision: 'fp32', n, k: 301 });
    await kernel!.multiply(operands);
    const whole = Buffer.from(operands.c).subarray(0);
    const before = Buffer.from(whole);
    new Uint8Array(operands.c).fill(0);
    const [from, to] = blasBands(n)[1]!;
    await kernel!.multiply(operands, [[from + 5, from + 6]]);
    // The band holding the row, and only that band, is computed again, bit for bit.
    const band = (bytes: Buffer) => bytes.subarray(from * n * 4, to * n * 4);
    expect(band(Buffer.from(operands.c)).equals(band(before))).toBe(true);
    expect(Buffer.from(operands.c).subarray(0, from * n * 4).every((byte) => byte === 0)).toBe(true);
  });
});
