/**
 * `--backend auto`: cuda > gpujs > cpu, with the reason each one was passed over in the log. The CUDA
 * cases use the fake CUDA library (test/fixtures/fake-cuda): they test the selection, not a GPU.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBackend, devicesOption } from '../../../miner/backends/index.js';
import { parseAdversary } from '../../../miner/backends/adversary.js';
import { createLogger } from '../../../shared/log.js';
import { buildFakeCuda, fakePaths } from '../../fixtures/fake-cuda/build.js';

const fake = buildFakeCuda();

function logger() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'info', write: (line) => lines.push(line) }) };
}

afterEach(() => {
  delete process.env.FAKE_CUDA_INIT_RESULT;
  delete process.env.FAKE_CUDA_DEVICES;
});

describe('createBackend', () => {
  it('auto falls back to cpu and logs why cuda and gpujs were skipped', async () => {
    const { lines, log } = logger();
    const backend = await createBackend('auto', log, { threads: 1, cudaLibraries: { cuda: '/nonexistent/libcuda.so.1' } });
    try {
      expect(backend.kind).toBe('cpu');
      const text = lines.join('\n');
      expect(text).toContain('backend auto: cuda skipped: libcuda.so.1 not found');
      expect(text).toMatch(/backend auto: gpujs skipped: gpu\.js mode \w+/);
      expect(text).toContain('backend auto: cpu');
    } finally {
      await backend.close();
    }
  });

  it('an explicit --backend cuda without a driver fails with the reason and the next step', async () => {
    await expect(createBackend('cuda', logger().log, { cudaLibraries: { cuda: '/nonexistent/libcuda.so.1' } })).rejects.toMatchObject({
      code: 'E_CUDA_LIBRARY',
      message: 'libcuda.so.1 not found',
    });
  });

  it('adversaries run on the cpu backend only', async () => {
    await expect(createBackend('cuda', logger().log, { adversary: parseAdversary('lazy:0.1') })).rejects.toMatchObject({ code: 'E_ADVERSARY' });
  });

  it('--devices takes all or distinct GPU ordinals, for the cuda backend only', async () => {
    const schema = devicesOption.devices.schema;
    expect(schema.parse(' all ')).toBe('all');
    expect(schema.parse('0,2')).toEqual([0, 2]);
    expect(schema.safeParse('0,0').error?.issues[0]?.message).toMatch(/names a GPU twice/);
    expect(schema.safeParse('gpu1').error?.issues[0]?.message).toMatch(/expected "all" or GPU ordinals/);
    await expect(createBackend('cpu', logger().log, { devices: [0, 1] })).rejects.toMatchObject({ code: 'E_DEVICES' });
  });

  describe.skipIf('skip' in fake)('with the fake CUDA library (selection logic, not GPU code)', () => {
    const paths = 'path' in fake ? fakePaths(fake.path) : {};

    it('--devices all serves from every GPU the driver sees, as one node', async () => {
      process.env.FAKE_CUDA_DEVICES = '4';
      const backend = await createBackend('cuda', logger().log, { cudaLibraries: paths, devices: 'all' });
      try {
        expect(await backend.describe()).toMatchObject({ backend: 'cuda', name: '4 × Fake CUDA Device (CPU)' });
      } finally {
        await backend.close();
      }
    });

    it('auto picks cuda when the driver answers', async () => {
      const { lines, log } = logger();
      const backend = await createBackend('auto', log, { cudaLibraries: paths });
      try {
        expect(backend.kind).toBe('cuda');
        expect(lines.join('\n')).toContain('backend auto: cuda');
      } finally {
        await backend.close();
      }
    });

    it('auto logs the driver error when cuInit fails, and moves on', async () => {
      process.env.FAKE_CUDA_INIT_RESULT = '100';
      const { lines, log } = logger();
      const backend = await createBackend('auto', log, { threads: 1, cudaLibraries: paths });
      try {
        expect(backend.kind).toBe('cpu');
        expect(lines.join('\n')).toContain('backend auto: cuda skipped: cuInit failed: CUDA_ERROR_NO_DEVICE (100)');
      } finally {
        await backend.close();
      }
    });
  });
});
