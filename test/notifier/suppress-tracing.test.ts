/**
 * The webhook sender runs inside telemetry's withTracingSuppressed (OpenTelemetry's own
 * suppressTracing flag, not a rebuilt private key): what the http instrumentation would do inside
 * it, starting a span or writing a traceparent, does not happen; outside it both do.
 */
import { describe, expect, it } from 'vitest';
import { injectTraceHeaders, withSpan, withTracingSuppressed } from '../../src/telemetry/index.js';
import { installTestTracing } from '../support/tracing.js';

const exporter = installTestTracing();

describe('withTracingSuppressed', () => {
  it('spans started and headers injected inside are dropped; the caller span and its context are intact', async () => {
    exporter.reset();
    const seen = await withSpan('notify.webhook', {}, async (outer) => {
      const inside = withTracingSuppressed(() => ({
        recording: withSpan('instrumentation.http', {}, (span) => span.isRecording()),
        headers: injectTraceHeaders(),
      }));
      return {
        inside: { recording: await inside.recording, headers: inside.headers },
        outerHeaders: injectTraceHeaders(),
        outerId: outer.spanContext().spanId,
      };
    });
    expect(seen.inside.recording).toBe(false);
    expect(seen.inside.headers.traceparent).toBeUndefined();
    expect(seen.outerHeaders.traceparent).toContain(seen.outerId);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['notify.webhook']);
  });

  it('returns what the function returns, promises included', async () => {
    expect(withTracingSuppressed(() => 42)).toBe(42);
    await expect(withTracingSuppressed(async () => 'done')).resolves.toBe('done');
  });
});
