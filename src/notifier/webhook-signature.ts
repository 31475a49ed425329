/**
 * Webhook signatures, two of them on every signed webhook, from one secret
 * (DIFFSCOPE_WEBHOOK_SECRET) and one timestamp:
 *
 * - Stripe-style, diffscope's own since the start: `x-diffscope-signature: t=<unix seconds>,v1=<hex>`
 *   where v1 = HMAC-SHA-256(secret as UTF-8, "<t>.<raw body>").
 * - Standard Webhooks (https://www.standardwebhooks.com, the spec's "Signature scheme"), which
 *   the `standardwebhooks` package verifies in any language: `webhook-id`, `webhook-timestamp`
 *   (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA-256 of "<id>.<timestamp>.<raw body>">`.
 *   Its key is the secret's bytes: a `whsec_<base64>` secret (the spec's form) is decoded; any
 *   other secret is its UTF-8 bytes, which receivers pass as `whsec_` + base64(secret)
 *   (`standardWebhookSecret`).
 *
 * Receivers recompute either over the raw body, compare in constant time and reject old
 * timestamps (replays); `webhook-id` stays the same across retries of one notification.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-diffscope-signature';

const STANDARD_SECRET_PREFIX = 'whsec_';

/**
 * The Standard Webhooks key of a secret: the decoded base64 of a `whsec_<base64>` secret (what
 * the standardwebhooks libraries decode), else the secret's UTF-8 bytes, whole (a `whsec_`
 * secret that is not base64, e.g. one made for another service, included).
 */
export function standardWebhookKey(secret: string): Buffer {
  const encoded = secret.startsWith(STANDARD_SECRET_PREFIX) ? secret.slice(STANDARD_SECRET_PREFIX.length) : '';
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) && encoded.length % 4 === 0) return Buffer.from(encoded, 'base64');
  return Buffer.from(secret, 'utf8');
}

/** The secret as a Standard Webhooks library takes it (`new Webhook(...)`): `whsec_<base64 of the key>`. */
export function standardWebhookSecret(secret: string): string {
  return `${STANDARD_SECRET_PREFIX}${standardWebhookKey(secret).toString('base64')}`;
}

/** The Standard Webhooks headers of one attempt; without a secret, the id and timestamp only. */
export function standardWebhookHeaders(
  secret: string | undefined,
  messageId: string,
  body: string,
  timestampSec: number,
): Record<string, string> {
  const headers: Record<string, string> = { 'webhook-id': messageId, 'webhook-timestamp': String(timestampSec) };
  if (secret) {
    const mac = createHmac('sha256', standardWebhookKey(secret)).update(`${messageId}.${timestampSec}.${body}`).digest('base64');
    headers['webhook-signature'] = `v1,${mac}`;
  }
  return headers;
}

export function signWebhookPayload(secret: string, body: string, timestampSec: number = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex');
  return `t=${timestampSec},v1=${mac}`;
}

export interface VerifyOptions {
  /** Reject signatures older (or newer) than this; default 300 s. */
  toleranceSec?: number;
  nowSec?: number;
}

/** True when `header` is a valid signature of `body` within the tolerance. */
export function verifyWebhookSignature(secret: string, header: string | undefined, body: string, options: VerifyOptions = {}): boolean {
  if (!header) return false;
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const key = item.slice(0, eq).trim();
    parts.set(key, [...(parts.get(key) ?? []), item.slice(eq + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(t)) return false;
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return (parts.get('v1') ?? []).some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
