/**
 * `diffscope <command> [--flag value]…`: every DIFFSCOPE_* setting is also a flag, named by
 * dropping the prefix and kebab-casing the rest (DIFFSCOPE_API_PORT ↔ --api-port), so env
 * and flags can never drift apart: both go through the one config schema.
 */
import { configSchema } from '../config/index.js';

export interface ParsedArgs {
  command: string | undefined;
  /** DIFFSCOPE_* overrides taken from flags. */
  overrides: Record<string, string>;
  help: boolean;
  positional: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function flagForVariable(variable: string): string {
  return '--' + variable.replace(/^DIFFSCOPE_/, '').toLowerCase().replaceAll('_', '-');
}

function variableForFlag(flag: string): string {
  return 'DIFFSCOPE_' + flag.replace(/^--/, '').toUpperCase().replaceAll('-', '_');
}

export function parseArgs(argv: string[]): ParsedArgs {
  const known = new Set(Object.keys(configSchema.shape));
  const overrides: Record<string, string> = {};
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const variable = variableForFlag(flag);
    if (!known.has(variable)) throw new UsageError(`unknown option ${flag} (see --help)`);
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`option ${flag} needs a value`);
      value = next;
      i++;
    }
    overrides[variable] = value;
  }
  return { command: positional.shift(), overrides, help, positional };
}
