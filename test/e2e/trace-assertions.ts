/** The checks every end-to-end run makes: one image set, one trace with A…E, one trace id in every log line. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { JaegerTrace } from '../../src/contract/index.js';
import { parentOf, serviceOf, spanByName, type Stack } from './stack.js';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A local webhook endpoint (the stack runs with DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE=true). */
export async function webhookReceiver(): Promise<{ url: string; received: ReceivedWebhook[]; close: () => Promise<void> }> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(data) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((r) => server.close(() => r())) };
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export async function expectImages(stack: Stack, record: Record<string, any>, n: number, apiIndex = 0): Promise<void> {
  expect(record.status).toBe('succeeded');
  expect(record.output_locations).toHaveLength(n);
  for (let k = 0; k < n; k++) {
    const response = await fetch(`${stack.apiUrl(apiIndex)}/v1/generations/${record.id}/images/${k}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('image/png');
    const png = Buffer.from(await response.arrayBuffer());
    expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    const location = record.output_locations[k] as string;
    if (location.startsWith('file://')) expect(readFileSync(fileURLToPath(location)).equals(png)).toBe(true);
  }
}

export const CORE_OPERATIONS = [
  'POST /v1/generations',
  'queue.publish',
  'queue.wait',
  'inference',
  'text.encode',
  'sampling',
  'storage.put',
];

/** Spans A, queue.publish, B, C (+ children), D and (with a webhook) E, with the right parents and services. */
export function expectTraceShape(trace: JaegerTrace, options: { cold: boolean; webhook: boolean }): void {
  const a = spanByName(trace, 'POST /v1/generations');
  expect(serviceOf(trace, a)).toBe('api-server');
  const publish = spanByName(trace, 'queue.publish');
  expect(parentOf(trace, publish)?.spanID).toBe(a.spanID);
  const wait = spanByName(trace, 'queue.wait');
  const inference = spanByName(trace, 'inference');
  expect(serviceOf(trace, wait)).toBe('inference-worker');
  expect(serviceOf(trace, inference)).toBe('inference-worker');
  // B and C continue the producer's context carried in the message metadata.
  expect(parentOf(trace, wait)?.spanID).toBe(publish.spanID);
  expect(parentOf(trace, inference)?.spanID).toBe(publish.spanID);
  // B starts when the job was enqueued, before the worker picked it up.
  expect(wait.startTime).toBeLessThanOrEqual(inference.startTime);
  expect(wait.startTime).toBeGreaterThanOrEqual(publish.startTime - 5_000);
  const children = ['text.encode', 'sampling', ...(options.cold ? ['model.load'] : [])];
  for (const name of children) expect(parentOf(trace, spanByName(trace, name))?.spanID, name).toBe(inference.spanID);
  const decode = trace.spans.find((s) => s.operationName === 'vae.decode' || s.operationName === 'image.decode');
  expect(decode, 'a decode span').toBeDefined();
  expect(parentOf(trace, decode!)?.spanID).toBe(inference.spanID);
  const sampling = spanByName(trace, 'sampling');
  const stepTag = sampling.tags.find((t) => t.key === 'diffusion.step_durations_ms');
  expect(stepTag, 'per-step timings on the sampling span').toBeDefined();
  for (const put of trace.spans.filter((s) => s.operationName === 'storage.put')) {
    expect(serviceOf(trace, put)).toBe('inference-worker');
    expect(parentOf(trace, put), 'storage.put has a parent in the trace').toBeDefined();
  }
  if (options.webhook) {
    const notify = spanByName(trace, 'notify.webhook');
    expect(serviceOf(trace, notify)).toBe('notifier');
    expect(parentOf(trace, notify), 'notify.webhook has a parent in the trace').toBeDefined();
  }
  for (const span of trace.spans) expect(span.traceID).toBe(trace.traceID);
}

/** Every line any service wrote for the request carries its request_id and the one trace id. */
export function expectCorrelatedLogs(stack: Stack, requestId: string, traceId: string, services: string[]): void {
  const lines = stack.linesFor(requestId);
  expect(lines.length).toBeGreaterThan(5);
  for (const line of lines) {
    expect(line.trace_id, JSON.stringify(line)).toBe(traceId);
    expect(line.span_id, JSON.stringify(line)).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof line.timestamp).toBe('string');
  }
  const seen = new Set(lines.map((l) => l.service));
  for (const service of services) expect(seen, `lines from ${service}`).toContain(service);
  const events = new Set(lines.map((l) => l.event));
  for (const event of [
    'request_received',
    'job_enqueued',
    'job_dequeued',
    'inference_start',
    'inference_complete',
    'result_stored',
    'request_complete',
  ]) {
    expect(events, event).toContain(event);
  }
}

/** The canary prompt appears nowhere: not in any service's stdout, nor in the explorer's store. */
export async function expectPromptNowhere(stack: Stack, canary: string): Promise<void> {
  for (const process of [...stack.all(), ...(stack.explorer ? [stack.explorer] : [])]) {
    for (const line of process.lines) expect(JSON.stringify(line)).not.toContain(canary);
    for (const line of process.stderr) expect(line).not.toContain(canary);
  }
  const logs = await fetch(`${stack.explorerUrl()}/api/logs?q=${encodeURIComponent(canary)}&limit=10`);
  const found = (await logs.json()) as { data: unknown[] };
  expect(found.data).toHaveLength(0);
}
