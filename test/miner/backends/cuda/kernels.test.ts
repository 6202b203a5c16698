/**
 * kernels.cu compiled as host C by the machine's C compiler (inside the fake CUDA library) and launched
 * through the real FFI layer: the element generator and SHA-256 code that NVRTC compiles for the GPU are
 * checked bit for bit against shared/challenge (elements.ts, merkle.ts) and node:crypto. This checks the
 * kernels' arithmetic, not their GPU compilation or speed; a real GPU run repeats the element and hash
 * checks at start-up (CudaBackend self-test).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CudaLibraries, type DevicePtr, type Handle } from '../../../../miner/backends/cuda/ffi.js';
import { decodeElements, CLASS_PLANS } from '../../../../miner/backends/cuda/backend.js';
import { element, matrixKey, type MatrixKey } from '../../../../shared/challenge/elements.js';
import { hashLeaf, merkleLevels } from '../../../../shared/challenge/merkle.js';
import { PRECISIONS, type Precision } from '../../../../shared/challenge/types.js';
import { buildFakeCuda, fakePaths } from '../../../fixtures/fake-cuda/build.js';

const fake = buildFakeCuda();

describe.skipIf('skip' in fake)('kernels.cu as host C (fake CUDA library; tests kernel arithmetic, not the GPU)', () => {
  let cu: CudaLibraries;
  let module: Handle;
  let stream: Handle;
  const allocations: DevicePtr[] = [];

  beforeAll(() => {
    cu = new CudaLibraries(fakePaths((fake as { path: string }).path));
    cu.init();
    cu.setCurrent(cu.retainPrimaryContext(cu.device(0)));
    const source = readFileSync(new URL('../../../../miner/backends/cuda/kernels.cu', import.meta.url), 'utf8');
    module = cu.loadModule(cu.compile(source, 'kernels.cu', ['--gpu-architecture=sm_90']));
    stream = cu.createStream();
  });
  afterAll(() => {
    for (const p of allocations) cu.free(p);
  });
  const alloc = (bytes: number) => {
    const p = cu.alloc(bytes);
    allocations.push(p);
    return p;
  };
  const u64 = (x: number) => new BigUint64Array([BigInt(x)]);
  const u32 = (x: number) => new Uint32Array([x >>> 0]);

  /** Lines first..first+lines−1 (k elements each) of the matrix keyed `key`, from the device, decoded. */
  function generate(precision: Precision, key: MatrixKey, lines: number, k: number, first = 0, blockX = 32): Float64Array {
    const size = CLASS_PLANS[precision].inputBytes;
    const out = alloc(lines * k * size);
    const calls = Math.ceil(k / (precision === 'fp64' ? 2 : 4));
    // A small grid.y, so the kernel's stride loop over the lines runs too.
    cu.launch('gen', cu.getFunction(module, `flopnet_generate_${precision}`), [Math.ceil(calls / blockX), Math.min(lines, 3), 1], [blockX, 1, 1], stream, [
      u64(out), u32(lines), u32(k), u32(first), u32(key.k0), u32(key.k1),
    ]);
    const bytes = new Uint8Array(lines * k * size);
    cu.copyToHost(bytes, out);
    return decodeElements(precision, bytes);
  }

  it.each(PRECISIONS)('%s elements are bit-identical to elements.ts on thousands of (seed, line, position), whole calls and partial ones', (precision) => {
    let checked = 0;
    for (let s = 0; s < 6; s++) {
      const key = matrixKey(randomBytes(32), s % 2 ? 'B' : 'A', s);
      const lines = 19 + s;
      const k = [45, 64, 51, 8, 1, 130][s]!; // multiples of 4 take the vector stores, the rest the per-element tail
      const first = [0, 0, 7, 100, 3, 0][s]!;
      const got = generate(precision, key, lines, k, first);
      for (let t = 0; t < lines; t++) {
        for (let l = 0; l < k; l++) {
          const have = got[t * k + l]!;
          const want = element(precision, key, first + t, l);
          if (!Object.is(have, want)) expect.fail(`${precision} key ${key.k0}/${key.k1} line ${first + t} position ${l}: kernel ${have}, reference ${want}`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('elements at large indices (lines and positions up to 2^17 - 1) match too', () => {
    const key = matrixKey(randomBytes(32), 'A', 1023);
    const far = [0, 1, 65535, 65536, 99999, 131071];
    for (const precision of PRECISIONS) {
      const line = generate(precision, key, 1, 131072, 0, 256);
      for (const l of far) expect(line[l]).toBe(element(precision, key, 0, l));
      for (const t of far) expect(generate(precision, key, 1, 4, t)[3]).toBe(element(precision, key, t, 3));
    }
  });

  it('row leaves equal SHA-256(0x00 ‖ row) from node:crypto for row lengths across block boundaries', () => {
    const fn = cu.getFunction(module, 'flopnet_hash_rows');
    for (let words = 1; words <= 70; words++) {
      const rows = 3;
      const data = new Uint8Array(randomBytes(rows * words * 4));
      const src = alloc(data.length);
      const dst = alloc(rows * 32);
      cu.copyToDevice(src, data);
      cu.launch('hash_rows', fn, [1, 1, 1], [4, 1, 1], stream, [u64(src), u64(words), u32(rows), u64(dst)]);
      const got = new Uint8Array(rows * 32);
      cu.copyToHost(got, dst);
      for (let r = 0; r < rows; r++) {
        const want = createHash('sha256').update(Buffer.from([0])).update(data.subarray(r * words * 4, (r + 1) * words * 4)).digest();
        expect(Buffer.from(got.subarray(r * 32, (r + 1) * 32)).toString('hex'), `${words} words, row ${r}`).toBe(want.toString('hex'));
        expect(Buffer.from(hashLeaf(data.subarray(r * words * 4, (r + 1) * words * 4))).equals(want)).toBe(true);
      }
    }
  });

  it('Merkle levels equal merkleLevels (node = SHA-256(0x01 ‖ left ‖ right), odd node carried) for 1..33 leaves', () => {
    const fn = cu.getFunction(module, 'flopnet_hash_level');
    for (let count = 1; count <= 33; count++) {
      const leaves = new Uint8Array(randomBytes(count * 32));
      const want = merkleLevels(leaves);
      const total = want.reduce((sum, level) => sum + level.length, 0);
      const tree = alloc(total);
      cu.copyToDevice(tree, leaves);
      let offset = 0;
      for (let width = count; width > 1; ) {
        const next = Math.ceil(width / 2);
        cu.launch('hash_level', fn, [Math.ceil(next / 8), 1, 1], [8, 1, 1], stream, [u64(tree + offset), u32(width), u64(tree + offset + width * 32)]);
        offset += width * 32;
        width = next;
      }
      const got = new Uint8Array(total);
      cu.copyToHost(got, tree);
      expect(Buffer.from(got).equals(Buffer.concat(want)), `${count} leaves`).toBe(true);
    }
  });
});

const nvcc = (() => {
  try {
    execFileSync('nvcc', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!nvcc)('kernels.cu as CUDA C (nvcc, compile only: no GPU needed)', () => {
  it.each(['sm_80', 'sm_90'])('compiles for %s without warnings', (arch) => {
    const dir = mkdtempSync(join(tmpdir(), 'flopnet-nvcc-'));
    try {
      const source = new URL('../../../../miner/backends/cuda/kernels.cu', import.meta.url).pathname;
      const out = execFileSync('nvcc', [`-arch=${arch}`, '-cubin', '-Werror', 'all-warnings', '-o', join(dir, 'k.cubin'), '-x', 'cu', source], { stdio: 'pipe' });
      expect(out.toString()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A real libnvrtc, when one is named (FLOPNET_TEST_NVRTC=/path/to/libnvrtc.so.13, e.g. unpacked from the
 * nvidia-cuda-nvrtc wheel): NVRTC compiles without a GPU, so the miner's own compile call (no headers,
 * options as char**) is checked against the compiler a GPU machine runs. The other libraries are the fake.
 */
const realNvrtc = process.env.FLOPNET_TEST_NVRTC;
describe.skipIf(!realNvrtc || 'skip' in fake)('kernels.cu through a real NVRTC (skipped unless FLOPNET_TEST_NVRTC names a libnvrtc.so, its directory on LD_LIBRARY_PATH)', () => {
  it.each(['sm_80', 'sm_89', 'sm_90'])('compiles for %s: a real cubin comes back', (arch) => {
    const cu = new CudaLibraries({ ...fakePaths((fake as { path: string }).path), nvrtc: realNvrtc! });
    const source = readFileSync(new URL('../../../../miner/backends/cuda/kernels.cu', import.meta.url), 'utf8');
    const cubin = cu.compile(source, 'kernels.cu', [`--gpu-architecture=${arch}`]);
    // An ELF image (a cubin), not the fake's marker.
    expect(Buffer.from(cubin.subarray(0, 4)).toString('latin1')).toBe('\x7fELF');
  });
});
