/**
 * Issue 9, explorer item 7, and the query API's inputs in general: the image route gives one
 * answer for "outside the output dir", "missing" and "not a location" (no file-existence oracle),
 * a location starting with `[` is no 500, a tag key with `"` or `\` is matched like any other,
 * and arbitrary query strings (fast-check) never produce a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestExplorer, type TestExplorer } from '../helpers.js';
import { newTraceId, postJson, tracesPayload } from '../fixtures.js';

let ex: TestExplorer;
let outputDir: string;
let outside: string;
const traceId = newTraceId();
const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

beforeAll(async () => {
  outputDir = mkdtempSync(path.join(tmpdir(), 'diffscope-out-'));
  outside = mkdtempSync(path.join(tmpdir(), 'diffscope-outside-'));
  writeFileSync(path.join(outputDir, 'ok.png'), png);
  writeFileSync(path.join(outside, 'exists.png'), png);
  ex = await startTestExplorer({ DIFFSCOPE_OUTPUT_DIR: outputDir });
  const locations = [
    pathToFileURL(path.join(outputDir, 'ok.png')).href, // 0: served
    pathToFileURL(path.join(outside, 'exists.png')).href, // 1: exists, outside
    pathToFileURL(path.join(outside, 'missing.png')).href, // 2: missing, outside
    pathToFileURL(path.join(outputDir, 'missing.png')).href, // 3: missing, inside
    '[not json', // 4: starts with [ but is no JSON array
    '[1, {"a": 2}]', // a JSON array of no strings: no location at all (not counted)
    'file://remote-host/x.png', // 5: a file URL with a host
    'file:///etc/hostname', // 6: an existing host file
  ];
  await postJson(
    ex.otlpUrl,
    '/v1/traces',
    tracesPayload(
      locations.map((loc, i) => ({
        traceId,
        service: 'images',
        name: 'storage.put',
        startMs: Date.now() - 100 + i,
        durationMs: 1,
        attributes: { 'diffusion.output_location': loc },
      })),
    ),
  );
  await postJson(
    ex.otlpUrl,
    '/v1/traces',
    tracesPayload([
      {
        traceId: newTraceId(),
        service: 'keys',
        name: 'weird-keys',
        startMs: Date.now() - 5,
        durationMs: 1,
        attributes: { 'we"ird': 'quoted', 'back\\slash': 'bs', 'a.b': 'dotted' },
      },
    ]),
  );
});
afterAll(async () => {
  await ex?.close();
  rmSync(outputDir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

async function image(k: number | string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${ex.queryUrl}/api/traces/${traceId}/image/${k}`);
  return { status: res.status, body: res.headers.get('content-type') === 'image/png' ? 'PNG' : await res.text() };
}

describe('image route', () => {
  it('serves the file under the output dir', async () => {
    expect(await image(0)).toEqual({ status: 200, body: 'PNG' });
  });

  it('answers exactly alike for outside-and-existing, outside-and-missing, inside-and-missing, malformed and out-of-range', async () => {
    const missing = await image(99);
    expect(missing.status).toBe(404);
    // the locations list: 0 ok, 1 outside/exists, 2 outside/missing, 3 inside/missing, 4 "[not json", 5 file://host, 6 /etc/hostname
    for (const k of [1, 2, 3, 4, 5, 6]) expect(await image(k), `image ${k}`).toEqual(missing);
  });
});

describe('tag filters', () => {
  it.each([
    ['we"ird', 'quoted'],
    ['back\\slash', 'bs'],
    ['a.b', 'dotted'],
  ])('key %s is matched like any other', async (key, value) => {
    const res = await ex.get(`/api/traces?service=keys&tags=${encodeURIComponent(JSON.stringify({ [key]: value }))}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    const miss = await ex.get(`/api/traces?service=keys&tags=${encodeURIComponent(JSON.stringify({ [key]: 'other' }))}`);
    expect(miss.body.data).toHaveLength(0);
  });

  it('an empty key or one with NUL is a 400', async () => {
    for (const tags of [{ '': 'x' }, { 'a\u0000b': 'x' }]) {
      const res = await ex.get(`/api/traces?tags=${encodeURIComponent(JSON.stringify(tags))}`);
      expect(res.status).toBe(400);
    }
  });
});

describe('arbitrary query strings never make a 5xx (fast-check)', () => {
  const PATHS = [
    '/api/traces',
    '/api/logs',
    '/api/dependencies',
    '/api/operations',
    '/api/analysis/stages',
    `/api/traces/${traceId}`,
    '/api/v3/traces',
    '/api/services/x/operations',
  ];
  const PARAMS = [
    'service',
    'operation',
    'tags',
    'minDuration',
    'maxDuration',
    'start',
    'end',
    'lookback',
    'limit',
    'traceID',
    'trace_id',
    'q',
    'level',
    'endTs',
    'spanKind',
    'raw',
    'prettyPrint',
    'query.start_time_min',
    'query.service_name',
  ];

  it('600 random requests: every answer is 2xx or 4xx, and the server still answers', async () => {
    const value = fc.oneof(
      fc.string(),
      fc.stringMatching(/^-?\d{0,25}(\.\d+)?[a-zµ]{0,3}$/),
      fc.json(),
      fc.constantFrom('{"a":1}', '[', '{"__proto__":{"x":1}}', '%', '1e308', '-1', 'NaN'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.array(fc.tuple(fc.constantFrom(...PARAMS), value), { maxLength: 6 }),
        async (p, params) => {
          const qs = new URLSearchParams(params).toString();
          const res = await fetch(`${ex.queryUrl}${p}?${qs}`);
          await res.arrayBuffer();
          return res.status < 500;
        },
      ),
      { numRuns: 600 },
    );
    expect((await ex.get('/api/services')).status).toBe(200);
  });
});
