/**
 * A generation's trace, continued by work that runs outside any of its requests (the
 * reconciler failing it, the outbox publishing its completion again), so their spans and the
 * webhook's `notify.webhook` join the generation's trace. Its first span's id is not stored,
 * so the parent is a remote context with a fresh span id.
 */
import { randomBytes } from 'node:crypto';
import { trace, type Context } from '../telemetry/index.js';
import type { GenerationRecord } from './generation-record.js';

/** W3C trace-flags `01`. */
const SAMPLED = 1;

export function generationTrace(record: Pick<GenerationRecord, 'traceId'>, base: Context): Context {
  if (!/^[0-9a-f]{32}$/.test(record.traceId) || /^0+$/.test(record.traceId)) return base;
  return trace.setSpanContext(base, {
    traceId: record.traceId,
    spanId: randomBytes(8).toString('hex'),
    traceFlags: SAMPLED,
    isRemote: true,
  });
}
