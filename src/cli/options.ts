/**
 * Command-line options. A setting's option is generated from the one config schema
 * (src/config/schema.ts): its flag (DIFFSCOPE_API_PORT ↔ --api-port), its description (the
 * schema's `.describe()`), its default, its values, and whether it is a boolean (`--flag`,
 * `--no-flag`). A command's own options (`generate --steps`) are declared by the command.
 */
import { z } from 'zod';
import { BOOLEAN_WORDS, configSchema } from '../config/index.js';

export interface OptionSpec {
  /** Flag without the dashes: `api-port`. */
  name: string;
  short?: string;
  /** `boolean` options take no value; `--no-<name>` sets them false. */
  kind: 'string' | 'boolean';
  description: string;
  /** Placeholder in help: `<n>`, `<url>`, `<auto|pretty|json>`. */
  valueName?: string;
  /** The default as help shows it; absent when there is none. */
  defaultText?: string;
  /** The environment variable that sets the same thing. */
  env?: string;
  /** The DIFFSCOPE_* setting this option overrides (setting options only). */
  setting?: string;
  /** May be given several times. */
  multiple?: boolean;
}

/**
 * Short flag names for the client settings, which users type most: `--api` rather than
 * `--api-url`. Every other setting's flag is its variable's name.
 */
const FLAG_ALIASES: Record<string, string> = {
  DIFFSCOPE_API_URL: 'api',
  DIFFSCOPE_EXPLORER_URL: 'explorer',
};

export function flagForVariable(variable: string): string {
  return (
    '--' +
    (FLAG_ALIASES[variable] ??
      variable
        .replace(/^DIFFSCOPE_/, '')
        .toLowerCase()
        .replaceAll('_', '-'))
  );
}

interface JsonSchemaProperty {
  type?: string;
  enum?: unknown[];
  format?: string;
  description?: string;
}

let cache: Map<string, OptionSpec> | undefined;

function valueNameOf(property: JsonSchemaProperty): string {
  if (property.enum) return `<${property.enum.join('|')}>`;
  if (property.type === 'integer' || property.type === 'number') return '<n>';
  if (property.format === 'uri') return '<url>';
  return '<value>';
}

function isBooleanSetting(property: JsonSchemaProperty): boolean {
  const values = property.enum;
  return values !== undefined && values.length === BOOLEAN_WORDS.length && BOOLEAN_WORDS.every((w) => values.includes(w));
}

/** Every setting's option, by variable name, in schema order. */
export function settingOptions(): Map<string, OptionSpec> {
  if (cache) return cache;
  // The input side of the schema is what a flag or a variable spells; defaults are what it parses to.
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, JsonSchemaProperty> };
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  cache = new Map();
  for (const variable of Object.keys(configSchema.shape)) {
    const property = json.properties[variable] ?? {};
    const boolean = isBooleanSetting(property);
    const value = defaults[variable];
    cache.set(variable, {
      name: flagForVariable(variable).slice(2),
      kind: boolean ? 'boolean' : 'string',
      description: property.description ?? '',
      valueName: boolean ? undefined : valueNameOf(property),
      // Every default is a scalar today; a list or object default would need its own spelling here.
      defaultText:
        (typeof value === 'string' && value !== '') || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined,
      env: variable,
      setting: variable,
    });
  }
  return cache;
}

export function settingOption(variable: string): OptionSpec {
  const option = settingOptions().get(variable);
  if (!option) throw new Error(`no setting ${variable} in src/config/schema.ts`);
  return option;
}
