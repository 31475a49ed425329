/**
 * Issue 9, explorer items 1–2: with DIFFSCOPE_EXPLORER_TOKEN set, no spelling of a data path
 * reaches data without the token (access is decided on the route Fastify matched, deny by
 * default), the UI shell stays public, the ?token= login never redirects off-site, and a
 * malformed token cookie is a 401, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TOKEN_COOKIE } from '../../../src/explorer/index.js';
import { startTestExplorer, type TestExplorer } from '../helpers.js';
import { newTraceId, postJson, tracesPayload } from '../fixtures.js';
import { rawRequest } from './raw-http.js';

const TOKEN = 'adversarial-token-0123456789';
const traceId = newTraceId();

let ex: TestExplorer;
beforeAll(async () => {
  ex = await startTestExplorer({ DIFFSCOPE_EXPLORER_TOKEN: TOKEN });
  const web = path.join(ex.dir, 'web');
  mkdirSync(path.join(web, 'assets'), { recursive: true });
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>ui</title>');
  writeFileSync(path.join(web, 'assets', 'app-1.js'), 'console.log(1)');
  await postJson(
    ex.otlpUrl,
    '/v1/traces',
    tracesPayload([{ traceId, service: 'svc', name: 'op', startMs: Date.now() - 10, durationMs: 1 }]),
    { authorization: `Bearer ${TOKEN}` },
  );
});
afterAll(async () => {
  await ex?.close();
});

// [request target, what it routes to]; every one holds data or accepts data
const QUERY_TARGETS: [string, string][] = [
  ['/api/services', 'services'],
  ['/%61pi/services', 'services, percent-encoded a'],
  ['/ap%69/services', 'services, percent-encoded i'],
  ['/api/%73ervices', 'services, percent-encoded s'],
  ['/%61%70%69/%73ervices', 'services, several escapes'],
  [`/%61pi/traces/${traceId}`, 'trace by id'],
  [`/api/traces/${traceId}`, 'trace by id'],
  ['/%61pi/logs?q=x', 'log search'],
  ['/%61pi/analysis/stages', 'analysis'],
  ['/api/health', 'health'],
  ['/%61pi/health', 'health, encoded'],
  ['/api/dependencies', 'dependencies'],
  [`/api/traces/${traceId}/image/0`, 'image'],
  ['/api/v3/services', 'api_v3 services'],
  ['/api/services?token=wrong', 'a wrong token in the query'],
  ['/api/nonexistent', 'an unknown API path'],
];
const ABSOLUTE_TARGETS = (base: string): [string, string][] => [
  [`${base}/api/services`, 'absolute-form'],
  [`${base}/%61pi/services`, 'absolute-form, encoded'],
  [`http://evil.example/api/services`, 'absolute-form, another host'],
  [`${base}/api/traces/${traceId}`, 'absolute-form trace'],
];
const OTLP_TARGETS = ['/v1/traces', '/v1/%74races', '/v1/logs', '/v%31/logs', '/%761/traces'];

describe('token: the query API refuses every spelling without the token', () => {
  it.each(QUERY_TARGETS)('GET %s (%s) → 401', async (target) => {
    const res = await rawRequest(ex.queryUrl, 'GET', target);
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('"svc"');
  });

  it('absolute-form request lines → 401', async () => {
    for (const [target] of ABSOLUTE_TARGETS(ex.queryUrl)) {
      const res = await rawRequest(ex.queryUrl, 'GET', target);
      expect(res.status, target).toBe(401);
    }
  });

  it('HEAD and other methods on data paths → 401', async () => {
    for (const [method, target] of [
      ['HEAD', '/%61pi/services'],
      ['POST', '/api/services'],
      ['DELETE', '/api/traces/x'],
      ['OPTIONS', '/api/services'],
    ]) {
      expect((await rawRequest(ex.queryUrl, method, target)).status, `${method} ${target}`).toBe(401);
    }
  });

  it('the same spellings with the token reach the data (the table routes where it claims)', async () => {
    for (const [target] of QUERY_TARGETS.slice(0, 5)) {
      const res = await rawRequest(ex.queryUrl, 'GET', target, { authorization: `Bearer ${TOKEN}` });
      expect(res.status, target).toBe(200);
      expect(JSON.parse(res.body).data).toEqual(['svc']);
    }
    const abs = await rawRequest(ex.queryUrl, 'GET', `${ex.queryUrl}/%61pi/services`, { 'x-api-key': TOKEN });
    expect(abs.status).toBe(200);
  });

  it('a malformed token cookie is no token: 401, not 500', async () => {
    for (const cookie of [`${TOKEN_COOKIE}=%E0%A4%A`, `${TOKEN_COOKIE}=%`, `${TOKEN_COOKIE}=%zz; other=1`, TOKEN_COOKIE, `=${TOKEN}`]) {
      expect((await rawRequest(ex.queryUrl, 'GET', '/api/services', { cookie })).status, cookie).toBe(401);
    }
    expect((await rawRequest(ex.queryUrl, 'GET', '/api/services', { cookie: `${TOKEN_COOKIE}=${encodeURIComponent(TOKEN)}` })).status).toBe(
      200,
    );
  });
});

describe('token: the UI shell and its assets stay public (they hold no data)', () => {
  it.each([['/'], ['/trace/abc'], ['/assets/app-1.js'], ['/search?service=x']])('GET %s → 200 without the token', async (target) => {
    const res = await rawRequest(ex.queryUrl, 'GET', target);
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('"svc"');
  });

  it('an unknown API path under the UI routes is a 404, not the UI', async () => {
    const res = await rawRequest(ex.queryUrl, 'GET', '/api%2Fservices');
    expect([401, 404]).toContain(res.status);
    expect(res.body).not.toContain('"svc"');
  });
});

describe('token: the OTLP receiver refuses every spelling without the token', () => {
  it.each(OTLP_TARGETS)('POST %s → 401', async (target) => {
    const res = await rawRequest(ex.otlpUrl, 'POST', target, { 'content-type': 'application/json' }, '{}');
    expect(res.status).toBe(401);
  });

  it('absolute-form and unknown paths → 401', async () => {
    for (const target of [`${ex.otlpUrl}/v1/traces`, `${ex.otlpUrl}/v1/%74races`, '/v1/metrics', '/']) {
      expect((await rawRequest(ex.otlpUrl, 'POST', target, { 'content-type': 'application/json' }, '{}')).status, target).toBe(401);
    }
  });

  it('with the token the encoded spelling is the real route', async () => {
    const res = await rawRequest(
      ex.otlpUrl,
      'POST',
      '/v1/%74races',
      { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      '{}',
    );
    expect(res.status).toBe(200);
  });
});

describe('?token= login: never an off-site redirect', () => {
  const hostile = [
    '//evil.example/?token=',
    '/\\evil.example/?token=',
    '/%2F%2Fevil.example/?token=',
    '///evil.example/?token=',
    '/\\/evil.example/?token=',
    '/%5Cevil.example/?token=',
  ];

  it.each(hostile)('GET %s<token> redirects on this host', async (target) => {
    for (const token of [TOKEN, 'wrong']) {
      const res = await rawRequest(ex.queryUrl, 'GET', `${target}${token}`);
      expect(res.status).toBe(302);
      const location = res.headers.location;
      expect(location.startsWith('/')).toBe(true);
      expect(location[1]).not.toBe('/');
      expect(location[1]).not.toBe('\\');
      // resolved against this host, it stays on this host
      expect(new URL(location, ex.queryUrl).host).toBe(new URL(ex.queryUrl).host);
      expect(location).not.toContain('token=');
    }
  });

  it('the login sets the cookie only for the right token, and keeps the other parameters', async () => {
    const ok = await rawRequest(ex.queryUrl, 'GET', `/trace/abc?token=${TOKEN}&x=1`);
    expect(ok.headers.location).toBe('/trace/abc?x=1');
    expect(ok.headers['set-cookie']).toContain(`${TOKEN_COOKIE}=${TOKEN}`);
    const bad = await rawRequest(ex.queryUrl, 'GET', '/trace/abc?token=nope');
    expect(bad.headers['set-cookie']).toBeUndefined();
  });
});
