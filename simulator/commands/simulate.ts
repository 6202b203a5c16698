/**
 * `flopnet simulate`: the subnet owner's tool. Runs an incentive config against a population of
 * miners and validators on the real scoring, weights and Yuma code, and shows who earns what before
 * the config is published (docs/incentives.md, "Simulating a config").
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineCommand } from '../../shared/cli/command.js';
import { defineOptions, zBool, zInt } from '../../shared/config/options.js';
import { FlopnetError } from '../../shared/errors.js';
import { DEFAULT_INCENTIVES, loadIncentives } from '../../validator/incentives.js';
import { simulate, warmupEpochs } from '../engine.js';
import { renderHtml } from '../html.js';
import { LIMITS, loadPopulation } from '../population.js';
import { deviceRows, renderDevices, renderReport, type SimulationReport } from '../report.js';

/** The population used when none is given: every device model honest, and every strategy on H100s. */
export const CATALOGUE = fileURLToPath(new URL('../examples/catalogue.yaml', import.meta.url));
const DEFAULT_EPOCHS = 50;
const DEFAULT_SEED = 1;

const options = defineOptions({
  population: {
    key: 'population',
    arg: '<file>',
    description: 'miners (device, count, strategy, hotkeys per device), validators (stake, strategy) and subnet hyperparameters, JSON or YAML (default: the catalogue, simulator/examples/catalogue.yaml)',
    schema: z.string().min(1),
  },
  incentives: {
    key: 'incentives',
    arg: '<file>',
    description: "the incentive config to try, as validators would load it (default: the validators' defaults, fp32 only)",
    schema: z.string().min(1),
  },
  epochs: { key: 'epochs', arg: '<n>', description: `epochs to simulate (default: the population's, else ${DEFAULT_EPOCHS})`, schema: zInt(1, LIMITS.epochs) },
  seed: { key: 'seed', arg: '<n>', description: `random seed: the same seed gives the same run (default: the population's, else ${DEFAULT_SEED})`, schema: zInt(0, 2 ** 31 - 1) },
  warmup: { key: 'warmup', arg: '<epochs>', description: 'first epochs left out of the totals while scores build up (default: until the rarest class has been measured enough, at most half the run)', schema: zInt(0, LIMITS.epochs) },
  html: { key: 'html', arg: '<file>', description: 'also write a self-contained HTML report with charts to this file', schema: z.string().min(1) },
  perMiner: { key: 'per-miner', description: 'also print one row per miner hotkey', schema: zBool, default: false },
  devices: { key: 'devices', description: 'print the device table (TFLOPS per class, native and the cheapest accurate method, with sources) and exit', schema: zBool, default: false },
});

export const simulateCommand = defineCommand({
  name: 'simulate',
  description: "try an incentive config before publishing it: who earns what, what a cheat or a Sybil gains, the subnet's verified capacity",
  options,
  examples: [
    'flopnet simulate',
    'flopnet simulate --incentives incentives.yaml --population population.yaml --epochs 100 --html report.html',
    'flopnet simulate --devices --incentives incentives.yaml',
    'flopnet simulate --incentives incentives.yaml --json',
  ],
  action: ({ options: o, output, signal, log }) => {
    // Both files are read and checked before anything runs: a typo fails in one line, nothing half-done.
    const incentives = o.incentives ? loadIncentives(o.incentives) : DEFAULT_INCENTIVES;
    const incentivesSource = o.incentives ?? 'defaults (fp32 only)';
    if (o.devices) {
      const rows = deviceRows();
      output({ devices: rows }, () => renderDevices(rows, o.incentives ? incentives : undefined));
      return;
    }
    const populationPath = o.population ?? CATALOGUE;
    const population = loadPopulation(populationPath);
    const epochs = o.epochs ?? population.epochs ?? DEFAULT_EPOCHS;
    const seed = o.seed ?? population.seed ?? DEFAULT_SEED;
    const warmup = o.warmup ?? warmupEpochs(incentives, population, epochs);
    const started = performance.now();
    let reported = started;
    let printed = false;
    const result = simulate({
      incentives,
      population,
      epochs,
      seed,
      warmup,
      signal,
      onEpoch: (done, total) => {
        // Progress once a second on long runs; a short one prints nothing.
        const now = performance.now();
        if (now - reported < 1_000 && !(printed && done === total)) return;
        reported = now;
        printed = true;
        if (process.stderr.isTTY) process.stderr.write(`\rsimulating: epoch ${done}/${total}${done === total ? '\n' : ''}`);
        else log.info('simulating', { epoch: done, of: total });
      },
    });
    log.debug('simulation done', { seconds: Number(((performance.now() - started) / 1000).toFixed(2)) });
    const report: SimulationReport = {
      ...result,
      incentives: { source: incentivesSource, classes: incentives.classes, burn: incentives.burn ?? null, exponent: incentives.normalization.exponent },
      population: {
        source: o.population ?? 'the catalogue (simulator/examples/catalogue.yaml)',
        hotkeys: result.miners.length,
        validators: result.validators.length,
      },
    };
    if (o.html) {
      try {
        writeFileSync(o.html, renderHtml(report));
      } catch (error) {
        throw new FlopnetError(`Cannot write the HTML report ${o.html}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
          code: 'E_HTML_WRITE',
          hint: 'check that the directory exists and is writable',
        });
      }
      log.info('HTML report written', { file: o.html });
    }
    output(report, (r) => renderReport(r, { perMiner: o.perMiner }));
  },
});
