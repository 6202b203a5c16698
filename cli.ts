/**
 * The `flopnet` command line: registers each program's commands and parses. Nothing else lives here.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { walletCommand } from './shared/commands/wallet.js';
import { subnetCommand } from './shared/commands/subnet.js';
import { registerCommand } from './shared/commands/register.js';
import { stakeCommand } from './shared/commands/stake.js';
import { weightsCommand } from './shared/commands/weights.js';
import { metagraphCommand } from './shared/commands/metagraph.js';
import { devnetCommand } from './devnet/commands/devnet.js';
import { minerCommand } from './miner/commands/miner.js';
import { benchCommand } from './miner/commands/bench.js';
import { validatorCommand } from './validator/commands/validator.js';
import { simulateCommand } from './simulator/commands/simulate.js';
import { demoCommand } from './scripts/demo.js';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('flopnet')
    .description('A compute subnet that pays for verified floating-point throughput')
    .version(version)
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const command of [
    devnetCommand,
    demoCommand,
    minerCommand,
    validatorCommand,
    simulateCommand,
    benchCommand,
    walletCommand,
    subnetCommand,
    registerCommand,
    stakeCommand,
    weightsCommand,
    metagraphCommand,
  ]) {
    program.addCommand(command);
  }
  // Subcommands inherit exitOverride only when added before it is set on them.
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Commander already printed the message; help and --version are successes, the rest usage errors.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  }
}
