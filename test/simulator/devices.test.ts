import { describe, expect, it } from 'vitest';
import { PRECISIONS } from '../../shared/challenge/types.js';
import { cheapestRate, DEVICES, deviceNamed, OZAKI_GEMMS } from '../../simulator/devices.js';

const device = (name: string) => deviceNamed(name)!;

describe('device table', () => {
  it('names a source for every device and says which numbers are estimates', () => {
    for (const d of DEVICES) {
      expect(d.source.length).toBeGreaterThan(10);
      for (const [key, why] of Object.entries(d.estimates)) {
        expect([...PRECISIONS, 'int8']).toContain(key);
        expect(why.length).toBeGreaterThan(5);
      }
    }
    expect(DEVICES.map((d) => d.name)).toEqual(['H100', 'H200', 'B200', 'A100', 'L40S', 'RTX4090', 'RTX5090', 'CPU']);
  });

  it('finds the device by name whatever its case', () => {
    expect(deviceNamed('rtx4090')?.name).toBe('RTX4090');
    expect(deviceNamed('H300')).toBeUndefined();
  });
});

describe('the cheapest accurate way to produce a class', () => {
  it('is int8 emulation for fp32 on an H100: 6 int8 GEMMs, about 5× its native fp32 (issue 16)', () => {
    const r = cheapestRate(device('H100'), 'fp32')!;
    expect(r).toMatchObject({ method: 'int8 emulation' });
    expect(r.tflops).toBeCloseTo(1978.9 / 6, 6);
    expect(r.tflops / device('H100').native.fp32!).toBeGreaterThan(4.9);
  });

  it('is int8 emulation for fp64 on an RTX 4090, about 18× its native fp64', () => {
    const r = cheapestRate(device('RTX4090'), 'fp64')!;
    expect(r.tflops).toBeCloseTo(660.6 / OZAKI_GEMMS.fp64, 6);
    expect(r.tflops / device('RTX4090').native.fp64!).toBeGreaterThan(18);
  });

  it('runs a class on the units of a wider one when they are faster (tf32 inputs are exact in fp16 here)', () => {
    expect(cheapestRate(device('H100'), 'tf32')).toEqual({ tflops: 989.4, method: 'up-cast', via: 'fp16' });
    // The A100 has no fp8 units: int8 gives it fp8 exactly.
    expect(cheapestRate(device('A100'), 'fp8')).toMatchObject({ tflops: 624, method: 'int8 emulation' });
  });

  it('never up-casts fp64 (it needs binary64 accumulation) and keeps native when it is fastest', () => {
    expect(cheapestRate(device('B200'), 'fp64')!.method).toBe('int8 emulation');
    expect(cheapestRate(device('CPU'), 'fp64')).toEqual({ tflops: 1.15, method: 'native' });
    expect(cheapestRate(device('H100'), 'bf16')).toEqual({ tflops: 989.4, method: 'native' });
  });
});
