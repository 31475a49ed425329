/**
 * Google Cloud Logging structured logs (what the Ops Agent, GKE and Cloud Run read from stdout):
 * the seed line with `severity` for the level, `time` for the timestamp, `message`, and the
 * special fields that tie an entry to Cloud Trace — `logging.googleapis.com/trace`
 * (`projects/<project>/traces/<trace id>`), `logging.googleapis.com/spanId`,
 * `logging.googleapis.com/trace_sampled`.
 */
import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import { cachedJsonString, type LineFormat, type LineIdentity } from './line-format.js';

/** LogSeverity names (WARN is WARNING there). */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export function gcpFormat(id: LineIdentity): LineFormat {
  if (id.gcpProjectId === undefined || id.gcpProjectId === '') {
    throw new TypeError('createLogger: format "gcp" needs the Google Cloud project id (DIFFSCOPE_GCP_PROJECT_ID or GOOGLE_CLOUD_PROJECT)');
  }
  const tracePrefix = JSON.stringify(`projects/${id.gcpProjectId}/traces/`).slice(0, -1);
  const messages = new Map<string, string>();
  return {
    name: 'gcp',
    messageKey: 'event',
    timestampKey: 'time',
    levelFields: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }),
    base: { service: id.service, instance_id: id.instanceId, version: id.version },
    spanFragment: (sc: SpanContext) =>
      `,"trace_id":"${sc.traceId}","span_id":"${sc.spanId}"` +
      `,"logging.googleapis.com/trace":${tracePrefix}${sc.traceId}"` +
      `,"logging.googleapis.com/spanId":"${sc.spanId}"` +
      `,"logging.googleapis.com/trace_sampled":${(sc.traceFlags & TraceFlags.SAMPLED) !== 0}`,
    noSpanFragment: '',
    wantsTransactionId: false,
    eventFragment: (event, hasMessageField) => (hasMessageField ? '' : ',"message":' + cachedJsonString(messages, event)),
    messageFromField: false,
  };
}
