/**
 * Builds the project's generated WebAssembly modules (scripts/wasm-modules.ts lists them: the GEMM kernel
 * miner/backends/gemm/gemm.wasm, the line generator shared/challenge/lines-wasm.ts) from their TypeScript
 * sources, with wabt from devDependencies: no other toolchain.
 *
 *   npx tsx scripts/build-wasm.ts                write every binary
 *   npx tsx scripts/build-wasm.ts --check        exit 1 if a committed binary differs from its source
 *   npx tsx scripts/build-wasm.ts --print PATH   print the WebAssembly text of the module committed at PATH
 *
 * test/scripts/wasm-modules.test.ts runs the --check comparison.
 */
import { parseArgs } from 'node:util';
import { assembleWasm, WASM_MODULES } from './wasm-modules.js';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, print: { type: 'string' } } });
if (values.print !== undefined) {
  const module = WASM_MODULES.find((m) => m.path === values.print);
  if (!module) throw new Error(`--print: no generated module at ${values.print} (${WASM_MODULES.map((m) => m.path).join(', ')})`);
  process.stdout.write(module.text());
} else {
  for (const module of WASM_MODULES) {
    const built = await assembleWasm(module.text(), module.path);
    if (values.check) {
      const same = Buffer.from(module.committed()).equals(Buffer.from(built));
      console.log(same ? `${module.path} matches its source (${built.length} bytes)` : `${module.path} differs from its source: run npx tsx scripts/build-wasm.ts`);
      if (!same) process.exitCode = 1;
    } else {
      module.write(built);
      console.log(`wrote ${module.path} (${built.length} bytes)`);
    }
  }
}
