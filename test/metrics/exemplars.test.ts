/**
 * Exemplars lead to traces, on a real stack (issue 10 item 5): an explorer, an api-server, a
 * worker and a notifier as processes built from dist/, telemetry going to the explorer. One
 * generation with a webhook; then every service's /metrics, scraped as Prometheus does
 * (Accept: application/openmetrics-text), carries `trace_id` exemplars on its latency
 * histograms, and the trace id of each exemplar opens in the explorer's /api/traces/{id}. Every
 * service also answers /healthz and /readyz.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort } from '../e2e/harness.js';
import { Stack } from '../e2e/stack.js';

const OPENMETRICS = 'application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** `metric` bucket lines with an exemplar: the trace ids they carry. */
function exemplarTraceIds(body: string, metric: string): string[] {
  const ids: string[] = [];
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${metric}_bucket{`)) continue;
    const match = / # \{trace_id="([0-9a-f]{32})"\} [0-9.e+-]+ [0-9.]+$/.exec(line);
    if (match) ids.push(match[1]);
  }
  return ids;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`, { headers: { accept: OPENMETRICS } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/openmetrics-text');
  const body = await response.text();
  expect(body.trimEnd().endsWith('# EOF')).toBe(true);
  return body;
}

describe('metrics with trace exemplars on every service', () => {
  let stack: Stack;
  let notifierMetrics: string;
  let receiver: Server;
  let hookUrl: string;
  const hooks: string[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hooks.push(body);
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    stack = await new Stack({ queue: 'sqlite', state: 'sqlite', notifier: false }).start();
    // The stack's env plus a metrics port of its own (the Stack gives only workers one).
    const port = await freePort();
    notifierMetrics = `http://127.0.0.1:${port}`;
    const notifier = await stack.addNotifier({ DIFFSCOPE_METRICS_PORT: String(port) });
    await notifier.waitForEvent('metrics_listening', 30_000);
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
    await new Promise<void>((r) => receiver?.close(() => r()));
  }, 60_000);

  it('a generation leaves exemplars whose trace ids open in the explorer; every service is healthy and ready', async () => {
    const created = await stack.submit({ prompt: 'a small red square', steps: 4, seed: 5, webhook: { url: hookUrl } });
    expect(created.status).toBe(202);
    const traceId = created.json.trace_id as string;
    await stack.waitForStatus(created.json.id as string, ['succeeded']);
    await eventually(async () => hooks.some((h) => h.includes(created.json.id as string)), 30_000, 'the webhook');

    const worker = `http://127.0.0.1:${stack.workerMetricsPorts[0]}`;
    const expectations: Array<[string, string]> = [
      [stack.apiUrl(), 'diffscope_http_request_duration_seconds'],
      [worker, 'diffscope_queue_wait_seconds'],
      [worker, 'diffscope_inference_seconds'],
      [worker, 'diffscope_step_seconds'],
      [worker, 'diffscope_model_load_seconds'],
      [notifierMetrics, 'diffscope_webhook_delivery_seconds'],
    ];
    const opened = new Set<string>();
    for (const [url, metric] of expectations) {
      const ids = await eventually(
        async () => {
          const found = exemplarTraceIds(await scrape(url), metric);
          return found.length > 0 ? found : undefined;
        },
        30_000,
        `an exemplar on ${metric}`,
      );
      // Only one generation ran: the worker's and notifier's exemplars are its trace; the
      // api-server's are the POST's and the status reads' own traces.
      if (url !== stack.apiUrl()) expect(ids, metric).toContain(traceId);
      for (const id of ids) {
        if (opened.has(id)) continue;
        const trace = await stack.trace(id, []);
        expect(trace.traceID, `${metric}'s exemplar ${id} opens in the explorer`).toBe(id);
        expect(trace.spans.length).toBeGreaterThan(0);
        opened.add(id);
      }
    }
    const generation = await stack.trace(traceId, ['POST /v1/generations', 'inference', 'notify.webhook']);
    expect(generation.spans.length).toBeGreaterThan(3);

    // Counters beside the histograms.
    const workerBody = await scrape(worker);
    expect(workerBody).toMatch(/diffscope_model_cache_requests_total\{[^}]*result="miss"[^}]*\} 1/);
    expect(workerBody).toMatch(/diffscope_telemetry_dropped_total\{[^}]*signal="spans",reason="queue_full"[^}]*\} 0/);
    expect(await scrape(notifierMetrics)).toMatch(/diffscope_webhooks_total\{[^}]*outcome="delivered"[^}]*\} 1/);
    expect(await scrape(stack.explorerUrl())).toMatch(/diffscope_explorer_records_stored_total\{[^}]*signal="spans"[^}]*\} [1-9]/);

    // Probes on every service (the worker is ready: it has loaded its default model by now).
    for (const url of [stack.apiUrl(), worker, notifierMetrics, stack.explorerUrl()]) {
      const health = await fetch(`${url}/healthz`);
      expect(health.status, `${url}/healthz`).toBe(200);
      const ready = await fetch(`${url}/readyz`);
      const body = (await ready.json()) as { status: string; checks: Record<string, string> };
      expect(ready.status, `${url}/readyz ${JSON.stringify(body)}`).toBe(200);
      expect(body.status).toBe('ready');
      expect(Object.values(body.checks).every((c) => c === 'ok')).toBe(true);
    }
  }, 180_000);
});
