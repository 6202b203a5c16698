/**
 * What common devices compute per precision class, and the cheapest known way to produce each class
 * accurately on each (docs/protocol.md §17, the accuracy contract).
 *
 * Numbers are dense peaks (no 2:4 sparsity) in TFLOP/s from the vendor's datasheet or architecture
 * whitepaper named in `source`; NVIDIA's tensor figures are printed with sparsity and are halved here.
 * A number that is not from such a sheet is listed in `estimates` with how it was obtained. Real GEMMs
 * reach a share of these peaks (the population's `efficiency`).
 *
 * A class fixes the inputs and the accuracy of the result, not the silicon, so a device may produce it:
 *  - natively, on the units built for it;
 *  - on the units of a wider class ("up-cast"): inputs of a class with fewer mantissa bits are exact
 *    in a wider one, and every class below fp64 accumulates in binary32 (docs/protocol.md §3-§4);
 *  - by the Ozaki scheme on int8 tensor cores: the inputs are ±(1+f)·2^e with e ∈ {−1, 0}, so they
 *    split exactly into 7-bit integer slices whose products sum exactly in int32. fp32 from 6 int8
 *    GEMMs and fp64 from 28 passed 200 of 200 verifier rounds (issue 16); the smaller classes need
 *    two slices (4 products, exact) and fp8 one.
 */
import { PRECISIONS, type Precision } from '../shared/challenge/types.js';

export interface DeviceModel {
  /** Key used in population files. */
  name: string;
  description: string;
  memoryBytes: number;
  /** Dense peak TFLOP/s per class on the device's own units for it; absent: none. */
  native: Partial<Record<Precision, number>>;
  /** Dense int8 tensor TOPS with int32 accumulation (the Ozaki scheme's engine); 0: none. */
  int8Tops: number;
  source: string;
  /** The numbers above that are estimates (by class, or int8), each with how it was obtained. */
  estimates: Partial<Record<Precision | 'int8', string>>;
}

const GB = 1e9;

export const DEVICES: readonly DeviceModel[] = [
  {
    name: 'H100',
    description: 'NVIDIA H100 SXM5 80 GB',
    memoryBytes: 80 * GB,
    native: { fp64: 67, fp32: 67, tf32: 494.7, bf16: 989.4, fp16: 989.4, fp8: 1978.9 },
    int8Tops: 1978.9,
    source: 'NVIDIA H100 Tensor Core GPU datasheet, SXM5 column (fp64 = FP64 Tensor Core)',
    estimates: {},
  },
  {
    name: 'H200',
    description: 'NVIDIA H200 SXM 141 GB',
    memoryBytes: 141 * GB,
    native: { fp64: 67, fp32: 67, tf32: 494.7, bf16: 989.4, fp16: 989.4, fp8: 1978.9 },
    int8Tops: 1978.9,
    source: 'NVIDIA H200 Tensor Core GPU datasheet, SXM column (same GH100 compute as the H100, more memory)',
    estimates: {},
  },
  {
    name: 'B200',
    description: 'NVIDIA B200 (HGX B200, 1000 W) 180 GB',
    memoryBytes: 180 * GB,
    native: { fp64: 37, fp32: 75, tf32: 1100, bf16: 2250, fp16: 2250, fp8: 4500 },
    int8Tops: 4500,
    source: 'NVIDIA HGX B200 datasheet, individual GPU',
    estimates: {},
  },
  {
    name: 'A100',
    description: 'NVIDIA A100 SXM4 80 GB',
    memoryBytes: 80 * GB,
    native: { fp64: 19.5, fp32: 19.5, tf32: 156, bf16: 312, fp16: 312 },
    int8Tops: 624,
    source: 'NVIDIA A100 Tensor Core GPU datasheet, SXM column (no FP8 units)',
    estimates: {},
  },
  {
    name: 'L40S',
    description: 'NVIDIA L40S 48 GB',
    memoryBytes: 48 * GB,
    native: { fp64: 1.43, fp32: 91.6, tf32: 183, bf16: 362.05, fp16: 362.05, fp8: 733 },
    int8Tops: 733,
    source: 'NVIDIA L40S datasheet',
    estimates: { fp64: 'not in the datasheet; 1/64 of FP32, the rate of the AD102 chip' },
  },
  {
    name: 'RTX4090',
    description: 'NVIDIA GeForce RTX 4090 24 GB',
    memoryBytes: 24 * GB,
    native: { fp64: 1.29, fp32: 82.6, tf32: 82.6, bf16: 165.2, fp16: 165.2, fp8: 330.3 },
    int8Tops: 660.6,
    source: 'NVIDIA Ada Lovelace architecture whitepaper, appendix A (tensor rates with FP32 accumulate, which GeForce runs at half the FP16-accumulate rate)',
    estimates: {},
  },
  {
    name: 'RTX5090',
    description: 'NVIDIA GeForce RTX 5090 32 GB',
    memoryBytes: 32 * GB,
    native: { fp64: 1.64, fp32: 104.8, tf32: 104.8, bf16: 209.5, fp16: 209.5, fp8: 419 },
    int8Tops: 838,
    source: 'NVIDIA RTX Blackwell GPU architecture whitepaper (FP32 104.8 TFLOPS; 3352 AI TOPS = FP4 with sparsity)',
    estimates: {
      int8: '3352 AI TOPS (FP4, with sparsity) halved for density and for the format step, as on the RTX 4090',
      fp8: 'with FP32 accumulate: half the int8 rate, the GeForce ratio of the RTX 4090',
      bf16: 'with FP32 accumulate: 2 × FP32, the RTX 4090 ratio',
      fp16: 'with FP32 accumulate: 2 × FP32, the RTX 4090 ratio',
      tf32: 'FP32 rate, the RTX 4090 ratio',
      fp64: '1/64 of FP32, the GeForce ratio',
    },
  },
  {
    name: 'CPU',
    description: '16-core AVX-512 desktop CPU (Ryzen 9 7950X class), optimised BLAS',
    memoryBytes: 64 * GB,
    native: { fp64: 1.15, fp32: 2.3, tf32: 2.3, bf16: 4.6, fp16: 2.3, fp8: 2.3 },
    int8Tops: 9.2,
    source: 'peak formula: 16 cores × 4.5 GHz × FLOPs per cycle (two 256-bit FMA pipes: 16 fp64, 32 fp32)',
    estimates: {
      fp64: 'peak formula, not a measurement',
      fp32: 'peak formula, not a measurement',
      tf32: 'computed in fp32 (exact inputs, binary32 accumulation)',
      bf16: 'AVX512_BF16 dot products at twice the fp32 rate',
      fp16: 'computed in fp32 (exact inputs, binary32 accumulation)',
      fp8: 'computed in fp32 (exact inputs, binary32 accumulation)',
      int8: 'AVX512_VNNI at four times the fp32 rate',
    },
  },
];

