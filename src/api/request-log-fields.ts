/**
 * Fields of `request_received`: the known generation parameters only (an unknown field may be
 * anything, up to the body limit), prompts as keyed hashes (loggableParams), and a webhook
 * URL without its query string (which often carries a token).
 */
import { loggableParams, type LogFields } from '../telemetry/index.js';

const LOGGED = [
  'prompt',
  'negative_prompt',
  'model',
  'sampler',
  'steps',
  'cfg_scale',
  'seed',
  'width',
  'height',
  'n',
  'size',
  'response_format',
];

export function requestLogFields(body: unknown): LogFields {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const raw = body as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of LOGGED) {
    const v = raw[key];
    if (v !== undefined && (typeof v !== 'string' || v.length <= 10_000)) picked[key] = v;
  }
  const fields = loggableParams(picked);
  const webhook = raw.webhook as { url?: unknown } | undefined;
  if (webhook && typeof webhook.url === 'string') {
    try {
      const url = new URL(webhook.url);
      fields.webhook_url = `${url.protocol}//${url.host}${url.pathname}`;
    } catch {
      fields.webhook_url = '(invalid)';
    }
  }
  return fields;
}
