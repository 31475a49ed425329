/**
 * Slow clients (issue 9, item 9): sockets that trickle their headers or body one byte at a
 * time, or say nothing at all, are closed by the server's deadlines (src/http/server-timeouts.ts)
 * instead of being held forever — on the api-server and on the explorer's OTLP receiver — and
 * the servers keep answering meanwhile. One client cannot hold more than its share of SSE
 * streams, nor all clients together more than the global cap (429 + Retry-After).
 *
 * Deadlines are set short here (1 s headers, 2 s request) so the test takes seconds; nothing
 * below asserts a duration, only that every socket was closed by the server.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestExplorer, type TestExplorer } from '../../explorer/helpers.js';
import { eventually } from '../../support/serving-stack.js';
import { closedBy, connect, getWithHost, openResponse, rawRequest, startListeningStack, type ListeningStack } from './net-support.js';

const SOCKETS = 50;
const TRICKLE_EVERY_MS = 1_000;
const SHORT_DEADLINES = {
  DIFFSCOPE_HTTP_HEADERS_TIMEOUT_MS: '1000',
  DIFFSCOPE_HTTP_REQUEST_TIMEOUT_MS: '2000',
  DIFFSCOPE_HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
  DIFFSCOPE_HTTP_IDLE_TIMEOUT_MS: '3000',
};

/** Open `count` sockets, send `prefix` on each, then one byte of `drip` per tick until the server closes it. */
async function trickle(port: number, count: number, prefix: string, drip: string): Promise<{ closed: number; slowestMs: number }> {
  const sockets: Socket[] = await Promise.all(Array.from({ length: count }, () => connect(port)));
  const timers = sockets.map((socket) => {
    if (prefix) socket.write(prefix);
    let i = 0;
    const timer = setInterval(() => {
      if (drip && !socket.destroyed && socket.writable) socket.write(drip[i++ % drip.length]);
    }, TRICKLE_EVERY_MS);
    socket.once('close', () => clearInterval(timer));
    return timer;
  });
  try {
    const durations = await Promise.all(sockets.map((s) => closedBy(s)));
    return { closed: durations.length, slowestMs: Math.max(...durations) };
  } finally {
    timers.forEach(clearInterval);
    sockets.forEach((s) => s.destroy());
  }
}

