/**
 * Assembles gemm.wasm from the text ./wasm-source.ts generates, with wabt (a devDependency): used by
 * scripts/build-gemm-wasm.ts and by the test that rebuilds the binary, never by a running miner.
 */
import initWabt from 'wabt';
import { gemmWat } from './wasm-source.js';

/** WebAssembly features the module uses, as wabt names them. */
const FEATURES = { simd: true, threads: true } as const;

/** gemm.wasm from the text. */
export async function assembleGemmWasm(text = gemmWat()): Promise<Uint8Array> {
  const wabt = await initWabt();
  const module = wabt.parseWat('gemm.wat', text, FEATURES);
  try {
    // wabt's typings omit validate's features argument; without it, the shared memory fails validation.
    (module.validate as (features: typeof FEATURES) => void)(FEATURES);
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

