/**
 * ECS `transaction.id`: in Elastic's model (and its OpenTelemetry bridge) the transaction is the
 * local root span — the first span of this process in the trace, whose parent is remote or absent.
 * An SDK span knows its parent's span context (`parentSpanContext`), not the parent itself, so the
 * local root of a child is found through the spans seen before it: every span a log line is
 * written in is remembered with its transaction (bounded), and a child inherits its parent's.
 * A child whose ancestors never wrote a line gets no `transaction.id` (never a wrong one).
 */
import type { Span, SpanContext } from '@opentelemetry/api';

const MAX_REMEMBERED = 8_192;
const transactionBySpanId = new Map<string, string>();

function remember(spanId: string, transactionId: string): void {
  if (transactionBySpanId.size >= MAX_REMEMBERED) {
    // Oldest first (insertion order): long-finished spans go before live ones.
    const oldest = transactionBySpanId.keys().next().value;
    if (oldest !== undefined) transactionBySpanId.delete(oldest);
  }
  transactionBySpanId.set(spanId, transactionId);
}

export function transactionIdOf(span: Span, sc: SpanContext): string | undefined {
  // A remote span context (an extracted parent, no local span yet) is another process's span.
  if (sc.isRemote === true) return undefined;
  const parent = (span as { parentSpanContext?: SpanContext }).parentSpanContext;
  const transactionId = parent === undefined || parent.isRemote === true ? sc.spanId : transactionBySpanId.get(parent.spanId);
  if (transactionId !== undefined) remember(sc.spanId, transactionId);
  return transactionId;
}
