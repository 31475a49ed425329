/**
 * Elastic Common Schema, what Filebeat / Elastic Agent (ndjson + ecs-logging) index as is: the
 * shape @elastic/ecs-pino-format writes (test/telemetry/log-formats.test.ts compares the two for
 * the same record), with OpenTelemetry's ids as `trace.id` / `span.id` / `transaction.id`.
 *
 * Seed fields whose names ECS already uses for an object move aside, or Elasticsearch would
 * reject the line under an ECS mapping: `event` → `event.action` (+ `message`), `service` /
 * `version` / `instance_id` → `service.name` / `service.version` / `service.node.name`,
 * `url` → `url.original`, `device` → `diffscope.device`, `error.stack` → `error.stack_trace`.
 * A string `message` field (e.g. auth_disabled) is the line's `message`; otherwise the event name is.
 */
import type { SpanContext } from '@opentelemetry/api';
import { cachedJsonString, type LineFormat, type LineIdentity } from './line-format.js';

/** The ECS version @elastic/ecs-helpers 2.1 (ecs-pino-format 1.5) declares. */
export const ECS_VERSION = '8.10.0';

export function ecsFormat(id: LineIdentity): LineFormat {
  const actions = new Map<string, string>();
  const base: Record<string, unknown> = {
    'ecs.version': ECS_VERSION,
    'service.name': id.service,
    'service.version': id.version,
    'service.node.name': id.instanceId,
    'event.dataset': id.service,
  };
  if (id.environment !== undefined) base['service.environment'] = id.environment;
  return {
    name: 'ecs',
    messageKey: 'message',
    timestampKey: '@timestamp',
    levelFields: (label) => ({ 'log.level': label }),
    base,
    spanFragment: (sc: SpanContext, transactionId: string | undefined) =>
      `,"trace.id":"${sc.traceId}","span.id":"${sc.spanId}"` + (transactionId === undefined ? '' : `,"transaction.id":"${transactionId}"`),
    noSpanFragment: '',
    wantsTransactionId: true,
    eventFragment: (event) => ',"event.action":' + cachedJsonString(actions, event),
    renames: { 'error.stack': 'error.stack_trace', url: 'url.original', device: 'diffscope.device' },
    messageFromField: true,
  };
}
