/**
 * The `flopnet` command line: registers each program's commands and parses. Nothing else lives here.
 * A command's module loads only when the command line names it (shared/cli/lazy.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addLazyCommands, namedIn, type LazyCommand } from './shared/cli/lazy.js';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export const COMMANDS: readonly LazyCommand[] = [
  { name: 'devnet', description: 'run the embedded local subtensor-compatible chain (JSON-RPC over ws:// and http://)', load: async () => (await import('./devnet/commands/devnet.js')).devnetCommand },
  { name: 'demo', description: 'run the whole subnet on the embedded devnet: chain, miners (one cheating), validators, emissions', load: async () => (await import('./scripts/demo.js')).demoCommand },
  { name: 'miner', description: 'run a miner: serve FLOPS challenges from a compute backend', load: async () => (await import('./miner/commands/miner.js')).minerCommand },
  { name: 'validator', description: 'run a validator (start) and read what it measured (report)', load: async () => (await import('./validator/commands/validator.js')).validatorCommand },
  { name: 'simulate', description: "try an incentive config before publishing it: who earns what, what a cheat or a Sybil gains, the subnet's verified capacity", load: async () => (await import('./simulator/commands/simulate.js')).simulateCommand },
  { name: 'bench', description: 'run one challenge locally through the real verifier', load: async () => (await import('./miner/commands/bench.js')).benchCommand },
  { name: 'wallet', aliases: ['w'], description: 'create, restore, list and show btcli-compatible wallets', load: async () => (await import('./shared/commands/wallet.js')).walletCommand },
  { name: 'subnet', description: 'create a subnet, show it, read and set its hyperparameters', load: async () => (await import('./shared/commands/subnet.js')).subnetCommand },
  { name: 'register', description: 'register a hotkey on a subnet (burned_register)', load: async () => (await import('./shared/commands/register.js')).registerCommand },
  { name: 'stake', description: 'add or remove stake', load: async () => (await import('./shared/commands/stake.js')).stakeCommand },
  { name: 'weights', description: 'show the weights validators set on a subnet', load: async () => (await import('./shared/commands/weights.js')).weightsCommand },
  { name: 'metagraph', description: 'print the metagraph of a subnet', load: async () => (await import('./shared/commands/metagraph.js')).metagraphCommand },
  { name: 'dashboard', description: "serve a validator database's dashboard (read-only): capacity over time, miners, their history, commitments on chain", load: async () => (await import('./validator/commands/dashboard.js')).dashboardCommand },
  { name: 'capacity', description: "the subnet's verified capacity per class: the stake-weighted median of what its validators published on chain", load: async () => (await import('./shared/commands/capacity.js')).capacityCommand },
  { name: 'config', description: 'show the settings a command would run with, and where each came from', load: async () => (await import('./shared/commands/config.js')).configCommand },
];

/** The program with every command loaded, or (`argv` given) only those that argv names. */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('flopnet')
    .description('A compute subnet that pays for verified floating-point throughput')
    .version(version)
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const named = argv && namedIn(argv, COMMANDS);
  const load = (c: LazyCommand): boolean => !named || named.has(c);
  await addLazyCommands(program, COMMANDS, load);
  if (COMMANDS.some(load)) {
    // A config file may hold settings of commands this run did not load.
    const { setSettingsCatalogue, settingKeys } = await import('./shared/cli/command.js');
    setSettingsCatalogue(program, async () => new Set((await Promise.all(COMMANDS.map((c) => c.load()))).flatMap((c) => [...settingKeys(c)])));
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
    await (await buildProgram(argv)).parseAsync(argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Commander already printed the message; help and --version are successes, the rest usage errors.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  }
}
