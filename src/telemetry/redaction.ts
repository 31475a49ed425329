/**
 * What must never be written as-is: credentials (authorization, API keys, cookies, webhook
 * secrets) and the raw prompt. Two layers: pino `redact` paths on every log line (cheap: each
 * path starts with a fixed key, so pino only checks lines that carry that key), and
 * `redactSecrets()` for objects of unknown shape (request bodies, headers) before they are
 * logged or turned into span attributes.
 */

export const REDACTED = '[REDACTED]';

/** Compared lower-cased, with `-` and `_` removed, so `X-Api-Key`, `api_key` and `apiKey` all match. */
const SECRET_KEY_NAMES = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xapikey',
  'apikey',
  'apikeys',
  'secret',
  'webhooksecret',
  'clientsecret',
  'prompthashsecret',
  'password',
  'passwd',
  'token',
  'accesstoken',
  'refreshtoken',
  'explorertoken',
  'signature',
  'xdiffscopesignature',
  'secretaccesskey',
  'sessiontoken',
  'privatekey',
]);

const PROMPT_KEY_NAMES = new Set(['prompt', 'negativeprompt', 'prompts', 'negativeprompts', 'rawprompt']);

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_NAMES.has(normalizeKey(key));
}

export function isPromptKey(key: string): boolean {
  return PROMPT_KEY_NAMES.has(normalizeKey(key));
}

/** Literal key spellings for pino's path syntax (it is case- and spelling-sensitive). */
const LITERAL_KEYS = [
  'authorization',
  'Authorization',
  'proxy-authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'x-api-key',
  'X-Api-Key',
  'api_key',
  'apiKey',
  'api_keys',
  'apiKeys',
  'secret',
  'webhook_secret',
  'webhookSecret',
  'client_secret',
  'prompt_hash_secret',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'signature',
  'x-diffscope-signature',
  'prompt',
  'negative_prompt',
  'negativePrompt',
  'prompts',
  'raw_prompt',
];

function pathSegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
}

/**
 * pino `redact.paths`: the secret and prompt keys at the top level of a log call's fields or a
 * child's bindings. Nested objects are not pino's job here: the logger runs `redactSecrets()` over
 * any object-valued field (any depth, any key spelling). Measured: pino's cost grows with the
 * number of paths even for lines that carry none of them (560 nested paths made every line ~3x
 * slower), so only top-level literal keys are listed.
 */
export function pinoRedactPaths(): string[] {
  return [...new Set(LITERAL_KEYS.map(pathSegment))];
}

export interface RedactOptions {
  /** Prompt-like keys: 'drop' them (default) or 'mask' their value with '[REDACTED]'. */
  prompts?: 'drop' | 'mask';
  /** Deeper levels are replaced by '[Object]' (default 6). */
  maxDepth?: number;
}

/**
 * A deep copy with secret-like keys replaced by '[REDACTED]' and prompt-like keys removed.
 * Never mutates its input; cycles and deep nesting are cut instead of throwing.
 */
export function redactSecrets<T>(value: T, options: RedactOptions = {}): T {
  const dropPrompts = (options.prompts ?? 'drop') === 'drop';
  const maxDepth = options.maxDepth ?? 6;
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Date) return v;
    if (ArrayBuffer.isView(v)) return `[binary ${v.byteLength} bytes]`;
    if (seen.has(v)) return '[Circular]';
    if (depth >= maxDepth) return '[Object]';
    seen.add(v);
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    if (v instanceof Map) return walk(Object.fromEntries(v), depth);
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(v as Record<string, unknown>)) {
      if (isPromptKey(key)) {
        if (!dropPrompts) out[key] = REDACTED;
        continue;
      }
      out[key] = isSecretKey(key) ? REDACTED : walk(inner, depth + 1);
    }
    return out;
  };
  return walk(value, 0) as T;
}
