/**
 * OTEL_PROPAGATORS → the one TextMapPropagator of the process, used on HTTP (registered globally by
 * sdk-start.ts, so the HTTP instrumentation uses it too) and on queue messages and webhooks
 * (src/telemetry/propagation.ts, with or without the SDK).
 *
 * NodeSDK 0.223 knows tracecontext, baggage, b3, b3multi and jaeger by itself
 * (sdk-node/build/src/utils.js getPropagatorFromEnv) but not xray or Google's header, and its
 * tracecontext keeps the valid members of a broken tracestate; so the list is read here, once,
 * with the same rules (comma-separated, de-duplicated, `none` = propagate nothing, unknown names
 * warned about and skipped, unset or empty = tracecontext,baggage).
 */
import { diag, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, getStringListFromEnv, W3CBaggagePropagator } from '@opentelemetry/core';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger';
import { CloudTraceContextPropagator } from './cloud-trace.js';
import { StrictW3CTraceContextPropagator } from './strict-trace-context.js';

const FACTORIES: Record<string, () => TextMapPropagator> = {
  tracecontext: () => new StrictW3CTraceContextPropagator(),
  baggage: () => new W3CBaggagePropagator(),
  b3: () => new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }),
  b3multi: () => new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- OTEL_PROPAGATORS=jaeger is still a value the SDK environment spec defines; the package, not the value, is deprecated
  jaeger: () => new JaegerPropagator(),
  xray: () => new AWSXRayPropagator(),
  gcp: () => new CloudTraceContextPropagator(),
  'oneway-gcp': () => new CloudTraceContextPropagator({ oneWay: true }),
};

/** The values OTEL_PROPAGATORS accepts (besides `none`). */
export const PROPAGATOR_NAMES = Object.keys(FACTORIES);
export const DEFAULT_PROPAGATORS = ['tracecontext', 'baggage'] as const;

export interface ConfiguredPropagation {
  propagator: TextMapPropagator;
  /** The names in effect, in order (empty for `none`). */
  names: string[];
}

/** Reads OTEL_PROPAGATORS from `process.env` (the OTel SDKs' own reader, so spacing and case rules match). */
export function propagationFromEnv(): ConfiguredPropagation {
  const listed = getStringListFromEnv('OTEL_PROPAGATORS');
  const requested = listed === undefined || listed.length === 0 ? [...DEFAULT_PROPAGATORS] : [...new Set(listed)];
  if (requested.includes('none')) return { propagator: new CompositePropagator({ propagators: [] }), names: [] };
  const names: string[] = [];
  const propagators: TextMapPropagator[] = [];
  for (const name of requested) {
    const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
    if (factory === undefined) {
      diag.warn(`OTEL_PROPAGATORS: unknown propagator "${name}" skipped (known: ${PROPAGATOR_NAMES.join(', ')}, none)`);
      continue;
    }
    names.push(name);
    propagators.push(factory());
  }
  return { propagator: new CompositePropagator({ propagators }), names };
}
