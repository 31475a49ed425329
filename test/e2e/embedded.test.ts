import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from './stack.js';
import { runTracedGeneration } from './generation-flow.js';

describe('end to end over the embedded SQLite queue and state (real processes)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await new Stack({ queue: 'sqlite', state: 'sqlite' }).start();
  }, 180_000);
  afterAll(async () => stack?.stop(), 60_000);

  it('produces the images, one trace A…E across processes, one trace id in every log line', async () => {
    await runTracedGeneration(stack);
  }, 180_000);

  it('the worker and the api-server serve OpenMetrics with what just happened', async () => {
    const worker = await fetch(`http://127.0.0.1:${stack.workerMetricsPorts[0]}/metrics`);
    expect(worker.headers.get('content-type')).toContain('application/openmetrics-text');
    const text = await worker.text();
    expect(text).toMatch(/diffscope_generations_total\{[^}]*status="succeeded"[^}]*\} 1/);
    expect(text).toMatch(/diffscope_inference_seconds_count\{[^}]*\} 1/);
    const api = await (await fetch(`${stack.apiUrl()}/metrics`)).text();
    expect(api).toContain('diffscope_http_requests_total');
  });
});
