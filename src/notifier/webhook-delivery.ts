/**
 * Delivering one notification to its webhook: payload, signatures (src/notifier/webhook-signature.ts),
 * `traceparent`, one `notify.webhook` CLIENT span per attempt (so retries show in the trace) and
 * exponential backoff between attempts. The outcome is retried up to DIFFSCOPE_WEBHOOK_MAX_ATTEMPTS;
 * a queued/started/progress notification gets one attempt (as Cog does: a later one supersedes
 * it). Each attempt runs in a delivery slot (src/notifier/delivery-slots.ts: limits in all, per
 * client and per host) under one total deadline; the backoff between attempts holds no slot.
 */
import type { Config } from '../config/index.js';
import { DiffscopeError } from '../errors/index.js';
import { webhookMessageId, type InterimWebhookEvent } from '../generation/index.js';
import type { GenerationRecord } from '../state/index.js';
import {
  ATTR,
  SpanKind,
  injectTraceHeaders,
  traceExemplar,
  withSpan,
  withTracingSuppressed,
  type Context,
  type Logger,
} from '../telemetry/index.js';
import { assertPublicLiteral, hostOf, parseWebhookUrl, type ResolveAll } from './address-guard.js';
import type { CompletionEvent } from './completion-event.js';
import type { DeliverySlots } from './delivery-slots.js';
import type { NotifierMetrics } from './notifier-metrics.js';
import { sendWebhook } from './webhook-sender.js';
import { SIGNATURE_HEADER, signWebhookPayload, standardWebhookHeaders } from './webhook-signature.js';

export interface WebhookDeliveryOptions {
  config: Config;
  logger: Logger;
  /** First retry delay (doubles per attempt, capped at maxBackoffMs). Default 1 s. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Where attempts wait for their turn; shared by every delivery of the process. */
  slots: DeliverySlots;
  /** The resolver seam (default: the system resolver). */
  resolveAll?: ResolveAll;
  /** Attempt latencies and webhook outcomes (src/notifier/notifier-metrics.ts). */
  metrics?: NotifierMetrics;
}

/** What the webhook is told about: the outcome, or a moment before it that the webhook asked for. */
export type WebhookNotice = CompletionEvent | InterimWebhookEvent;

/** `webhook.events`' name of the notice: `completed` for every outcome. */
function eventName(notice: WebhookNotice): string {
  return 'event' in notice ? notice.event : 'completed';
}

function webhookPayload(record: GenerationRecord, config: Config, notice: WebhookNotice): Record<string, unknown> {
  const base = (config.DIFFSCOPE_PUBLIC_URL ?? `http://${config.DIFFSCOPE_API_HOST}:${config.DIFFSCOPE_API_PORT}`).replace(/\/+$/, '');
  return {
    event: eventName(notice),
    // When the moment happened (notifications may arrive out of order); `status` is the record's at sending.
    event_at: new Date('event' in notice ? notice.at : notice.finishedAt).toISOString(),
    ...('event' in notice && notice.event === 'progress'
      ? { progress: { step: notice.step ?? null, total_steps: notice.totalSteps ?? null } }
      : {}),
    id: record.id,
    status: record.status,
    created_at: new Date(record.createdAt).toISOString(),
    finished_at: record.finishedAt !== undefined ? new Date(record.finishedAt).toISOString() : null,
    trace_id: record.traceId,
    output_locations: record.outputs,
    images: record.outputs.map((_, k) => `${base}/v1/generations/${record.id}/images/${k}`),
    timings: { queue_ms: record.queueMs ?? null, inference_ms: record.inferenceMs ?? null, total_ms: record.totalMs ?? null },
    error: record.error ?? null,
  };
}

