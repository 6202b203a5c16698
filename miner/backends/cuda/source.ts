/**
 * The text of kernels.cu, which NVRTC compiles at start-up. Read from next to this module when running
 * from the source tree (tsx, vitest); a bundle built with esbuild `--loader:.cu=text` carries the text
 * inline through the import below instead, so it runs where only the bundle was copied.
 */
import { readFile } from 'node:fs/promises';

export async function kernelSource(): Promise<string> {
  try {
    return await readFile(new URL('./kernels.cu', import.meta.url), 'utf8');
  } catch {
    return (await import('./kernels.cu')).default;
  }
}
