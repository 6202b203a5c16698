// The BLAS self-test's child process (./probe.ts): register tsx, then run the TypeScript probe.
import { register } from 'tsx/esm/api';

register();
const { probeMain } = await import('./probe.ts');
await probeMain(process.argv.slice(2));
