/**
 * One webhook attempt cannot be held (issue 9, item 10): a total deadline over the answer's
 * headers and body, a capped body read, and a passing DNS failure retried rather than dropped.
 * Real receivers on loopback; the DNS failure comes through the resolver seam the sender takes
 * (a loopback receiver cannot make getaddrinfo answer EAI_AGAIN).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { GenerationRecord } from '../../../src/generation/index.js';
import { DeliverySlots, deliverWebhook, sendWebhook, type ResolveAll } from '../../../src/notifier/index.js';
import { context, createLogger } from '../../../src/telemetry/index.js';
import { OpenCounter, startTarpit, type Tarpit } from './receivers.js';

const servers: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ port: number; sockets: Set<Socket> }> {
  const server: Server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
  return { port: (server.address() as AddressInfo).port, sockets };
}

describe('sendWebhook: one deadline for the whole attempt', () => {
  let tarpit: Tarpit;
  const counter = new OpenCounter();

  it('an answer whose body trickles counts at the deadline, and its connection is dropped', async () => {
    tarpit = await startTarpit(counter, { trickleMs: 50 });
    servers.push(tarpit);
    const res = await sendWebhook({ url: new URL(tarpit.url), body: '{}', headers: {}, timeoutMs: 400, allowPrivate: true });
    expect(res).toMatchObject({ status: 200, bodyCut: true });
    expect(res.bodyBytes).toBeGreaterThan(0); // it did read what trickled in
    await expect.poll(() => tarpit.open()).toBe(0);
    expect(counter.cutByClient).toBe(1);
  });

  it('headers that never come: the attempt fails at the deadline', async () => {
    const { port, sockets } = await serve(() => {
      // read the request, never answer
    });
    await expect(
      sendWebhook({ url: new URL(`http://127.0.0.1:${port}/`), body: '{}', headers: {}, timeoutMs: 300, allowPrivate: true }),
    ).rejects.toMatchObject({
      name: 'WebhookDeadlineError',
    });
    await expect.poll(() => sockets.size).toBe(0);
  });

  it('a huge answer body is read up to the cap only', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    const { port } = await serve((req, res) => {
      req.resume();
      res.writeHead(200);
      const pump = () => {
        while (written < 64 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (written < 64 * 1024 * 1024) res.once('drain', pump);
        else res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    const res = await sendWebhook({
      url: new URL(`http://127.0.0.1:${port}/`),
      body: '{}',
      headers: {},
      timeoutMs: 10_000,
      allowPrivate: true,
      maxResponseBytes: 1024,
    });
    expect(res).toMatchObject({ status: 200, bodyBytes: 1024, bodyCut: true });
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('deliverWebhook: a passing DNS failure is retried, not dropped', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'notifier', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  let received = 0;
  let port = 0;
  beforeEach(() => {
    lines.length = 0;
  });

  const record = (url: string): GenerationRecord => ({
    id: 'req_dns1',
    clientId: 'alice',
    status: 'succeeded',
    params: { model: 'tiny-pixel', sampler: 'ddim', steps: 2, cfgScale: 6, seed: 1, width: 32, height: 32, n: 1 },
    promptHash: 'ab'.repeat(32),
    traceId: '0af7651916cd43dd8448eb211c80319c',
    webhook: { url, events: ['succeeded'] },
    createdAt: Date.now() - 1000,
    finishedAt: Date.now(),
    attempts: 1,
    outputs: [],
    cancelRequested: false,
  });

  /** Fails `failures` times with `code`, then answers `address`. */
  function flakyResolver(failures: number, code: string, address: string): ResolveAll & { calls: number } {
    const resolve = Object.assign(
      async () => {
        resolve.calls++;
        if (resolve.calls <= failures) throw Object.assign(new Error(`getaddrinfo ${code} hooks.test`), { code });
        return [{ address, family: 4 }];
      },
      { calls: 0 },
    );
    return resolve;
  }

  const deliver = (url: string, allowPrivate: boolean, resolveAll: ResolveAll) =>
    deliverWebhook(
      record(url),
      { id: 'req_dns1', status: 'succeeded', finishedAt: Date.now() },
      context.active(),
      new AbortController().signal,
      {
        config: loadConfig({}, { DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: String(allowPrivate), DIFFSCOPE_WEBHOOK_MAX_ATTEMPTS: '4' }),
        logger,
        slots: new DeliverySlots({ total: 8, perClient: 2, perHost: 2 }),
        resolveAll,
        backoffMs: 5,
        maxBackoffMs: 10,
      },
    );

  it('EAI_AGAIN twice, then the name resolves: delivered on the third attempt', async () => {
    ({ port } = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.end('ok');
      });
    }));
    const resolver = flakyResolver(2, 'EAI_AGAIN', '127.0.0.1');
    expect(await deliver(`http://hooks.test:${port}/hook`, true, resolver)).toBe(true);
    expect(received).toBe(1);
    expect(lines.filter((l) => l.event === 'notification_retry').map((l) => l.attempt)).toEqual([1, 2]);
    expect(lines.find((l) => l.event === 'notification_sent')).toMatchObject({ attempt: 3 });
  });

  it('with private targets refused: EAI_AGAIN is retried (not refused), a private answer afterwards is refused', async () => {
    const resolver = flakyResolver(1, 'EAI_AGAIN', '10.0.0.7');
    expect(await deliver('https://hooks.test/hook', false, resolver)).toBe(false);
    const retry = lines.find((l) => l.event === 'notification_retry');
    expect(retry).toMatchObject({ attempt: 1 });
    expect(String(retry?.error_message)).toMatch(/could not be resolved for now \(EAI_AGAIN\)/);
    expect(lines.find((l) => l.event === 'notification_failed')).toMatchObject({ attempt: 2, reason: 'url_refused', final: true });
  });

  it('NXDOMAIN (ENOTFOUND) is an answer: refused at once', async () => {
    const resolver = flakyResolver(10, 'ENOTFOUND', '93.184.216.34');
    expect(await deliver('https://nowhere.test/hook', false, resolver)).toBe(false);
    expect(resolver.calls).toBe(1);
    expect(lines.find((l) => l.event === 'notification_failed')).toMatchObject({ attempt: 1, reason: 'url_refused' });
  });
});
