/**
 * Stripe-style webhook signatures: header `x-diffscope-signature: t=<unix seconds>,v1=<hex>`
 * where v1 = HMAC-SHA-256(DIFFSCOPE_WEBHOOK_SECRET, "<t>.<raw body>"). Receivers recompute
 * it over the raw body, compare in constant time and reject old timestamps (replays).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-diffscope-signature';

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
