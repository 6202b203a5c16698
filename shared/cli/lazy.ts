/**
 * Commands that load when named. Each program's module pulls in its own world (the chain client,
 * GPU backends, SQLite), about two seconds in all; `flopnet --help` and the suggestion after a typo
 * need only names and descriptions, and `flopnet wallet ...` only the wallet module.
 */
import { Command } from 'commander';

export interface LazyCommand {
  name: string;
  aliases?: readonly string[];
  /** The loaded command's description; test/cli.test.ts checks they agree. */
  description: string;
  load(): Promise<Command>;
}

/** The entries an argv names: any word after the program that is an entry's name or alias. */
export function namedIn(argv: readonly string[], commands: readonly LazyCommand[]): Set<LazyCommand> {
  const words = new Set(argv.slice(2).filter((a) => !a.startsWith('-')));
  return new Set(commands.filter((c) => words.has(c.name) || (c.aliases ?? []).some((a) => words.has(a))));
}

/** Adds each entry to `program`: loaded when `load` says so, else a stub that only names it. */
export async function addLazyCommands(program: Command, commands: readonly LazyCommand[], load: (c: LazyCommand) => boolean): Promise<void> {
  for (const c of commands) {
    program.addCommand(load(c) ? await c.load() : new Command(c.name).description(c.description).aliases([...(c.aliases ?? [])]));
  }
}
