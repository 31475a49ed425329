import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTestTracing } from '../support/tracing.js';
import { startStack, type Stack } from '../support/serving-stack.js';

installTestTracing();

const PROMPT = 'a large orange circle secret-prompt-marker';

describe('POST /v1/generations: the table of bad inputs', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      env: { DIFFSCOPE_MAX_PROMPT_CHARS: '100', DIFFSCOPE_MAX_BODY_BYTES: '4096', DIFFSCOPE_MAX_QUEUE_DEPTH: '50' },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const post = (payload: string | object | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    stack.app.inject({
      method: 'POST',
      url: '/v1/generations',
      headers,
      payload: typeof payload === 'object' ? JSON.stringify(payload) : payload,
    });

  const cases: Array<[string, string | object | undefined, Record<string, string> | undefined, number, string, string | undefined]> = [
    ['malformed JSON', '{"prompt": "a red circle",', undefined, 400, 'DSC_ERR_API_MALFORMED_JSON', undefined],
    ['JSON that is not an object', '[1,2,3]', undefined, 400, 'DSC_ERR_API_VALIDATION', undefined],
    ['JSON null', 'null', undefined, 400, 'DSC_ERR_API_VALIDATION', undefined],
    ['empty body', '', undefined, 400, 'DSC_ERR_API_VALIDATION', undefined],
    ['missing prompt', { steps: 4 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'prompt'],
    ['prompt not a string', { prompt: 42 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'prompt'],
    ['blank prompt', { prompt: '   ' }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'prompt'],
    ['oversized prompt', { prompt: 'x'.repeat(101) }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'prompt'],
    ['steps 0', { prompt: PROMPT, steps: 0 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'steps'],
    ['steps 151', { prompt: PROMPT, steps: 151 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'steps'],
    ['steps fractional', { prompt: PROMPT, steps: 2.5 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'steps'],
    ['steps as string', { prompt: PROMPT, steps: '20' }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'steps'],
    ['cfg_scale negative', { prompt: PROMPT, cfg_scale: -1 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'cfg_scale'],
    ['cfg_scale 31', { prompt: PROMPT, cfg_scale: 31 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'cfg_scale'],
    ['seed negative', { prompt: PROMPT, seed: -1 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'seed'],
    ['seed 2^32', { prompt: PROMPT, seed: 2 ** 32 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'seed'],
    ['n 0', { prompt: PROMPT, n: 0 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'n'],
    ['n 9', { prompt: PROMPT, n: 9 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'n'],
    ['width outside the model sizes', { prompt: PROMPT, width: 17 }, undefined, 400, 'DSC_ERR_INFER_BAD_SIZE', 'width'],
    [
      'height outside the model sizes',
      { prompt: PROMPT, model: 'tiny-sd', height: 100 },
      undefined,
      400,
      'DSC_ERR_INFER_BAD_SIZE',
      'height',
    ],
    ['width 0', { prompt: PROMPT, width: 0 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'width'],
    ['unknown sampler', { prompt: PROMPT, sampler: 'plms' }, undefined, 400, 'DSC_ERR_INFER_UNKNOWN_SAMPLER', 'sampler'],
    ['unknown model', { prompt: PROMPT, model: 'sdxl-turbo' }, undefined, 400, 'DSC_ERR_MODEL_NOT_FOUND', 'model'],
    ['unknown field', { prompt: PROMPT, stpes: 20 }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'stpes'],
    [
      'webhook url not http',
      { prompt: PROMPT, webhook: { url: 'ftp://example.com/x' } },
      undefined,
      400,
      'DSC_ERR_NOTIFY_URL_REFUSED',
      'webhook.url',
    ],
    ['webhook url not a url', { prompt: PROMPT, webhook: { url: 'hello' } }, undefined, 400, 'DSC_ERR_NOTIFY_URL_REFUSED', 'webhook.url'],
    [
      'webhook url loopback',
      { prompt: PROMPT, webhook: { url: 'http://127.0.0.1:9999/hook' } },
      undefined,
      400,
      'DSC_ERR_NOTIFY_URL_REFUSED',
      'webhook.url',
    ],
    [
      'webhook url metadata service',
      { prompt: PROMPT, webhook: { url: 'http://169.254.169.254/latest' } },
      undefined,
      400,
      'DSC_ERR_NOTIFY_URL_REFUSED',
      'webhook.url',
    ],
    ['webhook url missing', { prompt: PROMPT, webhook: {} }, undefined, 400, 'DSC_ERR_API_VALIDATION', 'webhook.url'],
    [
      'webhook unknown event',
      { prompt: PROMPT, webhook: { url: 'https://example.com/h', events: ['exploded'] } },
      undefined,
      400,
      'DSC_ERR_API_VALIDATION',
      'webhook.events.0',
    ],
    ['huge body', { prompt: PROMPT, negative_prompt: 'y'.repeat(5000) }, undefined, 413, 'DSC_ERR_API_BODY_TOO_LARGE', undefined],
    ['text/plain body', 'prompt=a red circle', { 'content-type': 'text/plain' }, 415, 'DSC_ERR_API_UNSUPPORTED_MEDIA', undefined],
    [
      'form body',
      'prompt=a+red+circle',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'DSC_ERR_API_UNSUPPORTED_MEDIA',
      undefined,
    ],
    ['body without content-type', '{"prompt":"a red circle"}', {}, 415, 'DSC_ERR_API_UNSUPPORTED_MEDIA', undefined],
    [
      'invalid content-type header',
      '{"prompt":"a red circle"}',
      { 'content-type': '/////' },
      415,
      'DSC_ERR_API_UNSUPPORTED_MEDIA',
      undefined,
    ],
  ];

  it.each(cases)('%s → %i %s', async (_name, payload, headers, status, code, field) => {
    const res = await post(payload, headers);
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body.error.code).toBe(code);
    expect(typeof body.error.message).toBe('string');
    if (field) expect(body.error.field).toBe(field);
    expect(res.headers['x-request-id']).toMatch(/^req_[0-9a-f]{24}$/);
    expect(res.headers.traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('logs each rejection with its field and code, never the prompt', () => {
    const rejected = stack.lines.filter((l) => l.event === 'request_rejected');
    expect(rejected.length).toBeGreaterThanOrEqual(cases.length);
    expect(rejected.find((l) => l.field === 'steps')).toMatchObject({ code: 'DSC_ERR_API_VALIDATION', status: 400 });
    expect(rejected.every((l) => typeof l.request_id === 'string' && typeof l.trace_id === 'string')).toBe(true);
    expect(JSON.stringify(stack.lines)).not.toContain('secret-prompt-marker');
  });

  it('a malformed traceparent starts a new trace; a valid one is continued', async () => {
    const bad = await post({ prompt: PROMPT }, { 'content-type': 'application/json', traceparent: '00-zzzz-1234-01' });
    expect(bad.statusCode).toBe(202);
    expect(bad.json().trace_id).toMatch(/^[0-9a-f]{32}$/);
    const allZero = await post(
      { prompt: PROMPT },
      { 'content-type': 'application/json', traceparent: `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01` },
    );
    expect(allZero.statusCode).toBe(202);
    expect(allZero.json().trace_id).not.toBe('0'.repeat(32));
    const caller = '4bf92f3577b34da6a3ce929d0e0e4736';
    const good = await post({ prompt: PROMPT }, { 'content-type': 'application/json', traceparent: `00-${caller}-00f067aa0ba902b7-01` });
    expect(good.statusCode).toBe(202);
    expect(good.json().trace_id).toBe(caller);
    expect(good.headers.traceresponse).toMatch(new RegExp(`^00-${caller}-[0-9a-f]{16}-01$`));
  });

  it('accepts a good request afterwards and stays healthy', async () => {
    const res = await post({ prompt: PROMPT, steps: 4, seed: 7, webhook: { url: 'https://93.184.216.34/hook?token=tok-secret-123' } });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    const received = stack.lines.find((l) => l.event === 'request_received' && l.request_id === body.id);
    expect(received).toMatchObject({
      steps: 4,
      seed: 7,
      webhook_url: 'https://93.184.216.34/hook',
      prompt_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.stringify(stack.lines)).not.toContain('tok-secret-123');
    expect(body).toMatchObject({ status: 'queued', seed: 7, links: { self: `/v1/generations/${body.id}` } });
    expect(body.id).toBe(res.headers['x-request-id']);
    expect(new Date(body.created_at).toISOString()).toBe(body.created_at);
    const noSeed = await post({ prompt: PROMPT });
    expect(Number.isInteger(noSeed.json().seed)).toBe(true);
    expect((await stack.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await stack.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', checks: { queue: 'ok', store: 'ok' } });
  });

  it('unknown routes, methods and ids are 404 with the error shape', async () => {
    for (const [method, url] of [
      ['GET', '/v1/nope'],
      ['GET', '/v1/generations/req_does_not_exist'],
      ['GET', '/v1/generations/..%2F..%2Fetc'],
      ['GET', '/v1/generations/req_x/images/0'],
      ['GET', `/v1/generations/${'a'.repeat(5000)}`],
      ['DELETE', '/v1/generations'],
      ['POST', '/v1/generations/req_x/cancel'],
    ] as const) {
      const res = await stack.app.inject({ method, url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('DSC_ERR_API_NOT_FOUND');
      expect(res.headers['x-request-id']).toBeDefined();
      expect(res.headers.traceresponse).toBeDefined();
    }
    const bad = await stack.app.inject({ url: '/v1/generations/%zz' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('DSC_ERR_API_VALIDATION');
    expect(bad.headers['x-request-id']).toBeDefined();
    expect(bad.headers.traceresponse).toBeDefined();
  });
});

describe('backpressure', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { DIFFSCOPE_MAX_QUEUE_DEPTH: '2' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 429 with Retry-After once the queue is at its depth limit', async () => {
    const post = () =>
      stack.app.inject({
        method: 'POST',
        url: '/v1/generations',
        headers: { 'content-type': 'application/json' },
        payload: { prompt: PROMPT },
      });
    expect((await post()).statusCode).toBe(202);
    expect((await post()).statusCode).toBe(202);
    const full = await post();
    expect(full.statusCode).toBe(429);
    expect(full.json().error.code).toBe('DSC_ERR_API_QUEUE_FULL');
    expect(Number(full.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('exposes the queue depth and request counters at /metrics', async () => {
    const res = await stack.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/openmetrics-text');
    expect(res.body).toMatch(/diffscope_queue_depth\{[^}]*\} 2/);
    expect(res.body).toMatch(/diffscope_http_requests_total\{[^}]*route="\/v1\/generations"[^}]*status_code="429"[^}]*\} 1/);
    expect(res.body).toContain('diffscope_http_request_duration_seconds_bucket');
  });
});
