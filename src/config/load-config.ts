import { configSchema, type RawConfig } from './schema.js';

export type Config = Readonly<RawConfig>;

export class ConfigError extends Error {
  readonly issues: { variable: string; message: string }[];
  constructor(issues: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' +
        issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n') +
        '\nSee docs/configuration.md for every setting.',
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * Parse and validate once, at start. Fails fast with every bad variable named, so a typo
 * in a deployment is caught before the service takes traffic. Empty strings count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Record<string, string> = {}): Config {
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...env, ...overrides })) {
    if (key.startsWith('DIFFSCOPE_') && value !== undefined && value !== '') input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(config)'),
        message: `${issue.message}${input[String(issue.path[0])] !== undefined ? ` (got "${input[String(issue.path[0])]}")` : ''}`,
      })),
    );
  }
  const known = new Set(Object.keys(configSchema.shape));
  const unknown = Object.keys(input).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((variable) => ({ variable, message: 'unknown setting (typo?)' })));
  }
  return Object.freeze(parsed.data);
}

/** `key1:clientA,key2:clientB` → Map(key → client_id). */
export function parseApiKeys(spec: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const pair of spec.split(',')) {
    const trimmed = pair.trim();
    if (!trimmed) continue;
    const [key, client] = trimmed.split(':');
    keys.set(key, client);
  }
  return keys;
}