describe('api-server: slow requests are cut off', () => {
  let stack: ListeningStack;
  beforeAll(async () => {
    stack = await startListeningStack({ env: SHORT_DEADLINES });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`${SOCKETS} sockets trickling their headers one byte at a time are all closed, and the server keeps answering`, async () => {
    const trickling = trickle(stack.port, SOCKETS, 'POST /v1/generations HTTP/1.1\r\nhost: 127.0.0.1\r\n', 'x-slow: aaaaaaaaaaaaaaaa');
    // Answering others while those sockets are open.
    expect((await getWithHost(stack.port, '/healthz', '127.0.0.1')).status).toBe(200);
    const { closed, slowestMs } = await trickling;
    expect(closed).toBe(SOCKETS);
    console.log(`[slow-clients] api headers trickle: ${closed}/${SOCKETS} sockets closed by the server, last after ${slowestMs} ms`);
  });

  it(`${SOCKETS} sockets trickling a JSON body one byte at a time are all closed`, async () => {
    const head = 'POST /v1/generations HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n\r\n';
    const trickling = trickle(stack.port, SOCKETS, head, '{"prompt":"a red circle"');
    expect((await getWithHost(stack.port, '/healthz', '127.0.0.1')).status).toBe(200);
    const { closed, slowestMs } = await trickling;
    expect(closed).toBe(SOCKETS);
    expect(stack.lines.filter((l) => l.event === 'job_enqueued')).toHaveLength(0);
    console.log(`[slow-clients] api body trickle: ${closed}/${SOCKETS} sockets closed by the server, last after ${slowestMs} ms`);
  });

  it(`${SOCKETS} sockets that connect and send nothing, and an idle keep-alive socket, are closed`, async () => {
    const { closed } = await trickle(stack.port, SOCKETS, '', '');
    expect(closed).toBe(SOCKETS);
    const kept = await openResponse(stack.port, ['GET /healthz HTTP/1.1', 'host: 127.0.0.1', 'connection: keep-alive']);
    expect(kept.status).toBe(200);
    await closedBy(kept.socket);
    expect(kept.socket.destroyed).toBe(true);
  });
});

describe('explorer OTLP receiver: slow exports are cut off', () => {
  let explorer: TestExplorer;
  beforeAll(async () => {
    explorer = await startTestExplorer(SHORT_DEADLINES);
  });
  afterAll(async () => {
    await explorer?.close();
  });

  it(`${SOCKETS} sockets trickling an OTLP body are all closed; a normal export still gets through`, async () => {
    const head = 'POST /v1/traces HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n';
    const trickling = trickle(explorer.otlpPort, SOCKETS, head, '{"resourceSpans":[');
    const body = JSON.stringify({ resourceSpans: [] });
    const ok = await rawRequest(
      explorer.otlpPort,
      ['POST /v1/traces HTTP/1.1', 'host: 127.0.0.1', 'content-type: application/json', `content-length: ${body.length}`],
      body,
    );
    expect(ok.status).toBe(200);
    const { closed, slowestMs } = await trickling;
    expect(closed).toBe(SOCKETS);
    console.log(`[slow-clients] OTLP body trickle: ${closed}/${SOCKETS} sockets closed by the server, last after ${slowestMs} ms`);
  });
});

describe('SSE streams are capped per client and in all', () => {
  const PER_CLIENT = 8;
  const TOTAL = 12;
  let stack: ListeningStack;
  beforeAll(async () => {
    stack = await startListeningStack({
      env: {
        DIFFSCOPE_API_KEYS: 'key-a:alice,key-b:bob',
        DIFFSCOPE_SSE_MAX_STREAMS_PER_CLIENT: String(PER_CLIENT),
        DIFFSCOPE_SSE_MAX_STREAMS: String(TOTAL),
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function createFor(key: string): Promise<string> {
    const body = JSON.stringify({ prompt: 'a red circle' });
    const res = await rawRequest(
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
    expect(res.status).toBe(202);
    return (JSON.parse(res.body) as { id: string }).id;
  }
  const stream = (key: string, id: string) =>
    openResponse(stack.port, [`GET /v1/generations/${id}/events HTTP/1.1`, 'host: 127.0.0.1', `authorization: Bearer ${key}`]);

  it('a flood of 200 streams from one client gets its share; the rest 429 with Retry-After; a closed stream frees its slot', async () => {
    const id = await createFor('key-a');
    const opened = await Promise.all(Array.from({ length: 200 }, () => stream('key-a', id)));
    const accepted = opened.filter((r) => r.status === 200);
    const refused = opened.filter((r) => r.status === 429);
    expect(accepted).toHaveLength(PER_CLIENT);
    expect(refused).toHaveLength(200 - PER_CLIENT);
    for (const r of refused) {
      expect(r.head).toMatch(/retry-after: \d+/i);
      r.socket.destroy();
    }
    console.log(`[slow-clients] SSE flood: ${accepted.length} of 200 streams accepted for one client, ${refused.length} refused with 429`);

    // Bob still gets streams until the global cap.
    const bobId = await createFor('key-b');
    const bob = await Promise.all(Array.from({ length: TOTAL - PER_CLIENT + 1 }, () => stream('key-b', bobId)));
    expect(bob.filter((r) => r.status === 200)).toHaveLength(TOTAL - PER_CLIENT);
    expect(bob.filter((r) => r.status === 429)).toHaveLength(1);

    accepted[0].socket.destroy();
    const again = await eventually(async () => {
      const r = await stream('key-a', id);
      if (r.status === 200) return r;
      r.socket.destroy();
      return undefined;
    });
    expect(again.status).toBe(200);
    for (const r of [...accepted, ...bob, again]) r.socket.destroy();
  });
});
