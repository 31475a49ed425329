/** The OpenAI-compatible endpoint's wait: timeout → 504 naming the id; a client that leaves stops the wait. */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type Stack } from '../support/serving-stack.js';
import { installTestTracing } from '../support/tracing.js';

installTestTracing();

describe('sync wait without a worker', () => {
  let stack: Stack;
  let base: string;
  beforeAll(async () => {
    stack = await startStack({ env: { DIFFSCOPE_SYNC_TIMEOUT_MS: '300' } });
    await stack.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 504 DSC_ERR_API_TIMEOUT after DIFFSCOPE_SYNC_TIMEOUT_MS; the generation stays queued', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/images/generations',
      headers: { 'content-type': 'application/json' },
      payload: { prompt: 'a red circle' },
    });
    expect(res.statusCode).toBe(504);
    const id = res.headers['x-request-id'] as string;
    expect(res.json().error).toMatchObject({ code: 'DSC_ERR_API_TIMEOUT', type: 'server_error' });
    expect(res.json().error.message).toContain(id);
    expect((await stack.store.get(id))?.status).toBe('queued');
  });

  it('stops waiting when the client disconnects', async () => {
    await stack.close();
    stack = await startStack({ env: { DIFFSCOPE_SYNC_TIMEOUT_MS: '60000' } });
    await stack.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
    const aborter = new AbortController();
    const pending = fetch(`${base}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a red circle' }),
      signal: aborter.signal,
    }).catch((err: unknown) => err);
    await eventually(() => stack.lines.some((l) => l.event === 'job_enqueued'));
    aborter.abort();
    expect(await pending).toBeInstanceOf(Error);
    await eventually(() => stack.lines.some((l) => l.event === 'client_gone'));
  });
});
