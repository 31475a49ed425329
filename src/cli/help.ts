/**
 * `diffscope --help` and `diffscope <command> --help`: the commands, then per command its own
 * options and the settings it uses, each with its description, default and environment variable
 * (all generated from src/cli/command-table.ts and the config schema).
 */
import { COMMANDS, type CommandSpec } from './command-table.js';
import { EXIT } from './exit-codes.js';
import { settingOption, type OptionSpec } from './options.js';

const FLAG_COLUMN = 34;

function flagText(o: OptionSpec): string {
  const short = o.short ? `-${o.short}, ` : '';
  // `--no-x` is worth showing where it undoes something: a setting (the environment may set it) or an on-by-default option.
  const negatable = o.kind === 'boolean' && (o.setting !== undefined || o.defaultText === 'true');
  const name = o.kind === 'string' ? `--${o.name} ${o.valueName ?? '<value>'}` : negatable ? `--[no-]${o.name}` : `--${o.name}`;
  return short + name;
}

function optionLine(o: OptionSpec): string {
  const notes: string[] = [];
  if (o.defaultText !== undefined) notes.push(`default: ${o.defaultText}`);
  if (o.env) notes.push(`env: ${o.env}`);
  const text = o.description + (notes.length ? ` [${notes.join('; ')}]` : '');
  const flag = `  ${flagText(o)}`;
  return flag.length < FLAG_COLUMN ? `${flag.padEnd(FLAG_COLUMN)}${text}` : `${flag}\n${' '.repeat(FLAG_COLUMN)}${text}`;
}

const EXIT_CODES = [
  `exit codes: ${EXIT.OK} ok, ${EXIT.FAILED} failed (generation failed or canceled, server error), ${EXIT.USAGE} usage,`,
  `            ${EXIT.CONFIG} invalid configuration, ${EXIT.INTERRUPTED} interrupted (Ctrl-C)`,
];

export function usage(): string {
  const lines = [
    'usage: diffscope <command> [options]',
    '',
    'commands:',
    ...[...COMMANDS.values()].map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'global options:',
    "  -h, --help                      this text, or a command's options with `diffscope <command> --help`",
    '  -V, --version                   the version',
    '',
    'Every DIFFSCOPE_* setting is also a flag of the commands that use it: DIFFSCOPE_API_PORT=9000 is --api-port 9000',
    '(flags win). OpenTelemetry is configured with the standard OTEL_* variables (docs/telemetry.md); every setting',
    'is described in docs/configuration.md, the commands in docs/cli.md.',
    '',
    ...EXIT_CODES,
  ];
  return lines.join('\n');
}

export function commandHelp(command: CommandSpec): string {
  const lines = [`usage: diffscope ${command.name} ${command.synopsis}`, '', command.summary];
  if (command.details) lines.push('', ...command.details);
  if (command.options.length > 0) lines.push('', 'options:', ...command.options.map(optionLine));
  if (command.settings.length > 0) {
    lines.push('', 'settings (flag or environment variable; flags win):', ...command.settings.map((s) => optionLine(settingOption(s))));
  }
  lines.push('', 'global options: -h, --help; -V, --version', ...EXIT_CODES);
  return lines.join('\n');
}
