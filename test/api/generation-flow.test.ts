/**
 * The serving path in one process: api-server → SQLite queue → worker (real ONNX pipeline on
 * the tiny fixture models) → local storage → completion → notifier → webhook receiver.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/notifier/index.js';
import { SpanKind } from '../../src/telemetry/index.js';
import { eventually, startStack, type Stack } from '../support/serving-stack.js';
import { installTestTracing, spansOfTrace } from '../support/tracing.js';

installTestTracing();
const SECRET = 'whsec_flow_test_secret_value';

function parseSse(text: string): Array<{ id: number; event: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((block) => block.includes('event:'))
    .map((block) => {
      const get = (k: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${k}: `))
          ?.slice(k.length + 2) ?? '';
      return { id: Number(get('id')), event: get('event'), data: JSON.parse(get('data')) };
    });
}

describe('generation flow', () => {
  let stack: Stack;
  let receiver: Server;
  let receiverUrl: string;
  const hooks: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hooks.push({ headers: req.headers, body });
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    stack = await startStack({
      worker: true,
      notifier: true,
      env: { DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true', DIFFSCOPE_WEBHOOK_SECRET: SECRET },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  const create = (body: object) =>
    stack.app.inject({ method: 'POST', url: '/v1/generations', headers: { 'content-type': 'application/json' }, payload: body });
  const waitDone = (id: string) =>
    eventually(async () => {
      const res = await stack.app.inject({ url: `/v1/generations/${id}` });
      const body = res.json();
      return ['succeeded', 'failed', 'canceled'].includes(body.status) ? body : undefined;
    });

  it('generates an image, streams N progress events for N steps, serves the PNG, calls the webhook, all in one trace', async () => {
    const steps = 5;
    const res = await create({ prompt: 'a small red square', steps, n: 2, seed: 3, webhook: { url: receiverUrl } });
    expect(res.statusCode).toBe(202);
    const { id, trace_id: traceId } = res.json();

    // SSE: replay + live until the terminal event closes the stream.
    const sse = await stack.app.inject({ url: `/v1/generations/${id}/events` });
    expect(sse.statusCode).toBe(200);
    expect(sse.headers['content-type']).toContain('text/event-stream');
    const events = parseSse(sse.body);
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('queued');
    expect(types).toContain('started');
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.map((e) => e.data.step)).toEqual([1, 2, 3, 4, 5]);
    expect(progress.every((e) => e.data.total_steps === steps)).toBe(true);
    expect(types.at(-1)).toBe('succeeded');
    // Stored events have ids in order; queue-place updates (`queued` with `position`) have none.
    const stored = events.filter((e) => e.id > 0);
    expect(events.filter((e) => !(e.id > 0)).every((e) => e.event === 'queued' && 'position' in e.data)).toBe(true);
    expect(stored.map((e) => e.id)).toEqual([...stored.map((e) => e.id)].sort((a, b) => a - b));

    // Resume after the third event: only what follows.
    const resumed = parseSse(
      (await stack.app.inject({ url: `/v1/generations/${id}/events`, headers: { 'last-event-id': String(stored[2].id) } })).body,
    );
    expect(resumed.map((e) => e.id)).toEqual(stored.slice(3).map((e) => e.id));

    const done = await waitDone(id);
    expect(done).toMatchObject({ id, status: 'succeeded', trace_id: traceId, attempts: 1, error: null });
    expect(done.params).toMatchObject({ model: 'tiny-pixel', steps, seed: 3, n: 2, width: 16, height: 16, sampler: 'ddim' });
    expect(done.prompt_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(done)).not.toContain('red square');
    expect(done.output_locations).toHaveLength(2);
    expect(done.output_locations[0]).toMatch(new RegExp(`^file://.*/${id}/0\\.png$`));
    for (const key of ['queue_ms', 'inference_ms', 'total_ms']) expect(typeof done.timings[key]).toBe('number');
    expect(done.images[1]).toMatch(new RegExp(`/v1/generations/${id}/images/1$`));

    const img = await stack.app.inject({ url: `/v1/generations/${id}/images/1` });
    expect(img.statusCode).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    const png = PNG.sync.read(img.rawPayload);
    expect([png.width, png.height]).toEqual([16, 16]);
    expect((await stack.app.inject({ url: `/v1/generations/${id}/images/2` })).statusCode).toBe(404);

    // Webhook: signed, with the trace.
    const hook = await eventually(() => hooks.find((h) => JSON.parse(h.body).id === id));
    expect(verifyWebhookSignature(SECRET, hook.headers['x-diffscope-signature'] as string, hook.body)).toBe(true);
    expect(hook.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-`));
    const payload = JSON.parse(hook.body);
    expect(payload).toMatchObject({ id, status: 'succeeded', output_locations: done.output_locations, error: null });
    // Without DIFFSCOPE_PUBLIC_URL the notifier links to DIFFSCOPE_API_HOST:PORT.
    expect(payload.images).toEqual([0, 1].map((k) => `http://127.0.0.1:8080/v1/generations/${id}/images/${k}`));

    // Spans: A ─ queue.publish ─┬ B queue.wait, C inference (─ text.encode/sampling/…), D storage.put ×2, E notify.webhook
    const spans = await eventually(() => {
      const s = spansOfTrace(traceId);
      return s.some((x) => x.name === 'notify.webhook') ? s : undefined;
    });
    const one = (name: string) => {
      const found = spans.filter((s) => s.name === name);
      expect(found, name).toHaveLength(1);
      return found[0];
    };
    const a = one('POST /v1/generations');
    const publish = one('queue.publish');
    const b = one('queue.wait');
    const c = one('inference');
    const d = spans.filter((s) => s.name === 'storage.put');
    const e = one('notify.webhook');
    expect(a.kind).toBe(1); // SERVER
    expect(a.parentSpanContext).toBeUndefined();
    expect(a.attributes['http.route']).toBe('/v1/generations');
    expect(a.attributes['http.response.status_code']).toBe(202);
    expect(publish.kind).toBe(3); // PRODUCER
    expect(publish.parentSpanContext?.spanId).toBe(a.spanContext().spanId);
    expect(publish.attributes['messaging.system']).toBe('sqlite');
    expect(publish.attributes['messaging.destination.name']).toBe(stack.config.DIFFSCOPE_QUEUE_NAME);
    for (const child of [b, c, ...d, e]) expect(child.parentSpanContext?.spanId, child.name).toBe(publish.spanContext().spanId);
    expect(b.kind).toBe(0); // INTERNAL
    expect(c.kind).toBe(4); // CONSUMER
    expect(c.attributes['messaging.delivery.attempt']).toBe(1);
    expect(c.attributes['diffusion.steps']).toBe(steps);
    expect(c.attributes['diffusion.model.id']).toBe('tiny-pixel');
    expect(c.attributes['gen_ai.request.model']).toBe('tiny-pixel');
    expect(d).toHaveLength(2);
    expect(d.every((s) => s.kind === SpanKind.CLIENT)).toBe(true);
    expect(e.kind).toBe(2);
    for (const inner of ['text.encode', 'sampling']) expect(one(inner).parentSpanContext?.spanId).toBe(c.spanContext().spanId);
    const json = JSON.stringify(spans.map((s) => s.attributes));
    expect(json).not.toContain('red square');

    // Logs: the lifecycle, every line of the request with its request_id and trace_id.
    const mine = stack.lines.filter((l) => l.request_id === id);
    const names = mine.map((l) => l.event);
    for (const ev of [
      'request_received',
      'job_enqueued',
      'job_dequeued',
      'inference_start',
      'inference_complete',
      'result_stored',
      'request_complete',
      'notification_sent',
    ]) {
      expect(names, ev).toContain(ev);
    }
    expect(mine.every((l) => l.trace_id === traceId)).toBe(true);
    expect(JSON.stringify(stack.lines)).not.toContain('red square');
  });

  it('cancels a queued generation at once and a running one between steps', async () => {
    // Queued: stop the worker from taking it by asking for cancel before it can start.
    const many = await create({ prompt: 'a blue circle', steps: 150, model: 'tiny-sd', width: 64, height: 64 });
    const id = many.json().id;
    const cancel = await stack.app.inject({ method: 'POST', url: `/v1/generations/${id}/cancel` });
    expect([200, 202]).toContain(cancel.statusCode);
    expect(cancel.json().cancel_requested).toBe(true);
    const done = await waitDone(id);
    expect(done.status).toBe('canceled');
    expect(done.error.code).toBe('DSC_ERR_INFER_CANCELED');
    expect(done.output_locations).toEqual([]);
    const events = parseSse((await stack.app.inject({ url: `/v1/generations/${id}/events` })).body);
    expect(events.at(-1)?.event).toBe('canceled');
    // Progress (if it started) stopped well before the last step.
    expect(events.filter((e) => e.event === 'progress').length).toBeLessThan(150);
    const again = await stack.app.inject({ method: 'POST', url: `/v1/generations/${id}/cancel` });
    expect(again.statusCode).toBe(409);
  });

  it('cancels a running generation: the worker stops between steps', async () => {
    const res = await create({ prompt: 'a green triangle', steps: 150, model: 'tiny-sd', width: 64, height: 64 });
    const id = res.json().id;
    await eventually(async () => (await stack.store.events(id)).some((e) => e.type === 'progress'));
    const cancel = await stack.app.inject({ method: 'POST', url: `/v1/generations/${id}/cancel` });
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json()).toMatchObject({ status: 'running', cancel_requested: true });
    const done = await waitDone(id);
    expect(done.status).toBe('canceled');
    const progress = (await stack.store.events(id)).filter((e) => e.type === 'progress');
    expect(progress.length).toBeLessThan(150);
  });

  it('OpenAI-compatible endpoint waits and answers url or b64_json', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/images/generations',
      headers: { 'content-type': 'application/json' },
      payload: { prompt: 'a white circle', model: 'dall-e-2', n: 1, size: '16x16', response_format: 'b64_json', user: 'someone' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Number.isInteger(body.created)).toBe(true);
    expect(body.data).toHaveLength(1);
    const png = PNG.sync.read(Buffer.from(body.data[0].b64_json, 'base64'));
    expect(png.width).toBe(16);

    const urls = await stack.app.inject({
      method: 'POST',
      url: '/v1/images/generations',
      headers: { 'content-type': 'application/json' },
      payload: { prompt: 'a white circle', n: 2 },
    });
    expect(urls.statusCode).toBe(200);
    expect(urls.json().data.map((d: { url: string }) => d.url)).toEqual([
      expect.stringMatching(/\/images\/0$/),
      expect.stringMatching(/\/images\/1$/),
    ]);
    expect(stack.lines.some((l) => l.event === 'request_complete' && l.request_id === urls.headers['x-request-id'])).toBe(true);

    const bad = await stack.app.inject({
      method: 'POST',
      url: '/v1/images/generations',
      headers: { 'content-type': 'application/json' },
      payload: { prompt: 'x', size: '1024x1024' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'DSC_ERR_INFER_BAD_SIZE', param: 'size', type: 'invalid_request_error' });
  });
});
