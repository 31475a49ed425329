/**
 * `diffscope <command>`: wires config, telemetry and one service together. Only this folder
 * knows how the services are assembled; each service folder exports a start function.
 */
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { parseArgs, UsageError } from './args.js';
import { COMMANDS, usage } from './help.js';

type CommandRunner = (config: Config, overrides: Record<string, string>) => Promise<void>;

const RUNNERS: Record<string, () => Promise<CommandRunner>> = {
  start: async () => (await import('./commands/start.js')).runStart,
  api: async () => (await import('./commands/api.js')).runApi,
  worker: async () => (await import('./commands/worker.js')).runWorker,
  notifier: async () => (await import('./commands/notifier.js')).runNotifier,
  explorer: async () => (await import('./commands/explorer.js')).runExplorer,
  models: async () => (await import('./commands/models.js')).runModels,
};

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`diffscope: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.help || !parsed.command || parsed.command === 'help') {
    process.stdout.write(usage() + '\n');
    return parsed.command || parsed.help ? 0 : 2;
  }
  const load = RUNNERS[parsed.command];
  if (!load) {
    process.stderr.write(`diffscope: unknown command "${parsed.command}" (one of: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig(process.env, parsed.overrides);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`diffscope ${parsed.command}: ${error.message}\n`);
      return 78; // EX_CONFIG: a supervisor should not restart-loop on a bad config
    }
    throw error;
  }
  const run = await load();
  await run(config, parsed.overrides);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`diffscope: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
