import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTestTracing } from '../support/tracing.js';
import { startStack, type Stack } from '../support/serving-stack.js';

installTestTracing();

describe('auth and isolation (DIFFSCOPE_API_KEYS)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { DIFFSCOPE_API_KEYS: 'key-alice:alice,key-bob:bob' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const as = (key: string | undefined, method: 'GET' | 'POST', url: string, payload?: object) =>
    stack.app.inject({
      method,
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(payload ? { 'content-type': 'application/json' } : {}) },
      payload: payload ? JSON.stringify(payload) : undefined,
    });

  it('requires a known Bearer key on /v1 routes', async () => {
    for (const key of [undefined, 'key-mallory']) {
      const res = await as(key, 'POST', '/v1/generations', { prompt: 'a red circle' });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('DSC_ERR_API_UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['x-request-id']).toBeDefined();
      expect(res.headers.traceresponse).toBeDefined();
    }
    const basic = await stack.app.inject({ url: '/v1/generations/x', headers: { authorization: 'Basic a2V5LWFsaWNlOg==' } });
    expect(basic.statusCode).toBe(401);
    // Probes and scrapers need no key.
    expect((await as(undefined, 'GET', '/healthz')).statusCode).toBe(200);
    expect((await as(undefined, 'GET', '/readyz')).statusCode).toBe(200);
    expect((await as(undefined, 'GET', '/metrics')).statusCode).toBe(200);
  });

  it("a client sees only its own generations: another client's are 404", async () => {
    const created = await as('key-alice', 'POST', '/v1/generations', { prompt: 'a red circle', steps: 3 });
    expect(created.statusCode).toBe(202);
    const id = created.json().id;
    const mine = await as('key-alice', 'GET', `/v1/generations/${id}`);
    expect(mine.statusCode).toBe(200);
    expect(mine.json().status).toBe('queued');
    for (const [method, url] of [
      ['GET', `/v1/generations/${id}`],
      ['GET', `/v1/generations/${id}/events`],
      ['GET', `/v1/generations/${id}/images/0`],
      ['POST', `/v1/generations/${id}/cancel`],
    ] as const) {
      const res = await as('key-bob', method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('DSC_ERR_API_NOT_FOUND');
    }
    expect((await stack.store.get(id))?.clientId).toBe('alice');
    expect((await stack.store.get(id))?.cancelRequested).toBe(false);
    const line = stack.lines.find((l) => l.event === 'job_enqueued' && l.request_id === id);
    expect(line?.client_id).toBe('alice');
  });

  it('logs no auth_disabled warning when keys are configured', () => {
    expect(stack.lines.some((l) => l.event === 'auth_disabled')).toBe(false);
  });
});

describe('anonymous mode', () => {
  it('accepts requests as "anonymous" and warns once at start', async () => {
    const stack = await startStack();
    try {
      expect(stack.lines.filter((l) => l.event === 'auth_disabled')).toHaveLength(1);
      expect(stack.lines.find((l) => l.event === 'auth_disabled')?.level).toBe('WARN');
      const res = await stack.app.inject({
        method: 'POST',
        url: '/v1/generations',
        headers: { 'content-type': 'application/json' },
        payload: { prompt: 'a cat' },
      });
      expect(res.statusCode).toBe(202);
      expect((await stack.store.get(res.json().id))?.clientId).toBe('anonymous');
    } finally {
      await stack.close();
    }
  });
});
