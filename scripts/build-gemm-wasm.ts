/**
 * Builds miner/backends/gemm/gemm.wasm from its source, miner/backends/gemm/wasm-source.ts (WebAssembly
 * text generated for binary32 and binary64), with wabt from devDependencies: no other toolchain.
 *
 *   npx tsx scripts/build-gemm-wasm.ts           write gemm.wasm
 *   npx tsx scripts/build-gemm-wasm.ts --check   exit 1 if the committed gemm.wasm differs from the source
 *   npx tsx scripts/build-gemm-wasm.ts --print   print the WebAssembly text
 *
 * test/miner/backends/gemm/wasm.test.ts runs the --check comparison.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GEMM_WASM_URL } from '../miner/backends/gemm/wasm.js';
import { assembleGemmWasm } from '../miner/backends/gemm/wasm-build.js';
import { gemmWat } from '../miner/backends/gemm/wasm-source.js';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, print: { type: 'boolean', default: false } } });
if (values.print) {
  process.stdout.write(gemmWat());
} else {
  const built = await assembleGemmWasm();
  if (values.check) {
    const committed = new Uint8Array(readFileSync(GEMM_WASM_URL));
    const same = committed.length === built.length && committed.every((byte, i) => byte === built[i]);
    console.log(same ? `gemm.wasm matches its source (${built.length} bytes)` : `gemm.wasm differs from its source: run npx tsx scripts/build-gemm-wasm.ts`);
    if (!same) process.exitCode = 1;
  } else {
    writeFileSync(GEMM_WASM_URL, built);
    console.log(`wrote ${GEMM_WASM_URL.pathname} (${built.length} bytes)`);
  }
}
