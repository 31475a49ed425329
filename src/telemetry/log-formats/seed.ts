/** The seed's own line (docs/telemetry.md, "The log line"): the default, unchanged. */
import type { SpanContext } from '@opentelemetry/api';
import type { LineFormat, LineIdentity } from './line-format.js';

const LEVEL: Record<string, string> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'FATAL' };

export function seedFormat(id: LineIdentity): LineFormat {
  return {
    name: 'seed',
    messageKey: 'event',
    timestampKey: 'timestamp',
    levelFields: (label) => ({ level: LEVEL[label] ?? label.toUpperCase() }),
    base: { service: id.service, instance_id: id.instanceId, version: id.version },
    // Ids come from the SDK or a propagator (lower-case hex), so they need no escaping.
    spanFragment: (sc: SpanContext) => `,"trace_id":"${sc.traceId}","span_id":"${sc.spanId}"`,
    noSpanFragment: '',
    wantsTransactionId: false,
    messageFromField: false,
  };
}