/** Host and path only: query strings of webhook URLs often carry tokens. */
function safeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry a 5xx, 408, 429 or a network failure; a 4xx answer or a refused URL is final. */
function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export async function deliverWebhook(
  record: GenerationRecord,
  event: WebhookNotice,
  parent: Context,
  signal: AbortSignal,
  options: WebhookDeliveryOptions,
): Promise<boolean> {
  const { config, logger } = options;
  const spec = record.webhook!;
  const interim = 'event' in event;
  const maxAttempts = interim ? 1 : config.DIFFSCOPE_WEBHOOK_MAX_ATTEMPTS;
  const allowPrivate = config.DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE;
  const body = JSON.stringify(webhookPayload(record, config, event));
  const messageId = webhookMessageId(record, interim ? event : event.status);
  const generationStatus = interim ? record.status : event.status;
  const eventField = { webhook_event: eventName(event) };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let url: URL;
    try {
      // Checked again at send time (the setting may have changed since submission); a name's
      // addresses are checked as the connection is made (src/notifier/address-guard.ts).
      url = parseWebhookUrl(spec.url);
      assertPublicLiteral(url, allowPrivate);
    } catch (err) {
      logger.warn('notification_failed', {
        reason: 'url_refused',
        error_message: (err as Error).message,
        attempt,
        final: true,
        ...eventField,
      });
      options.metrics?.webhook('refused');
      return false;
    }
    const release = await options.slots.acquire({ client: record.clientId, host: hostOf(url).toLowerCase() }, signal);
    let status: number;
    const attemptStarted = performance.now();
    const attemptSeconds = () => (performance.now() - attemptStarted) / 1000;
    try {
      status = await withSpan(
        'notify.webhook',
        {
          kind: SpanKind.CLIENT,
          parent,
          attributes: {
            [ATTR.HTTP_REQUEST_METHOD]: 'POST',
            [ATTR.URL_FULL]: safeUrl(url),
            [ATTR.SERVER_ADDRESS]: url.hostname,
            [ATTR.SERVER_PORT]: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
            [ATTR.WEBHOOK_ATTEMPT]: attempt,
            [ATTR.REQUEST_ID]: record.id,
            [ATTR.GENERATION_STATUS]: generationStatus,
          },
        },
        async (span) => {
          const secret = config.DIFFSCOPE_WEBHOOK_SECRET;
          // One timestamp for both signatures of the attempt.
          const timestampSec = Math.floor(Date.now() / 1000);
          const headers: Record<string, string> = {
            'user-agent': 'diffscope-webhook/1',
            'x-request-id': record.id,
            'x-diffscope-event-id': messageId,
            'x-diffscope-delivery-attempt': String(attempt),
            ...standardWebhookHeaders(secret, messageId, body, timestampSec),
            // The trace headers of the configured propagators (W3C by default), never baggage.
            ...injectTraceHeaders(),
          };
          if (secret) headers[SIGNATURE_HEADER] = signWebhookPayload(secret, body, timestampSec);
          // notify.webhook is the CLIENT span: keep the http instrumentation from adding a second one
          // (and from replacing our traceparent with its own).
          const res = await withTracingSuppressed(() =>
            sendWebhook({
              url,
              body,
              headers,
              timeoutMs: config.DIFFSCOPE_WEBHOOK_TIMEOUT_MS,
              maxResponseBytes: config.DIFFSCOPE_WEBHOOK_MAX_RESPONSE_BYTES,
              allowPrivate,
              resolveAll: options.resolveAll,
              signal,
            }),
          );
          span.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, res.status);
          if (res.bodyCut) span.addEvent('response body not read to its end', { 'diffscope.webhook.body_bytes_read': res.bodyBytes });
          if (res.status < 200 || res.status >= 300)
            throw Object.assign(new Error(`webhook answered HTTP ${res.status}`), { httpStatus: res.status });
          return res.status;
        },
      );
    } catch (err) {
      release();
      if (signal.aborted) throw err;
      options.metrics?.attempt(false, attemptSeconds(), traceExemplar(parent));
      const httpStatus = (err as { httpStatus?: number }).httpStatus;
      const final = (httpStatus !== undefined && !retryableStatus(httpStatus)) || (err instanceof DiffscopeError && !err.retryable);
      const lastError = (err as Error).message;
      if (final || attempt === maxAttempts) {
        const reason = err instanceof DiffscopeError && err.code === 'DSC_ERR_NOTIFY_URL_REFUSED' ? { reason: 'url_refused' } : {};
        logger.warn('notification_failed', {
          ...reason,
          attempt,
          max_attempts: maxAttempts,
          http_status: httpStatus,
          error_message: lastError,
          final: true,
          url: safeUrl(url),
          ...eventField,
        });
        options.metrics?.webhook('reason' in reason ? 'refused' : 'failed');
        return false;
      }
      const delay = Math.min(options.backoffMs * 2 ** (attempt - 1), options.maxBackoffMs);
      logger.info('notification_retry', {
        attempt,
        max_attempts: maxAttempts,
        http_status: httpStatus,
        error_message: lastError,
        retry_in_ms: delay,
      });
      await sleep(delay, signal);
      continue;
    }
    release();
    options.metrics?.attempt(true, attemptSeconds(), traceExemplar(parent));
    options.metrics?.webhook('delivered');
    logger.info('notification_sent', { attempt, http_status: status, status: generationStatus, url: safeUrl(url), ...eventField });
    return true;
  }
  return false;
}
