import { Command, CommanderError } from 'commander';
import { addCommand } from './cli/add.js';
import { askCommand } from './cli/ask.js';
import { digestCommand } from './cli/digest.js';
import { evalCommand } from './cli/eval.js';
import { fetchModelCommand } from './cli/fetch-model.js';
import { ingestCommand } from './cli/ingest.js';
import { deployCommandsCommand, startCommand } from './cli/misc.js';
import { searchCommand } from './cli/search.js';
import { UserError } from './cli/shared.js';
import { UserFacingError } from './errors.js';

export { UserError };

/** The `paperbot` command line: one module per command under src/cli/. */
export function buildCli(): Command {
  const program = new Command('paperbot')
    .description('A library of trending research papers that answers questions with citations.')
    .showHelpAfterError('(run "paperbot --help" for the commands)')
    .exitOverride();
  for (const command of [
    ingestCommand(),
    addCommand(),
    searchCommand(),
    askCommand(),
    evalCommand(),
    startCommand(),
    digestCommand(),
    fetchModelCommand(),
    deployCommandsCommand(),
  ]) {
    program.addCommand(command);
  }
  // Every subcommand reports errors the way the program does (exit code 2 with a hint, not process.exit).
  const inherit = (c: Command) => {
    c.exitOverride().showHelpAfterError('(run "paperbot --help" for the commands)');
    c.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  return program;
}

/** Runs the CLI; every expected failure is one clear line on stderr and a non-zero exit code. */
export async function main(argv = process.argv): Promise<number> {
  try {
    await buildCli().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander printed the message
    // Configuration, seed-file, source and model-download errors, and usage mistakes commander does not catch.
    if (err instanceof UserFacingError) {
      console.error(`paperbot: ${(err as Error).message}`);
      return 2;
    }
    console.error(`paperbot: ${(err as Error).message ?? err}`);
    if (process.env.DEBUG) console.error(err);
    return 1;
  }
}
