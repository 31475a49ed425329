/**
 * OpenAPI conformance: the document the api-server serves is valid OpenAPI 3.1, lists every route
 * the server registered, and every answer of a live server (listening on a port, a real worker
 * drawing with the fixture model) matches it: status documented, media type documented, JSON body
 * valid against the schema, SSE events' data valid against `x-sse-events`. Request bodies are
 * checked the other way: what the server accepts the document accepts, what the document refuses
 * the server refuses.
 */
import type { AddressInfo } from 'node:net';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type Stack } from '../support/serving-stack.js';
import { installTestTracing } from '../support/tracing.js';

installTestTracing();

const API_KEY = 'openapi-test-key';
type Json = Record<string, any>;

interface Answer {
  status: number;
  contentType: string;
  headers: Headers;
  text: string;
}

describe('GET /openapi.json', () => {
  let stack: Stack;
  let base: string;
  let doc: Json;
  let ajv: InstanceType<typeof Ajv2020>;
  /** `METHOD /template` of every operation answered at least once. */
  const exercised = new Set<string>();

  beforeAll(async () => {
    stack = await startStack({
      worker: true,
      env: { DIFFSCOPE_API_KEYS: `${API_KEY}:alice`, DIFFSCOPE_MAX_BODY_BYTES: '4096', DIFFSCOPE_MAX_PROMPT_CHARS: '300' },
    });
    await stack.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
    const res = await fetch(`${base}/openapi.json`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(res.status).toBe(200);
    doc = await res.json();
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('base64', /^[A-Za-z0-9+/]*={0,2}$/);
    ajv.addSchema(doc, 'openapi.json');
  });
  afterAll(async () => {
    await stack?.close();
  });

  function pointer(...parts: string[]): string {
    return `openapi.json#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
  }

  function validate(schemaPointer: string, value: unknown): string[] {
    const check = ajv.getSchema(schemaPointer);
    if (!check) throw new Error(`no schema at ${schemaPointer}`);
    return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  }

  /** The document's path template that `path` falls under. */
  function template(path: string): string {
    const bare = path.split('?')[0];
    const found = Object.keys(doc.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare));
    if (!found) throw new Error(`${bare} is not in the document`);
    return found;
  }

  /** Call the live server and check the answer against the document. */
  async function call(
    method: string,
    path: string,
    init: { body?: unknown; raw?: string; headers?: Record<string, string>; auth?: boolean } = {},
  ): Promise<Answer & { json?: any }> {
    const headers: Record<string, string> = { ...(init.auth === false ? {} : { authorization: `Bearer ${API_KEY}` }), ...init.headers };
    let body: string | undefined = init.raw;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${base}${path}`, { method, headers, body });
    const answer: Answer = {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      headers: res.headers,
      text: await res.text(),
    };
    const tpl = template(path);
    const op = doc.paths[tpl][method.toLowerCase()];
    expect(op, `${method} ${tpl} is documented`).toBeDefined();
    exercised.add(`${method} ${tpl}`);
    const documented = op.responses[String(answer.status)];
    expect(documented, `${method} ${path} answered ${answer.status}, which the document does not list`).toBeDefined();
    const mediaType = answer.contentType.split(';')[0].trim();
    const media = Object.keys(documented.content ?? {}).find((t) => t === mediaType);
    expect(media, `${method} ${path} → ${answer.status} ${mediaType}: media type not documented`).toBeDefined();
    for (const [name, header] of Object.entries<Json>(documented.headers ?? {})) {
      const spec = header.$ref ? doc.components.headers[header.$ref.split('/').pop()] : header;
      const value = res.headers.get(name);
      if (name === 'x-request-id' || name === 'traceresponse') expect(value, `${name} on ${method} ${path}`).toBeTruthy();
      if (value && spec.schema.pattern) expect(value).toMatch(new RegExp(spec.schema.pattern));
    }
    if (mediaType === 'application/json') {
      const json = JSON.parse(answer.text);
      const errors = validate(
        pointer('paths', tpl, method.toLowerCase(), 'responses', String(answer.status), 'content', 'application/json', 'schema'),
        json,
      );
      expect(errors, `${method} ${path} → ${answer.status}: ${answer.text.slice(0, 300)}`).toEqual([]);
      return { ...answer, json };
    }
    return answer;
  }

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await new Validator().validate(structuredClone(doc));
    expect(result).toEqual({ valid: true });
    expect(doc.servers).toEqual([{ url: base }]);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('lists every route the server registered, each described', () => {
    const operations = Object.entries<Json>(doc.paths).flatMap(([path, ops]) =>
      Object.entries<Json>(ops).map(([m, op]) => ({ route: `${m.toUpperCase()} ${path}`, op })),
    );
    expect(operations.filter(({ op }) => op['x-undocumented']).map(({ route }) => route)).toEqual([]);
    for (const { route } of operations) {
      const [method, path] = route.split(' ');
      expect(stack.app.hasRoute({ method, url: path.replace(/\{([^}]+)\}/g, ':$1') }), route).toBe(true);
    }
    for (const route of [
      'POST /v1/generations',
      'GET /v1/generations/{id}',
      'GET /v1/generations/{id}/events',
      'GET /v1/models',
      'POST /v1/images/generations',
      'GET /openapi.json',
    ]) {
      expect(operations.map((o) => o.route)).toContain(route);
    }
    // Probes stay open; everything else needs the key.
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/v1/generations'].post.security).toBeUndefined();
  });

  it('takes request limits from the configuration', () => {
    const request = doc.components.schemas.GenerationRequest;
    expect(request.properties.prompt.maxLength).toBe(300);
    expect(request.additionalProperties).toBe(false);
    expect(request.required).toEqual(['prompt']);
  });

  it("every live answer of a generation's life matches the document", async () => {
    const created = await call('POST', '/v1/generations', { body: { prompt: 'a small red square', steps: 4, seed: 7, n: 2 } });
    expect(created.status).toBe(202);
    const id = created.json.id as string;
    expect(created.headers.get('location')).toBe(`/v1/generations/${id}`);

    // Every state the record passes through is a valid Generation.
    const done = await eventually(async () => {
      const res = await call('GET', `/v1/generations/${id}`);
      return res.json.status === 'succeeded' ? res.json : undefined;
    });
    expect(done.images).toHaveLength(2);

    const sse = await call('GET', `/v1/generations/${id}/events`);
    expect(sse.status).toBe(200);
    const eventSchemas = doc.paths['/v1/generations/{id}/events'].get['x-sse-events'];
    const events = sse.text
      .split('\n\n')
      .filter((block) => block.includes('event: '))
      .map((block) =>
        Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)])),
      );
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('queued');
    expect(types).toContain('started');
    expect(types.filter((t) => t === 'progress')).toHaveLength(4);
    expect(types.at(-1)).toBe('succeeded');
    for (const event of events) {
      const ref = eventSchemas[event.event]?.$ref as string | undefined;
      expect(ref, `event type ${event.event} is documented`).toBeDefined();
      expect(validate(`openapi.json${ref}`, JSON.parse(event.data)), event.data).toEqual([]);
    }

    const png = await call('GET', `/v1/generations/${id}/images/1`);
    expect(png.status).toBe(200);
    expect((await call('GET', `/v1/generations/${id}/images/2`)).status).toBe(404);
    expect((await call('POST', `/v1/generations/${id}/cancel`)).status).toBe(409);
    expect((await call('GET', '/v1/generations/req_missing')).status).toBe(404);
    expect((await call('GET', '/v1/generations/req_missing/events')).status).toBe(404);

    // Canceled right after creation: 200 if still queued, 202 if a worker took it; both documented.
    const second = await call('POST', '/v1/generations', { body: { prompt: 'a blue circle', steps: 150 } });
    const cancel = await call('POST', `/v1/generations/${second.json.id}/cancel`);
    expect([200, 202]).toContain(cancel.status);
    await eventually(async () => (await call('GET', `/v1/generations/${second.json.id}`)).json.status === 'canceled');

    // Deleted (its images with it), then gone: a repeat answers 404.
    const deleted = await call('DELETE', `/v1/generations/${id}`);
    expect(deleted.json).toEqual({ id, deleted: true, status: 'succeeded', images_deleted: 2 });
    expect((await call('DELETE', `/v1/generations/${id}`)).status).toBe(404);
    expect((await call('GET', `/v1/generations/${id}/images/0`)).status).toBe(404);
  });

  it("the OpenAI-compatible route's answers and errors match the document", async () => {
    const url = await call('POST', '/v1/images/generations', { body: { prompt: 'a green triangle', size: '16x16' } });
    expect(url.status).toBe(200);
    expect(url.json.data[0].url).toMatch(/^http:/);
    const b64 = await call('POST', '/v1/images/generations', { body: { prompt: 'a green triangle', response_format: 'b64_json', n: 1 } });
    expect(b64.json.data[0].b64_json.length).toBeGreaterThan(0);
    const bad = await call('POST', '/v1/images/generations', { body: { prompt: 'a green triangle', size: '64x64' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ type: 'invalid_request_error', param: 'size' });
  });

  it('models, probes, metrics, this document and the errors of every kind match the document', async () => {
    expect((await call('GET', '/v1/models')).json.data.length).toBeGreaterThan(0);
    expect((await call('GET', '/v1/models/tiny-sd')).status).toBe(200);
    expect((await call('GET', '/v1/models/nope')).status).toBe(404);
    expect((await call('GET', '/openapi.json')).status).toBe(200);
    expect((await call('GET', '/healthz', { auth: false })).status).toBe(200);
    expect((await call('GET', '/readyz', { auth: false })).status).toBe(200);
    expect((await call('GET', '/metrics', { auth: false })).status).toBe(200);
    expect((await call('GET', '/v1/models', { auth: false })).status).toBe(401);
    expect((await call('GET', '/openapi.json', { auth: false })).status).toBe(401);
    expect((await call('POST', '/v1/generations', { raw: 'prompt=x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await call('POST', '/v1/generations', { raw: '{"prompt":', headers: { 'content-type': 'application/json' } })).status).toBe(
      400,
    );
    expect((await call('POST', '/v1/generations', { body: { prompt: 'x', negative_prompt: 'y'.repeat(5000) } })).status).toBe(413);
  });

  it('request bodies: the server and the document agree on what is valid', async () => {
    const bodies: unknown[] = [
      { prompt: 'a red circle' },
      { prompt: 'a red circle', steps: 3, cfg_scale: 2.5, seed: 0, sampler: 'euler', n: 1, karras_sigmas: false },
      { prompt: 'a red circle', steps: 0 },
      { prompt: 'a red circle', steps: 151 },
      { prompt: 'a red circle', steps: 2.5 },
      { prompt: 'a red circle', cfg_scale: 31 },
      { prompt: 'a red circle', seed: 2 ** 32 },
      { prompt: 'a red circle', n: 9 },
      { prompt: 'a red circle', sampler: 'plms' },
      { prompt: 'a red circle', stpes: 20 },
      { prompt: 'x'.repeat(301) },
      { prompt: 42 },
      { steps: 4 },
      { prompt: 'a red circle', webhook: {} },
      { prompt: 'a red circle', webhook: { url: 'https://example.com/h', events: ['exploded'] } },
      [1, 2, 3],
    ];
    for (const body of bodies) {
      const byDocument = validate(pointer('components', 'schemas', 'GenerationRequest'), body).length === 0;
      const res = await call('POST', '/v1/generations', { body });
      expect(res.status === 202, `${JSON.stringify(body)}: server ${res.status}, document ${byDocument ? 'accepts' : 'refuses'}`).toBe(
        byDocument,
      );
      if (res.status === 202) await call('POST', `/v1/generations/${res.json.id}/cancel`);
    }
  });

  it('every documented operation was exercised against the live server', () => {
    const documented = Object.entries<Json>(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.filter((route) => !exercised.has(route))).toEqual([]);
  });
});
