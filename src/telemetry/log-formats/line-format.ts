/**
 * What differs between the log line formats (DIFFSCOPE_LOG_FORMAT): the names of the envelope
 * fields and the correlation fields each backend reads. pino still serialises every line; a format
 * only supplies pino's envelope options, the trace fragment (built once per span and cached by
 * log-context.ts) and, where a backend gives a seed field name another meaning, a rename.
 */
import type { SpanContext } from '@opentelemetry/api';

export const LOG_FORMATS = ['seed', 'ecs', 'datadog', 'gcp'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The logger's identity and the deployment facts some formats carry on every line. */
export interface LineIdentity {
  service: string;
  instanceId: string;
  version: string;
  /** `deployment.environment.name` (Datadog `dd.env`, ECS `service.environment`); omitted when unknown. */
  environment?: string;
  /** Google Cloud project of `logging.googleapis.com/trace` (gcp). */
  gcpProjectId?: string;
}

export interface LineFormat {
  readonly name: LogFormat;
  /** pino `messageKey`: the key the event name is written under. */
  readonly messageKey: string;
  /** Key of the ISO-8601 timestamp. */
  readonly timestampKey: string;
  /** pino level formatter: the level field(s) of each level label (serialised once by pino). */
  levelFields(label: string): Record<string, string>;
  /** Fields on every line (pino `base`). */
  readonly base: Record<string, unknown>;
  /** `,"k":"v"…` for a valid span context; `transactionId` is the local root span's id when known. */
  spanFragment(sc: SpanContext, transactionId: string | undefined): string;
  /** Appended instead when no valid span is active. */
  readonly noSpanFragment: string;
  /** Whether spanFragment uses the transaction id (computing it costs a lookup). */
  readonly wantsTransactionId: boolean;
  /** Per-line fields derived from the event name (`event.action`, `message`); undefined = none. */
  readonly eventFragment?: (event: string, hasMessageField: boolean) => string;
  /** Field renames applied to a line's fields (after errors are flattened); undefined = none. */
  readonly renames?: Readonly<Record<string, string>>;
  /** A string `message` field becomes the line's message (messageKey `message`, ECS). */
  readonly messageFromField: boolean;
}

/** JSON string literal of `s`, cached: event names are a small fixed set. */
export function cachedJsonString(cache: Map<string, string>, s: string): string {
  let out = cache.get(s);
  if (out === undefined) {
    out = JSON.stringify(s);
    if (cache.size < 1_024) cache.set(s, out);
  }
  return out;
}
