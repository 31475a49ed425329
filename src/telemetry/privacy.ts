/**
 * The raw prompt exists only in the job payload and in memory. Logs, spans and metrics get
 * `prompt_hash`: HMAC-SHA-256 under a deployment secret, so equal prompts correlate inside one
 * deployment but a guessed prompt cannot be confirmed from the logs without the secret.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Logger, LogFields } from './logger.js';
import { isPromptKey, redactSecrets } from './redaction.js';

const RANDOM_KEY_WARNING =
  'DIFFSCOPE_PROMPT_HASH_SECRET is not set: prompt_hash uses a random per-process key, so equal prompts ' +
  'hash differently across processes and restarts. Set a shared secret (16+ characters) in production.';

/** One hashing key and what it is; the key never leaves the instance. */
export class PromptHasher {
  readonly #key: Buffer;
  /** True when no secret was given: hashes are stable only within this instance. */
  readonly randomKey: boolean;

  constructor(secret?: string) {
    this.randomKey = secret === undefined || secret === '';
    this.#key = this.randomKey ? randomBytes(32) : Buffer.from(secret!, 'utf8');
  }

  /** Hex HMAC-SHA-256 of the prompt (64 lower-case hex characters). */
  hash(prompt: string): string {
    return createHmac('sha256', this.#key).update(prompt, 'utf8').digest('hex');
  }
}

// The process's hasher, as OpenTelemetry's API keeps the process's tracer provider: set once by
// the service runtime, read by promptHash() wherever a hash is written. Nobody configured hashing
// (tests, libraries): a random key is still safe, just not stable.
let processHasher: PromptHasher | undefined;

/**
 * Set the deployment secret for this process. Without one a random per-process key is used:
 * hashes then differ between processes and restarts, so the WARN event `prompt_hash_secret_random` says so.
 */
export function configurePromptHashing(secret: string | undefined, logger?: Logger): PromptHasher {
  processHasher = new PromptHasher(secret);
  if (processHasher.randomKey) logger?.warn('prompt_hash_secret_random', { message: RANDOM_KEY_WARNING });
  return processHasher;
}

/** True while the random per-process key is in use. */
export function promptHashKeyIsRandom(): boolean {
  return processHasher?.randomKey ?? true;
}

/** Hex HMAC-SHA-256 of the prompt under the process's key (64 lower-case hex characters). */
export function promptHash(prompt: string): string {
  processHasher ??= new PromptHasher();
  return processHasher.hash(prompt);
}

/**
 * Request parameters fit for a log line: prompt and negative prompt removed (structurally,
 * at any depth), `prompt_hash` (and `negative_prompt_hash`) added, secrets redacted.
 */
export function loggableParams(body: Record<string, unknown>): LogFields {
  if (body === null || typeof body !== 'object') return {};
  const out = redactSecrets(body, { prompts: 'drop' }) as LogFields;
  const prompt = body.prompt;
  if (typeof prompt === 'string') out.prompt_hash = promptHash(prompt);
  const negative = body.negative_prompt ?? body.negativePrompt;
  if (typeof negative === 'string' && negative !== '') out.negative_prompt_hash = promptHash(negative);
  // Belt and braces: redactSecrets already dropped these.
  for (const k of Object.keys(out)) if (isPromptKey(k)) delete out[k];
  return out;
}
