/**
 * `diffscope <command>`: parses the command line, validates the configuration, and runs the
 * command. Only this folder knows how the services are assembled; each service folder exports a
 * start function. Exit codes: src/cli/exit-codes.ts.
 */
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { parseArgs, UsageError, type ParsedArgs } from './args.js';
import { ClientError } from './client/http-client.js';
import { COMMANDS } from './command-table.js';
import { EXIT } from './exit-codes.js';
import { commandHelp, usage } from './help.js';
import { packageVersion } from './version.js';

function usageFailure(message: string, command?: string): number {
  process.stderr.write(`diffscope${command ? ` ${command}` : ''}: ${message}\n`);
  return EXIT.USAGE;
}

async function main(argv: string[]): Promise<number | void> {
  // `diffscope help [command]` is `diffscope [command] --help`.
  if (argv[0] === 'help') argv = [...argv.slice(1), '--help'];
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(error.message, error.command);
    throw error;
  }
  if (parsed.version) {
    process.stdout.write(`diffscope ${packageVersion()}\n`);
    return EXIT.OK;
  }
  if (parsed.command === undefined) {
    if (parsed.help) {
      process.stdout.write(usage() + '\n');
      return EXIT.OK;
    }
    process.stderr.write(usage() + '\n');
    return EXIT.USAGE;
  }
  const command = COMMANDS.get(parsed.command)!;
  if (parsed.help) {
    process.stdout.write(commandHelp(command) + '\n');
    return EXIT.OK;
  }
  const [min, max] = command.arity;
  if (parsed.positional.length < min) return usageFailure(`missing argument: diffscope ${command.name} ${command.synopsis}`, command.name);
  if (parsed.positional.length > max)
    return usageFailure(`unexpected argument "${parsed.positional[max]}" (quote a prompt with spaces)`, command.name);
  let config: Config;
  try {
    config = loadConfig(process.env, parsed.overrides);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`diffscope ${command.name}: ${error.message}\n`);
      return EXIT.CONFIG; // a supervisor should not restart-loop on a bad config
    }
    throw error;
  }
  const run = await command.load();
  try {
    return await run({ config, overrides: parsed.overrides, values: parsed.values, positional: parsed.positional });
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(error.message, command.name);
    // A server that is down or answered an error: its message says what to do, a stack would not.
    if (error instanceof ClientError) {
      process.stderr.write(`diffscope ${command.name}: ${error.message}\n`);
      return EXIT.FAILED;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // A service returns nothing and keeps running; a client command's code ends the process once
    // stdout has drained (exiting at once could cut a piped `--json` answer short).
    if (typeof code === 'number') process.stdout.write('', () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`diffscope: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.FAILED);
  },
);
