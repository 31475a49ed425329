/**
 * DNS rebinding (issue 9, item 8): a page on a host name the attacker controls, re-pointed at
 * 127.0.0.1, reaches a loopback api-server as same-origin — but its requests still carry the
 * attacker's name in `Host`. Every such request is refused before auth or routing (no record
 * is created, nothing is read); loopback names, the public URL's host and listed hosts pass.
 * Links are built from the configured public URL (or the bind address), never from `Host`.
 * The explorer's two servers apply the same allowlist (src/http/host-allowlist.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestExplorer, type TestExplorer } from '../../explorer/helpers.js';
import { eventually } from '../../support/serving-stack.js';
import { getWithHost, rawRequest, startListeningStack, type ListeningStack } from './net-support.js';

const REFUSED_HOSTS = [
  'evil.example',
  'evil.example:8080',
  '127.0.0.1.nip.io',
  'localhost.evil.example',
  'LOCALHOST.EVIL.EXAMPLE:1',
  '[::2]:80',
  'user@localhost',
  '',
  'localhost:80:80',
  '0x7f000001',
];

function expectRefused(res: { status: number; headers: Record<string, string>; body: string }): void {
  expect(res.status).toBe(403);
  const body = JSON.parse(res.body) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('DSC_ERR_API_HOST_NOT_ALLOWED');
  expect(body.error.message).toContain('DIFFSCOPE_ALLOWED_HOSTS');
  expect(res.headers['x-request-id']).toMatch(/^req_/);
}

describe('api-server bound to loopback, defaults', () => {
  let stack: ListeningStack;
  beforeAll(async () => {
    stack = await startListeningStack({ worker: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers loopback names and addresses on any port, and requests without Host', async () => {
    const allowed = [`127.0.0.1:${stack.port}`, `localhost:${stack.port}`, 'LOCALHOST.:1', `[::1]:${stack.port}`, '127.0.0.2', undefined];
    for (const host of allowed) {
      const res = await getWithHost(stack.port, '/healthz', host);
      expect(res.status, String(host)).toBe(200);
    }
  });

  it('refuses every other Host on every route, before auth and routing', async () => {
    for (const host of REFUSED_HOSTS) {
      for (const path of ['/healthz', '/v1/generations/req_x', '/no/such/route', '/metrics']) {
        expectRefused(await getWithHost(stack.port, path, host));
      }
    }
  });

  it('a rebinding page cannot submit work: refused, and no generation is recorded', async () => {
    const before = stack.lines.filter((l) => l.event === 'job_enqueued').length;
    const body = JSON.stringify({ prompt: 'a red circle' });
    const res = await rawRequest(
      stack.port,
      [
        'POST /v1/generations HTTP/1.1',
        'host: attacker.example:8080',
        'content-type: application/json',
        `content-length: ${Buffer.byteLength(body)}`,
        'origin: http://attacker.example:8080',
      ],
      body,
    );
    expectRefused(res);
    expect(stack.lines.filter((l) => l.event === 'job_enqueued').length).toBe(before);
    expect(stack.lines.some((l) => l.event === 'request_rejected' && l.code === 'DSC_ERR_API_HOST_NOT_ALLOWED')).toBe(true);
  });

  it('builds image links from the bind address, not from the Host the client sent', async () => {
    const body = JSON.stringify({ prompt: 'a red circle', steps: 2 });
    const created = await rawRequest(
      stack.port,
      [
        'POST /v1/generations HTTP/1.1',
        `host: localhost:${stack.port}`,
        'content-type: application/json',
        `content-length: ${Buffer.byteLength(body)}`,
      ],
      body,
    );
    expect(created.status).toBe(202);
    const id = (JSON.parse(created.body) as { id: string }).id;
    const done = await eventually(async () => {
      const res = await getWithHost(stack.port, `/v1/generations/${id}`, `localhost:${stack.port}`);
      const view = JSON.parse(res.body) as { status: string; images: string[] };
      return view.status === 'succeeded' ? view : undefined;
    });
    expect(done.images.length).toBeGreaterThan(0);
    for (const url of done.images) expect(url.startsWith(`http://127.0.0.1:${stack.port}/v1/generations/${id}/images/`)).toBe(true);
  });
});

describe('api-server with a public URL and a host list', () => {
  let stack: ListeningStack;
  beforeAll(async () => {
    stack = await startListeningStack({
      env: { DIFFSCOPE_PUBLIC_URL: 'https://gen.example.com/', DIFFSCOPE_ALLOWED_HOSTS: 'api.internal, .corp.example' },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers the public URL host, listed names and subdomains of a listed .suffix; refuses look-alikes', async () => {
    for (const host of [
      'gen.example.com',
      'GEN.example.com:443',
      'api.internal:8080',
      'corp.example',
      'a.b.corp.example',
      `localhost:${stack.port}`,
    ]) {
      expect((await getWithHost(stack.port, '/healthz', host)).status, host).toBe(200);
    }
    for (const host of ['evilcorp.example', 'gen.example.com.evil.example', 'api.internal.evil', 'example.com']) {
      expectRefused(await getWithHost(stack.port, '/healthz', host));
    }
  });
});

describe('api-server bound to every interface', () => {
  let open: ListeningStack;
  let listed: ListeningStack;
  beforeAll(async () => {
    open = await startListeningStack({ env: { DIFFSCOPE_API_HOST: '0.0.0.0' } });
    listed = await startListeningStack({ env: { DIFFSCOPE_API_HOST: '0.0.0.0', DIFFSCOPE_ALLOWED_HOSTS: 'gen.example.com' } });
  });
  afterAll(async () => {
    await open?.close();
    await listed?.close();
  });

  it('checks nothing without a list (the operator exposes it on purpose), and the list when one is given', async () => {
    expect((await getWithHost(open.port, '/healthz', 'anything.example')).status).toBe(200);
    expect((await getWithHost(listed.port, '/healthz', 'gen.example.com')).status).toBe(200);
    expectRefused(await getWithHost(listed.port, '/healthz', 'anything.example'));
  });
});

describe('explorer (UI + query API, OTLP receiver) bound to loopback', () => {
  let explorer: TestExplorer;
  beforeAll(async () => {
    explorer = await startTestExplorer();
  });
  afterAll(async () => {
    await explorer?.close();
  });

  it('refuses a rebinding page on the query API and the receiver; answers loopback names', async () => {
    const spans = JSON.stringify({ resourceSpans: [] });
    for (const host of REFUSED_HOSTS) {
      const query = await getWithHost(explorer.queryPort, '/api/services', host);
      expect(query.status, host).toBe(403);
      expect(query.body).toContain('DIFFSCOPE_ALLOWED_HOSTS');
      const otlp = await rawRequest(
        explorer.otlpPort,
        ['POST /v1/traces HTTP/1.1', `host: ${host}`, 'content-type: application/json', `content-length: ${spans.length}`],
        spans,
      );
      expect(otlp.status, host).toBe(403);
      expect(JSON.parse(otlp.body)).toMatchObject({ code: 7 });
    }
    expect((await getWithHost(explorer.queryPort, '/api/services', `localhost:${explorer.queryPort}`)).status).toBe(200);
    const ok = await rawRequest(
      explorer.otlpPort,
      [
        'POST /v1/traces HTTP/1.1',
        `host: 127.0.0.1:${explorer.otlpPort}`,
        'content-type: application/json',
        `content-length: ${spans.length}`,
      ],
      spans,
    );
    expect(ok.status).toBe(200);
  });
});
