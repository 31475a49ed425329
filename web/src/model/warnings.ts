/**
 * What the explorer left out of what it serves (its query limits: spans per trace, characters
 * per value) or noted on receipt (dropped attributes, clamped times), as Jaeger's `warnings`: the
 * trace page shows the trace's in a banner and marks each span that has warnings of its own.
 */
import type { SpanNode, TraceModel } from './types.js';

/** The span's warnings apart from the trace's (the first span of a cut trace repeats those). */
export function ownWarnings(span: SpanNode, model: TraceModel): string[] {
  if (span.warnings.length === 0 || model.warnings.length === 0) return span.warnings;
  const traceLevel = new Set(model.warnings);
  return span.warnings.filter((w) => !traceLevel.has(w));
}

/** Indices of the spans with warnings of their own, in waterfall (depth-first) order. */
export function spansWithWarnings(model: TraceModel): number[] {
  return model.preorder.filter((i) => ownWarnings(model.spans[i], model).length > 0);
}
