/**
 * `flopnet demo` (what `npm run demo` runs): the whole subnet on the embedded devnet, each program its
 * own process, and a verdict on who earned what. Exits 0 only when every honest miner earned emission
 * and the cheater earned none.
 */
import { z } from 'zod';
import { defineCommand } from '../shared/cli/command.js';
import { defineOptions, zBool, zInt } from '../shared/config/options.js';
import { runDemo } from './demo/run.js';
import { renderReport } from './demo/report.js';

const options = defineOptions({
  miners: { key: 'miners', arg: '<n>', description: 'miner hotkeys (one cheats; with 4 or more, two share one backend)', schema: zInt(2, 32), default: 4 },
  validators: { key: 'validators', arg: '<n>', description: 'validators, each with its own stake', schema: zInt(1, 8), default: 2 },
  epochs: { key: 'epochs', arg: '<n>', description: 'epochs to run once every validator has set weights', schema: zInt(1, 100), default: 3 },
  backend: { key: 'backend', arg: '<kind>', description: 'miners’ compute backend: auto | cpu | gpujs | cuda', schema: z.enum(['auto', 'cpu', 'gpujs', 'cuda']), default: 'auto' },
  tempo: { key: 'tempo', arg: '<blocks>', description: 'blocks per epoch on the demo subnet', schema: zInt(4, 1000), default: 12 },
  blockTime: { key: 'block-time', arg: '<ms>', description: 'devnet block time', schema: zInt(50, 12_000), default: 250 },
  keep: { key: 'keep', description: 'keep the temporary directory (wallets, validator databases) and print its path', schema: zBool, default: false },
});

export const demoCommand = defineCommand({
  name: 'demo',
  description: 'run the whole subnet on the embedded devnet: chain, miners (one cheating), validators, emissions',
  options,
  examples: ['flopnet demo', 'flopnet demo --miners 6 --validators 3 --epochs 5', 'flopnet demo --epochs 1 --json'],
  action: async ({ options: o, log, signal, output }) => {
    const started = Date.now();
    const result = await runDemo({
      miners: o.miners,
      validators: o.validators,
      epochs: o.epochs,
      backend: o.backend,
      tempo: o.tempo,
      blockTimeMs: o.blockTime,
      keep: o.keep,
      verbose: o.loggingDebug,
      log,
      signal,
      onProgress: (line) => log.info(line),
    });
    output(result, renderReport);
    log.info(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`, { passed: result.passed });
    if (!result.passed) process.exitCode = 1;
  },
});