/** int8 GEMMs per GEMM of the class by the Ozaki scheme (7-bit slices, products summed exactly in int32). */
export const OZAKI_GEMMS: Readonly<Record<Precision, number>> = { fp64: 28, fp32: 6, tf32: 4, bf16: 4, fp16: 4, fp8: 1 };

/** Stored mantissa bits per class (docs/protocol.md §3.3): a class's inputs are exact in any class with as many. */
const MANTISSA: Readonly<Record<Precision, number>> = { fp64: 52, fp32: 23, tf32: 10, bf16: 7, fp16: 10, fp8: 3 };

export type Method = 'native' | 'up-cast' | 'int8 emulation';

export interface ClassRate {
  tflops: number;
  method: Method;
  /** The class whose units run it (up-cast), or the int8 GEMM count (emulation). */
  via?: string;
}

/**
 * The fastest accurate way this device produces a class: native, up-cast to a wider class (not for
 * fp64, whose binary64 accumulation only fp64 units or emulation give), or the Ozaki scheme on int8.
 * Undefined when the device has none.
 */
export function cheapestRate(device: DeviceModel, precision: Precision): ClassRate | undefined {
  let best: ClassRate | undefined;
  const consider = (rate: ClassRate) => {
    if (rate.tflops > 0 && (!best || rate.tflops > best.tflops)) best = rate;
  };
  const own = device.native[precision];
  if (own !== undefined) consider({ tflops: own, method: 'native' });
  if (precision !== 'fp64') {
    for (const wider of PRECISIONS) {
      const rate = device.native[wider];
      if (wider === precision || wider === 'fp64' || rate === undefined || MANTISSA[wider] < MANTISSA[precision]) continue;
      consider({ tflops: rate, method: 'up-cast', via: wider });
    }
  }
  if (device.int8Tops > 0) consider({ tflops: device.int8Tops / OZAKI_GEMMS[precision], method: 'int8 emulation', via: `${OZAKI_GEMMS[precision]} int8 GEMMs` });
  return best;
}

export const DEVICE_NAMES: readonly string[] = DEVICES.map((d) => d.name);

export function deviceNamed(name: string): DeviceModel | undefined {
  return DEVICES.find((d) => d.name.toLowerCase() === name.toLowerCase());
}
