/** SSE over a real socket: replay, heartbeats, live events from the store, terminal close, server close. */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moves } from '../../src/generation/index.js';
import { startStack, type Stack } from '../support/serving-stack.js';
import { installTestTracing } from '../support/tracing.js';

installTestTracing();

class SseReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** Read until `predicate` holds for the accumulated text (or the stream ends). */
  async until(predicate: (text: string) => boolean): Promise<string> {
    while (!predicate(this.buffer)) {
      const { value, done } = await this.reader.read();
      if (done) break;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
    return this.buffer;
  }

  async ended(): Promise<boolean> {
    for (;;) {
      const { value, done } = await this.reader.read();
      if (done) return true;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }
}

describe('SSE over a real connection', () => {
  let stack: Stack;
  let base: string;
  beforeAll(async () => {
    stack = await startStack();
    await stack.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const create = async () => {
    const res = await fetch(`${base}/v1/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a purple square', steps: 3 }),
    });
    return (await res.json()).id as string;
  };

  it('replays, sends heartbeats, streams live events and closes after the terminal one', async () => {
    const id = await create();
    const res = await fetch(`${base}/v1/generations/${id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(res.headers.get('traceresponse')).toMatch(/^00-/);
    const sse = new SseReader(res.body!.getReader());
    await sse.until((t) => t.includes('event: queued'));
    await sse.until((t) => t.includes(': heartbeat'));
    // What a worker on any machine would write to the shared store:
    await stack.store.appendEvent(id, 'started', { attempt: 1 });
    await stack.store.appendEvent(id, 'progress', { step: 1, total_steps: 3 });
    const live = await sse.until((t) => t.includes('event: progress'));
    expect(live).toMatch(/id: 3\nevent: progress\ndata: \{"step":1,"total_steps":3,"seq":3,"at":"[^"]+"\}/);
    await stack.store.transition(id, moves.finish('failed'), { error: { code: 'DSC_ERR_INFER_FAILED', message: 'boom' } });
    await stack.store.appendEvent(id, 'failed', { status: 'failed' });
    expect(await sse.ended()).toBe(true);
  });

  it('resumes after Last-Event-ID and ends at once when the terminal event was already seen', async () => {
    const id = await create();
    await stack.store.appendEvent(id, 'started', { attempt: 1 });
    await stack.store.transition(id, moves.finish('canceled'));
    await stack.store.appendEvent(id, 'canceled', { status: 'canceled' });
    const resumed = await (await fetch(`${base}/v1/generations/${id}/events`, { headers: { 'last-event-id': '1' } })).text();
    expect(resumed).not.toContain('event: queued');
    expect(resumed).toContain('event: started');
    expect(resumed).toContain('event: canceled');
    const after = await (await fetch(`${base}/v1/generations/${id}/events`, { headers: { 'last-event-id': '3' } })).text();
    expect(after).not.toContain('event:');
  });

  it('closing the server ends open streams instead of hanging', async () => {
    const id = await create();
    const res = await fetch(`${base}/v1/generations/${id}/events`);
    const sse = new SseReader(res.body!.getReader());
    await sse.until((t) => t.includes('event: queued'));
    const ended = sse.ended();
    await stack.app.close();
    expect(await ended).toBe(true);
  });
});
