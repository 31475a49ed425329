import { describe, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import { metricsContentType, metricsRegistry, OPENMETRICS_CONTENT_TYPE, renderMetrics } from '../../src/telemetry/index.js';

describe('metricsRegistry', () => {
  it('is one registry per process, with default metrics, a service label and OpenMetrics output', async () => {
    const registry = metricsRegistry({ service: 'metrics-test' });
    expect(metricsRegistry()).toBe(registry);
    const counter = new Counter({ name: 'diffscope_test_requests_total', help: 'test counter', registers: [registry] });
    counter.inc(3);
    const { contentType, body } = await renderMetrics();
    expect(contentType).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(metricsContentType()).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(body).toContain('process_cpu_user_seconds_total{service="metrics-test"}');
    expect(body).toContain('diffscope_test_requests_total{service="metrics-test"} 3');
    expect(body.trimEnd().endsWith('# EOF')).toBe(true);
  });
});
