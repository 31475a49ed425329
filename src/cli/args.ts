/**
 * `diffscope <command> [options] [arguments]`, parsed with Node's `util.parseArgs` against the
 * options of that one command (src/cli/command-table.ts): its own options and the settings it
 * accepts, which are generated from the config schema (src/cli/options.ts). A setting given as a
 * flag becomes a DIFFSCOPE_* override, so flags and environment go through the same validation.
 */
import { parseArgs as parseNodeArgs } from 'node:util';
import { COMMANDS, type CommandSpec } from './command-table.js';
import { settingOption, type OptionSpec } from './options.js';

export { flagForVariable } from './options.js';

export interface ParsedArgs {
  command: string | undefined;
  /** DIFFSCOPE_* overrides taken from flags. */
  overrides: Record<string, string>;
  /** The command's own options (`--steps 30` → `{ steps: '30' }`, `--json` → `{ json: true }`). */
  values: Record<string, string | boolean | string[]>;
  positional: string[];
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Everything `command` accepts on its command line. */
export function optionsOf(command: CommandSpec): OptionSpec[] {
  return [...command.options, ...command.acceptedSettings().map(settingOption)];
}

type NodeOptions = NonNullable<Parameters<typeof parseNodeArgs>[0]>['options'];

function nodeOptions(options: OptionSpec[]): NodeOptions {
  const out: NonNullable<NodeOptions> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'V' },
  };
  for (const o of options) {
    out[o.name] = { type: o.kind, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
    if (o.kind === 'boolean') out[`no-${o.name}`] = { type: 'boolean' };
  }
  return out;
}

/** util.parseArgs' messages name the problem; these say it in the words of this CLI. */
function usageMessage(error: Error & { code?: string }, command: string | undefined): string {
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''}${command ? ` for \`diffscope ${command}\`` : ''} (see diffscope ${command ?? ''} --help)`.replace(
        / +\)/,
        ')',
      );
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${option === undefined ? 'an option' : `option ${option}`} ${/argument missing|ambiguous/.test(error.message) ? 'needs a value' : 'takes no value'}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return error.message;
    default:
      return error.message;
  }
}

export function parseArgs(argv: string[]): ParsedArgs {
  // The command is the first word; flags before it (`--help`, `--version`) are global.
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const name = at === -1 ? undefined : argv[at];
  const rest = at === -1 ? argv : [...argv.slice(0, at), ...argv.slice(at + 1)];
  const command = name === undefined ? undefined : COMMANDS.get(name);
  if (name !== undefined && !command) {
    throw new UsageError(`unknown command "${name}" (one of: ${[...COMMANDS.keys()].join(', ')})`);
  }
  const options = command ? optionsOf(command) : [];
  let parsed: ReturnType<typeof parseNodeArgs>;
  try {
    parsed = parseNodeArgs({ args: rest, options: nodeOptions(options), strict: true, allowPositionals: true });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error)
      throw new UsageError(usageMessage(error as TypeError & { code?: string }, name), name);
    throw error;
  }
  const overrides: Record<string, string> = {};
  const values: ParsedArgs['values'] = {};
  for (const o of options) {
    const given = parsed.values[o.name];
    const negated = o.kind === 'boolean' ? parsed.values[`no-${o.name}`] : undefined;
    let value: string | boolean | string[] | undefined = given as string | boolean | string[] | undefined;
    if (negated === true) {
      if (given === true) throw new UsageError(`--${o.name} and --no-${o.name} contradict each other`, name);
      value = false;
    }
    if (value === undefined) continue;
    if (o.setting) overrides[o.setting] = String(value);
    else values[o.name] = value;
  }
  return {
    command: name,
    overrides,
    values,
    positional: parsed.positionals,
    help: parsed.values.help === true,
    version: parsed.values.version === true,
  };
}
