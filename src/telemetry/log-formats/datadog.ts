/**
 * Datadog: the seed line plus what Datadog's log pipeline and its log/trace correlation read —
 * `status` (the level), `message`, and a `dd` object as dd-trace's log injection writes it
 * (`dd.service`, `dd.env`, `dd.version`, and `dd.trace_id` / `dd.span_id` as unsigned decimal
 * strings of the low 64 bits of the OpenTelemetry ids, which is how Datadog maps OTel ids to its
 * own). Datadog's status remapper reads `status` first, so the seed's generation `status`
 * field is written as `generation_status` here; `trace_id` / `span_id` stay (hex).
 */
import type { SpanContext } from '@opentelemetry/api';
import { cachedJsonString, type LineFormat, type LineIdentity } from './line-format.js';

/** Low 64 bits of a hex id as an unsigned decimal string. */
export function low64Decimal(hexId: string): string {
  return BigInt('0x' + hexId.slice(-16)).toString(10);
}

export function datadogFormat(id: LineIdentity): LineFormat {
  const messages = new Map<string, string>();
  const ddStatic =
    `"service":${JSON.stringify(id.service)}` +
    (id.environment === undefined ? '' : `,"env":${JSON.stringify(id.environment)}`) +
    `,"version":${JSON.stringify(id.version)}`;
  return {
    name: 'datadog',
    messageKey: 'event',
    timestampKey: 'timestamp',
    levelFields: (label) => ({ status: label }),
    base: { service: id.service, instance_id: id.instanceId, version: id.version },
    spanFragment: (sc: SpanContext) =>
      `,"trace_id":"${sc.traceId}","span_id":"${sc.spanId}"` +
      `,"dd":{${ddStatic},"trace_id":"${low64Decimal(sc.traceId)}","span_id":"${low64Decimal(sc.spanId)}"}`,
    noSpanFragment: `,"dd":{${ddStatic}}`,
    wantsTransactionId: false,
    eventFragment: (event, hasMessageField) => (hasMessageField ? '' : ',"message":' + cachedJsonString(messages, event)),
    renames: { status: 'generation_status' },
    messageFromField: false,
  };
}
