import { describe, expect, it } from 'vitest';
import { assembleWasm, WASM_MODULES } from '../../scripts/wasm-modules.js';

describe('generated WebAssembly modules', () => {
  it.each(WASM_MODULES.map((m) => [m.path, m] as const))('%s is byte for byte what its source assembles to with the pinned wabt', async (_, module) => {
    const built = await assembleWasm(module.text(), module.path);
    const committed = module.committed();
    expect(committed.length).toBe(built.length);
    expect(Buffer.from(built).equals(Buffer.from(committed))).toBe(true);
  });

  it.each(WASM_MODULES.map((m) => [m.path, m] as const))('%s no longer matches once its source changes (the check can fail)', async (_, module) => {
    const edited = module.text().trimEnd().replace(/\)$/, '  (func (export "edited"))\n)\n');
    const built = await assembleWasm(edited, module.path);
    expect(Buffer.from(built).equals(Buffer.from(module.committed()))).toBe(false);
  });
});
