/**
 * The CUDA backend: a node (../node.ts) of one or more GPUs of this machine, each a CudaDevice
 * (./device.ts). `flopnet miner --devices all` serves one hotkey from every GPU: the GEMMs of a challenge
 * are dealt across them and the commitment covers the contiguous prefix they finished in the window.
 */
import { FlopnetError, UsageError } from '../../../shared/errors.js';
import type { DeviceSelection } from '../index.js';
import type { Logger } from '../../../shared/log.js';
import { silentLogger } from '../../../shared/log.js';
import type { DeviceInfo, Precision } from '../../../shared/challenge/types.js';
import { NodeBackend } from '../node.js';
import { CudaDevice, precisionsFor, type CudaPipeline } from './device.js';
import { CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, CudaLibraries, type CudaLibraryPaths } from './ffi.js';
import { kernelSource } from './source.js';

export { CLASS_PLANS, bandRowsFor, decodeElements, precisionsFor, workingSetBytes, type CudaPipeline } from './device.js';


export interface CudaBackendOptions {
  /** GPUs to use (default [0]). */
  devices?: DeviceSelection;
  /** How each device schedules a challenge's phases (see CudaDeviceOptions.pipeline). */
  pipeline?: CudaPipeline;
  /** Rows per band of a GEMM (a power of two; default: about n/32). */
  bandRows?: number;
  /** Library paths; unset ones are searched for (libcuda.so.1, libnvrtc.so.13/12, ...). */
  libraries?: CudaLibraryPaths;
  /** Device bytes never planned for on each GPU; default min(256 MiB, 5%). */
  reserveBytes?: number;
  log?: Logger;
}

export class CudaBackend extends NodeBackend {
  private constructor(
    readonly devices: readonly CudaDevice[],
    log: Logger,
  ) {
    super(devices, { kind: 'cuda', log });
  }

  /**
   * Loads the libraries, initialises the driver, compiles kernels.cu with NVRTC once per architecture,
   * and sets up every selected GPU (each runs the kernel self-test against the TypeScript reference).
   */
  static async create(options: CudaBackendOptions = {}): Promise<CudaBackend> {
    const log = (options.log ?? silentLogger).child('cuda');
    const cu = new CudaLibraries(options.libraries);
    cu.init();
    const count = cu.deviceCount();
    if (count === 0) throw new FlopnetError('no CUDA device found', { code: 'E_CUDA_NO_DEVICE', hint: 'check nvidia-smi and CUDA_VISIBLE_DEVICES' });
    const selection = options.devices ?? [0];
    const ordinals = selection === 'all' ? Array.from({ length: count }, (_, i) => i) : [...selection];
    const missing = ordinals.filter((o) => !Number.isInteger(o) || o < 0 || o >= count);
    if (missing.length > 0 || ordinals.length === 0) {
      throw new UsageError(`no CUDA device ${missing.join(', ') || '(none selected)'}: the driver sees ${count} (ordinals 0..${count - 1})`, {
        code: 'E_DEVICES',
        hint: 'use --devices all, or ordinals from nvidia-smi -L (CUDA_VISIBLE_DEVICES renumbers them)',
      });
    }
    const source = await kernelSource();
    const cubins = new Map<string, Uint8Array>();
    const devices: CudaDevice[] = [];
    try {
      for (const ordinal of ordinals) {
        const device = cu.device(ordinal);
        const major = cu.attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
        const minor = cu.attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        const arch = `sm_${major}${minor}`;
        if (!cubins.has(arch)) cubins.set(arch, cu.compile(source, 'kernels.cu', [`--gpu-architecture=${arch}`]));
        const driver = cu.driverVersion();
        const info: DeviceInfo = {
          backend: 'cuda',
          name: cu.deviceName(device).slice(0, 256),
          memoryBytes: cu.totalMemory(device),
          precisions: precisionsFor(major, minor),
          detail: `${arch}, driver API ${Math.floor(driver / 1000)}.${(driver % 1000) / 10}, NVRTC ${cu.nvrtcVersion()}, ${cu.paths.cuda}`,
        };
        devices.push(
          await CudaDevice.create(cu, info, {
            ordinal,
            cubin: cubins.get(arch)!,
            // One libuv worker per waiting device would be needed otherwise (CudaLibraries.waitFor).
            poll: ordinals.length > 1,
            log,
            ...(options.pipeline ? { pipeline: options.pipeline } : {}),
            ...(options.bandRows ? { bandRows: options.bandRows } : {}),
            ...(options.reserveBytes !== undefined ? { reserveBytes: options.reserveBytes } : {}),
          }),
        );
        log.debug('cuda device ready', { ordinal, name: info.name, arch, precisions: info.precisions, memoryBytes: info.memoryBytes });
      }
    } catch (error) {
      for (const d of devices) await d.close();
      throw error;
    }
    return new CudaBackend(devices, log);
  }

  get pipeline(): CudaPipeline {
    return this.devices[0]!.pipeline;
  }

  /** Raw cuBLAS throughput of the first device at one shape (CudaDevice.measureGemm). */
  measureGemm(precision: Precision, n: number, k: number, seconds = 2, bandRows?: number): Promise<{ msPerGemm: number; tflops: number; repetitions: number }> {
    return this.devices[0]!.measureGemm(precision, n, k, seconds, bandRows);
  }
}
