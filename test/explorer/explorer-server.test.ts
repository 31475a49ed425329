/** Binding rules, the query API's token, the UI's static files, and generated images. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/config/index.js';
import { DiffscopeError } from '../../src/errors/index.js';
import { isLoopbackHost, startExplorer, TOKEN_COOKIE } from '../../src/explorer/index.js';
import { startTestExplorer, type TestExplorer } from './helpers.js';
import { newTraceId, postJson, tracesPayload } from './fixtures.js';

describe('binding', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'example.com', '192.168.1.1']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('refuses to start on a non-loopback address without a token, before opening any port', async () => {
    const config = loadConfig(
      {},
      { DIFFSCOPE_EXPLORER_HOST: '0.0.0.0', DIFFSCOPE_EXPLORER_PORT: '0', DIFFSCOPE_OTLP_PORT: '0', DIFFSCOPE_EXPLORER_DB: ':memory:' },
    );
    const err = await startExplorer(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiffscopeError);
    expect((err as DiffscopeError).code).toBe('DSC_ERR_CONFIG_INVALID');
    expect((err as Error).message).toMatch(/DIFFSCOPE_EXPLORER_TOKEN/);
  });

  it('starts on a non-loopback address when a token is set', async () => {
    const ex = await startTestExplorer({ DIFFSCOPE_EXPLORER_HOST: '0.0.0.0', DIFFSCOPE_EXPLORER_TOKEN: 't0ken-t0ken-t0ken' });
    try {
      expect((await ex.get('/api/services')).status).toBe(401);
      expect((await ex.get('/api/services', { authorization: 'Bearer t0ken-t0ken-t0ken' })).status).toBe(200);
      expect((await ex.get('/api/services', { cookie: `other=1; ${TOKEN_COOKIE}=t0ken-t0ken-t0ken` })).status).toBe(200);
      // the UI shell holds no data and loads without the token
      expect((await ex.get('/')).status).toBe(200);
      // opening the UI once with ?token= sets the cookie and drops the token from the URL
      const login = await fetch(`${ex.queryUrl}/trace/abc?token=t0ken-t0ken-t0ken&x=1`, { redirect: 'manual' });
      expect(login.status).toBe(302);
      expect(login.headers.get('location')).toBe('/trace/abc?x=1');
      const cookie = login.headers.get('set-cookie')!.split(';')[0];
      expect(cookie).toBe(`${TOKEN_COOKIE}=t0ken-t0ken-t0ken`);
      expect((await ex.get('/api/services', { cookie })).status).toBe(200);
      const wrong = await fetch(`${ex.queryUrl}/?token=nope`, { redirect: 'manual' });
      expect(wrong.headers.get('set-cookie')).toBeNull();
    } finally {
      await ex.close();
    }
  });
});

describe('static UI', () => {
  let ex: TestExplorer;
  afterAll(async () => {
    await ex?.close();
  });

  it('says the UI is not built when dist/web is missing', async () => {
    ex = await startTestExplorer();
    const res = await ex.get('/');
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/UI isn't built/);
  });

  it('serves built files, and index.html for client-side routes', async () => {
    const web = path.join(ex.dir, 'web');
    mkdirSync(path.join(web, 'assets'), { recursive: true });
    writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>ui</title>');
    writeFileSync(path.join(web, 'assets', 'app-123.js'), 'console.log(1)');
    writeFileSync(path.join(ex.dir, 'secret.txt'), 'nope');
    const js = await fetch(`${ex.queryUrl}/assets/app-123.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toBe('console.log(1)');
    expect((await ex.get('/trace/abc')).body).toBe('<!doctype html><title>ui</title>');
    expect((await ex.get('/../secret.txt')).body).not.toBe('nope');
    expect((await ex.get('/%2e%2e/secret.txt')).body).not.toBe('nope');
  });
});

describe('GET /api/traces/{traceID}/image/{k}', () => {
  let ex: TestExplorer;
  let outputDir: string;
  let outside: string;
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const traceId = newTraceId();

  beforeAll(async () => {
    outputDir = mkdtempSync(path.join(tmpdir(), 'diffscope-out-'));
    outside = mkdtempSync(path.join(tmpdir(), 'diffscope-outside-'));
    writeFileSync(path.join(outputDir, 'img-0.png'), png);
    writeFileSync(path.join(outside, 'stolen.png'), png);
    symlinkSync(path.join(outside, 'stolen.png'), path.join(outputDir, 'link.png'));
    ex = await startTestExplorer({ DIFFSCOPE_OUTPUT_DIR: outputDir });
    const loc = (p: string) => pathToFileURL(p).href;
    await postJson(
      ex.otlpUrl,
      '/v1/traces',
      tracesPayload([
        {
          traceId,
          service: 'worker',
          name: 'storage.put',
          startMs: Date.now() - 30,
          durationMs: 1,
          attributes: { 'diffusion.output_location': loc(path.join(outputDir, 'img-0.png')) },
        },
        {
          traceId,
          service: 'worker',
          name: 'storage.put',
          startMs: Date.now() - 20,
          durationMs: 1,
          attributes: { 'diffusion.output_location': loc(path.join(outside, 'stolen.png')) },
        },
        {
          traceId,
          service: 'worker',
          name: 'storage.put',
          startMs: Date.now() - 10,
          durationMs: 1,
          attributes: { 'diffusion.output_location': loc(path.join(outputDir, 'link.png')) },
        },
        {
          traceId,
          service: 'worker',
          name: 'storage.put',
          startMs: Date.now() - 5,
          durationMs: 1,
          attributes: { 'diffusion.output_location': 's3://bucket/key.png' },
        },
      ]),
    );
  });
  afterAll(async () => {
    await ex.close();
    rmSync(outputDir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('serves a PNG under the output dir', async () => {
    const res = await fetch(`${ex.queryUrl}/api/traces/${traceId}/image/0`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);
  });

  it('refuses files outside the output dir, also through a symlink; 404 for s3 and missing, all alike', async () => {
    const answer = async (k: string) => {
      const res = await fetch(`${ex.queryUrl}/api/traces/${traceId}/image/${k}`);
      return { status: res.status, body: await res.text() };
    };
    const missing = await answer('9');
    expect(missing.status).toBe(404);
    // outside (1), outside through a symlink (2), s3 (3): the same answer as a missing image,
    // so the route tells nobody which files exist elsewhere on the host
    for (const k of ['1', '2', '3']) expect(await answer(k)).toEqual(missing);
    expect((await answer('x')).status).toBe(400);
  });
});
