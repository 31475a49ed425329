/**
 * Fairness (issue 9, item 11): one client cannot fill the queue. 60 submissions fired at once
 * by one client over real sockets get exactly its quota accepted; the rest 429
 * DSC_ERR_API_CLIENT_QUOTA with Retry-After, and no record or job exists for them. Other
 * clients are still accepted until the global queue-depth limit (429 DSC_ERR_API_QUEUE_FULL).
 * The atomicity itself, per store and across processes, is test/state/admission.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startListeningStack, type ListeningStack } from './net-support.js';

const PER_CLIENT = 5;
const QUEUE_DEPTH = 12;

describe('per-client quotas and the global queue depth over real sockets', () => {
  let stack: ListeningStack;
  beforeAll(async () => {
    stack = await startListeningStack({
      env: {
        DIFFSCOPE_API_KEYS: 'ka:alice,kb:bob,kc:carol',
        DIFFSCOPE_CLIENT_MAX_QUEUED: String(PER_CLIENT),
        DIFFSCOPE_CLIENT_MAX_ACTIVE: String(PER_CLIENT + 1),
        DIFFSCOPE_MAX_QUEUE_DEPTH: String(QUEUE_DEPTH),
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const submit = (key: string) => {
    const body = JSON.stringify({ prompt: 'a red circle' });
    return rawRequest(
      stack.port,
      [
        'POST /v1/generations HTTP/1.1',
        'host: 127.0.0.1',
        `authorization: Bearer ${key}`,
        'content-type: application/json',
        `content-length: ${body.length}`,
      ],
      body,
    );
  };
  const codeOf = (res: { body: string }) => (JSON.parse(res.body) as { error?: { code: string } }).error?.code;

  it('60 concurrent submissions from one client: exactly its quota accepted, the rest refused and never enqueued', async () => {
    const results = await Promise.all(Array.from({ length: 60 }, () => submit('ka')));
    const accepted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status === 429);
    expect(accepted).toHaveLength(PER_CLIENT);
    expect(refused).toHaveLength(60 - PER_CLIENT);
    for (const r of refused) {
      expect(codeOf(r)).toBe('DSC_ERR_API_CLIENT_QUOTA');
      expect(JSON.parse(r.body).error.message).toContain('DIFFSCOPE_CLIENT_MAX_QUEUED');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(await stack.queue.depth(stack.config.DIFFSCOPE_QUEUE_NAME)).toBe(PER_CLIENT);
    console.log(
      `[quota] one client, 60 concurrent POSTs: ${accepted.length} accepted, ${refused.length} refused 429 DSC_ERR_API_CLIENT_QUOTA`,
    );
  });

  it('other clients are accepted until the global queue depth, then everyone gets QUEUE_FULL', async () => {
    const bob = await Promise.all(Array.from({ length: 20 }, () => submit('kb')));
    expect(bob.filter((r) => r.status === 202)).toHaveLength(PER_CLIENT);
    const carol = await Promise.all(Array.from({ length: 20 }, () => submit('kc')));
    const carolAccepted = carol.filter((r) => r.status === 202);
    expect(carolAccepted).toHaveLength(QUEUE_DEPTH - 2 * PER_CLIENT);
    expect(carol.filter((r) => r.status === 429).every((r) => codeOf(r) === 'DSC_ERR_API_QUEUE_FULL')).toBe(true);
    expect(await stack.queue.depth(stack.config.DIFFSCOPE_QUEUE_NAME)).toBe(QUEUE_DEPTH);
  });

  it('a canceled generation frees its client slot at once', async () => {
    expect((await submit('ka')).status).toBe(429);
    // alice cancels one of hers: that frees her slot and one of the queue's, so her next submission is accepted.
    const ids = stack.lines.filter((l) => l.event === 'job_enqueued' && l.client_id === 'alice').map((l) => l.request_id as string);
    expect(ids.length).toBe(PER_CLIENT);
    const cancel = await rawRequest(stack.port, [
      `POST /v1/generations/${ids[0]}/cancel HTTP/1.1`,
      'host: 127.0.0.1',
      'authorization: Bearer ka',
      'content-length: 0',
    ]);
    expect(cancel.status).toBe(200);
    expect((await submit('ka')).status).toBe(202);
  });
});
