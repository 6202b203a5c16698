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

  function generate(precision: Precision, key: MatrixKey, rows: number, cols: number, columnMajor: boolean): Float64Array {
    const size = CLASS_PLANS[precision].inputBytes;
    const out = alloc(rows * cols * size);
    const inner = columnMajor ? rows : cols;
    const outer = columnMajor ? cols : rows;
    // A small grid.y, so the kernel's stride loop over the outer dimension runs too.
    cu.launch('gen', cu.getFunction(module, `flopnet_generate_${precision}`), [Math.ceil(inner / 32), Math.min(outer, 3), 1], [32, 1, 1], stream, [
      u64(out), u32(rows), u32(cols), u32(key.k0), u32(key.k1), u32(columnMajor ? 1 : 0),
    ]);
    const bytes = new Uint8Array(rows * cols * size);
    cu.copyToHost(bytes, out);
    return decodeElements(precision, bytes);
  }

  it.each(PRECISIONS)('%s elements are bit-identical to elements.ts on thousands of (seed, r, c), both layouts', (precision) => {
    let checked = 0;
    for (let s = 0; s < 4; s++) {
      const key = matrixKey(randomBytes(32), s % 2 ? 'B' : 'A', s);
      const rows = 19 + s;
      const cols = 45 + 7 * s;
      for (const columnMajor of [false, true]) {
        const got = generate(precision, key, rows, cols, columnMajor);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const have = got[columnMajor ? c * rows + r : r * cols + c]!;
            const want = element(precision, key, r, c);
            if (!Object.is(have, want)) expect.fail(`${precision} key ${key.k0}/${key.k1} (${r}, ${c}): kernel ${have}, reference ${want}`);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(8000);
  });

  it('elements at large indices (r or c up to 2^17 - 1) match too', () => {
    const key = matrixKey(randomBytes(32), 'A', 1023);
    const far = [0, 1, 65535, 65536, 99999, 131071];
    for (const precision of PRECISIONS) {
      const row = generate(precision, key, 1, 131072, false);
      const column = generate(precision, key, 131072, 1, false);
      for (const i of far) {
        expect(row[i]).toBe(element(precision, key, 0, i));
        expect(column[i]).toBe(element(precision, key, i, 0));
      }
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
