/**
 * OpenMetrics exemplars that lead from a latency bucket to its trace: the label is `trace_id`
 * (deploy/grafana's Prometheus data source maps `trace_id` to the explorer), set only for a
 * sampled trace, so an exemplar never points at a trace that was not recorded.
 */
import { context, isSpanContextValid, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';

export interface TraceExemplar {
  trace_id: string;
}

/** The exemplar of a span context, when it is valid and sampled. */
export function exemplarOf(spanContext: SpanContext | undefined): TraceExemplar | undefined {
  if (!spanContext || (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 || !isSpanContextValid(spanContext)) return undefined;
  return { trace_id: spanContext.traceId };
}

/** The exemplar of the span in `ctx` (default: the active context). */
export function traceExemplar(ctx: Context = context.active()): TraceExemplar | undefined {
  return exemplarOf(trace.getSpanContext(ctx));
}
