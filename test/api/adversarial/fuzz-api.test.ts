/**
 * Issue 9: property-based fuzzing (fast-check) of real api-server processes — one without API
 * keys, one with — sharing a SQLite queue and state with one real worker, all three started as
 * an operator starts them (src/cli/main.ts under the OpenTelemetry preload, spans and logs
 * exported over OTLP to a sink in this test). Thousands of requests, every byte chosen by the
 * test: bodies of both generation routes (wrong types everywhere, limits, raw numbers, unicode,
 * prototype keys, deep nesting, raw bytes, gzip, wrong content types, oversized), headers
 * (trace context of five propagators, baggage, authorization, x-request-id, Host, accept,
 * content-length that lies), and ids, paths and queries of every read route.
 *
 * Every answer: 2xx or 4xx (429 and 503 only with the codes the docs give them, and Retry-After)
 * in the error shape of docs/api.md with a code from src/errors/error-table.ts at its status,
 * within a deadline; an accepted generation is stored (GET returns it with what was sent); the
 * canary prompt is in no response, no line the processes print and no exported span or log
 * record; the processes keep their PIDs and answer /healthz and /readyz afterwards.
 *
 * FUZZ_API_SCALE=0.1 (any factor) scales every property's number of runs, for a quick local try.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../../src/errors/index.js';
import { FIXTURE_MODELS } from '../../support/serving-stack.js';
import {
  API_KEYS,
  CANARY,
  CONTENT_ENCODINGS,
  CONTENT_TYPES,
  acceptHeader,
  authorizationHeader,
  baggageHeader,
  expectHeader,
  generationBody,
  hostHeader,
  idSegment,
  lastEventId,
  oddJsonBody,
  openAiBody,
  otherTraceHeaders,
  queryString,
  rawBodyBytes,
  requestIdHeader,
  tracestateHeader,
  traceparentHeader,
  validTraceparent,
  type JsonBody,
} from './fuzz-api-inputs.js';
import { freePort } from './net-support.js';
import { ExchangeTimeout, exchange, type Exchange } from './raw-exchange.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

const SCALE = Number(process.env.FUZZ_API_SCALE ?? 1);
const RUNS_FULL = {
  bodies: 900,
  keyedBodies: 250,
  oddJson: 300,
  rawBodies: 400,
  openAi: 300,
  headers: 500,
  host: 250,
  auth: 300,
  framing: 250,
  paths: 600,
};
const RUNS = Object.fromEntries(Object.entries(RUNS_FULL).map(([k, v]) => [k, Math.max(1, Math.round(v * SCALE))])) as typeof RUNS_FULL;
/** No answer within this is a hang. */
const TIMEOUT_MS = 20_000;
/** The OpenAI route waits for a real generation behind the queue: its own, longer bound (the sync timeout is under it). */
const SYNC_TIMEOUT_MS = 45_000;
const KEY = Object.keys(API_KEYS)[0];
const OTHER_KEY = Object.keys(API_KEYS)[1];

/** 429 and 503 only for what the docs say may answer them (quota, stream cap, store locked, DNS for a while). */
const RETRY_LATER_CODES: Record<number, string[]> = {
  429: ['DSC_ERR_API_QUEUE_FULL', 'DSC_ERR_API_CLIENT_QUOTA', 'DSC_ERR_API_TOO_MANY_STREAMS'],
  503: ['DSC_ERR_STATE_BUSY', 'DSC_ERR_NOTIFY_DNS_UNAVAILABLE'],
};

interface Server_ {
  name: 'open' | 'keyed';
  port: number;
  process: ServiceProcess;
}

let dir: string;
let sink: Server;
const exported: string[] = [];
let open: Server_;
let keyed: Server_;
let worker: ServiceProcess;
const statuses = new Map<number, number>();
const codes = new Map<string, number>();
let requests = 0;
let cases = 0;
let accepted = 0;
let imagesReturned = 0;
let streamsOpened = 0;
/** Accepted generations the worker failed for their parameters, by code (ERROR lines it logged). */
const workerRefusals = new Map<string, number>();
const known: Array<{ id: string; server: Server_; auth?: string }> = [];

function count(res: Exchange): void {
  requests++;
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
}

interface Expect {
  /** The connection may be closed without an answer (a body that never comes, framing Node refuses). */
  mayClose?: boolean;
  /** Node's HTTP parser may refuse the request before the app sees it (bytes no header may hold). */
  mayBeRefusedByParser?: boolean;
  /** OpenAI route: errors carry type and param too. */
  openAi?: boolean;
}

/** The properties every answer has; returns the parsed JSON body (undefined when not JSON). */
function checkAnswer(res: Exchange, what: string, expectation: Expect = {}): any {
  count(res);
  const where = `${what} → ${res.status} ${res.body.subarray(0, 300).toString('utf8')}`;
  expect(res.raw.includes(CANARY), `canary in the answer to ${where}`).toBe(false);
  if (res.status === 0) {
    expect(expectation.mayClose || expectation.mayBeRefusedByParser, `closed without an answer: ${what}`).toBe(true);
    return undefined;
  }
  expect((res.status >= 200 && res.status < 500) || RETRY_LATER_CODES[res.status] !== undefined, where).toBe(true);
  let json: any;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    json = undefined;
  }
  if (res.status >= 400) {
    expect(json?.error, `error shape: ${where}`).toBeTypeOf('object');
    const code = json.error.code as keyof typeof ERRORS;
    codes.set(code, (codes.get(code) ?? 0) + 1);
    expect(Object.hasOwn(ERRORS, code), `unknown code: ${where}`).toBe(true);
    expect(ERRORS[code].status, `status of ${code}: ${where}`).toBe(res.status);
    expect(json.error.message, where).toBeTypeOf('string');
    if (RETRY_LATER_CODES[res.status]) {
      expect(RETRY_LATER_CODES[res.status], where).toContain(code);
      expect(Number(res.headers['retry-after']), `Retry-After: ${where}`).toBeGreaterThan(0);
    }
    if (expectation.openAi) {
      expect(json.error.type, where).toBe('invalid_request_error');
      expect('param' in json.error, where).toBe(true);
    }
  }
  // Made by the server, whatever the client sent (ids are primary keys).
  expect(res.headers['x-request-id'], `x-request-id: ${where}`).toMatch(/^req_[0-9a-f]{24}$/);
  expect(res.headers.traceresponse, `traceresponse: ${where}`).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  return json;
}

/** Header lines from a record (undefined values left out), one name each. */
function headerLines(headers: Record<string, string | undefined>): string[] {
  return Object.entries(headers)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}: ${v}`);
}

/** A request the test builds byte by byte; `connection: close` so each answer ends its connection. */
async function send(
  server: Server_,
  method: string,
  target: string,
  /** `host: null` sends no Host header. */
  options: {
    headers?: Record<string, string | undefined>;
    body?: Buffer | string;
    auth?: string;
    contentLength?: string | null;
    halfClose?: boolean;
    host?: string | null;
  } = {},
): Promise<Exchange> {
  const body = options.body ?? '';
  const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const lines = [
    `${method} ${target} HTTP/1.1`,
    ...(options.host === null ? [] : [`host: ${options.host ?? `127.0.0.1:${server.port}`}`]),
    ...headerLines({ authorization: options.auth !== undefined ? `Bearer ${options.auth}` : undefined, ...options.headers }),
    ...(options.contentLength === null ? [] : [`content-length: ${options.contentLength ?? bytes}`]),
    'connection: close',
  ];
  try {
    const timeoutMs = target.startsWith('/v1/images/') ? SYNC_TIMEOUT_MS + 15_000 : TIMEOUT_MS;
    return await exchange(server.port, lines.join('\r\n'), body, { timeoutMs, halfClose: options.halfClose });
  } catch (err) {
    if (err instanceof ExchangeTimeout) throw new Error(`hang: ${err.message}`, { cause: err });
    throw err;
  }
}

const JSON_TYPE = { 'content-type': 'application/json' };
const keyFor = (server: Server_) => (server.name === 'keyed' ? KEY : undefined);

/** A 202: the generation is stored as sent (GET by its owner), hidden from another client, then canceled so the worker stays free. */
async function verifyAccepted(
  server: Server_,
  res: Exchange,
  json: any,
  body: JsonBody | undefined,
  auth: string | undefined,
): Promise<void> {
  accepted++;
  expect(json.id).toBe(res.headers['x-request-id']);
  expect(json.status).toBe('queued');
  const got = await send(server, 'GET', `/v1/generations/${json.id}`, { auth });
  const view = checkAnswer(got, `GET accepted ${json.id}`);
  expect(got.status).toBe(200);
  expect(view.id).toBe(json.id);
  expect(['queued', 'running', 'succeeded', 'failed', 'canceled']).toContain(view.status);
  expect(view.prompt_hash).toMatch(/^[0-9a-f]{64}$/);
  expect(view.params.seed).toBe(json.seed);
  const sent = body?.parsed as Record<string, unknown> | undefined;
  if (sent && typeof sent === 'object') {
    const expected = (field: string, fallback: number) =>
      typeof sent[field] === 'number' ? (Object.is(sent[field], -0) ? 0 : sent[field]) : fallback;
    expect(view.params.steps, 'steps as sent').toBe(expected('steps', 25));
    expect(view.params.n, 'n as sent').toBe(expected('n', 1));
    expect(view.params.cfg_scale, 'cfg_scale as sent').toBe(expected('cfg_scale', 6));
  }
  if (server.name === 'keyed') {
    const other = await send(server, 'GET', `/v1/generations/${json.id}`, { auth: auth === OTHER_KEY ? KEY : OTHER_KEY });
    checkAnswer(other, 'GET another client');
    expect(other.status, 'another client sees nothing').toBe(404);
  }
  known.push({ id: json.id, server, auth });
  const cancel = await send(server, 'POST', `/v1/generations/${json.id}/cancel`, { auth });
  checkAnswer(cancel, `cancel ${json.id}`);
  expect([200, 202, 409]).toContain(cancel.status);
}

async function postGeneration(server: Server_, body: JsonBody, what: string): Promise<boolean> {
  cases++;
  const auth = keyFor(server);
  const res = await send(server, 'POST', '/v1/generations', { headers: JSON_TYPE, body: body.text, auth });
  const json = checkAnswer(res, `${what} ${body.text.slice(0, 200)}`);
  if (res.status === 202) await verifyAccepted(server, res, json, body, auth);
  else expect(res.status, body.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
  return true;
}

function startSink(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      exported.push(Buffer.concat(chunks).toString('utf8'));
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dsc-fuzz-api-'));
  sink = await startSink();
  const env = {
    DIFFSCOPE_DATA_DIR: dir,
    DIFFSCOPE_MODELS_DIR: FIXTURE_MODELS,
    DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel',
    DIFFSCOPE_PROMPT_HASH_SECRET: 'fuzz-prompt-hash-secret-0123456789',
    DIFFSCOPE_LOG_LEVEL: 'debug',
    // Quotas are not under test here: thousands of accepted generations must not hit them.
    DIFFSCOPE_MAX_QUEUE_DEPTH: '100000',
    DIFFSCOPE_CLIENT_MAX_QUEUED: '100000',
    DIFFSCOPE_CLIENT_MAX_ACTIVE: '100000',
    DIFFSCOPE_RETENTION_SWEEP_INTERVAL_MS: '0',
    DIFFSCOPE_SYNC_TIMEOUT_MS: String(SYNC_TIMEOUT_MS),
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_PROPAGATORS: 'tracecontext,baggage,b3,jaeger,xray,gcp',
    OTEL_BSP_SCHEDULE_DELAY: '500',
    OTEL_METRIC_EXPORT_INTERVAL: '600000',
  };
  const [openPort, keyedPort] = [await freePort(), await freePort()];
  const [openProcess, keyedProcess, workerProcess] = await Promise.all([
    startServiceProcess('api', { ...env, DIFFSCOPE_API_PORT: String(openPort), OTEL_SERVICE_NAME: 'api-open' }, 'api_listening'),
    startServiceProcess(
      'api',
      {
        ...env,
        DIFFSCOPE_API_PORT: String(keyedPort),
        OTEL_SERVICE_NAME: 'api-keyed',
        DIFFSCOPE_HTTP_HEADERS_TIMEOUT_MS: '3000',
        DIFFSCOPE_HTTP_REQUEST_TIMEOUT_MS: '5000',
        DIFFSCOPE_API_KEYS: Object.entries(API_KEYS)
          .map(([k, c]) => `${k}:${c}`)
          .join(','),
      },
      'api_listening',
    ),
    startServiceProcess('worker', env, 'worker_started'),
  ]);
  open = { name: 'open', port: openPort, process: openProcess };
  keyed = { name: 'keyed', port: keyedPort, process: keyedProcess };
  worker = workerProcess;
}, 120_000);

afterAll(async () => {
  console.info(
    `API fuzz: ${cases} cases, ${requests} requests, ${accepted} generations accepted, ${imagesReturned} OpenAI images returned, ${streamsOpened} event streams opened; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; worker ERROR lines for a client's parameters ${JSON.stringify(Object.fromEntries(workerRefusals))}; codes ${JSON.stringify(Object.fromEntries([...codes].sort((a, b) => b[1] - a[1])))}`,
  );
  await Promise.all([open?.process.stop(), keyed?.process.stop(), worker?.stop()]);
  await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = <T>(arb: fc.Arbitrary<T>, numRuns: number, property: (value: T) => Promise<unknown>) =>
  fc.assert(
    fc.asyncProperty(arb, async (v) => {
      await property(v);
    }),
    { numRuns },
  );

describe('api-server processes under property-based fuzzing', () => {
  it(`POST /v1/generations bodies, no keys: ${RUNS.bodies} cases`, async () => {
    await run(generationBody, RUNS.bodies, (body) => postGeneration(open, body, 'open'));
  }, 120_000);

  it(`POST /v1/generations bodies, with keys: ${RUNS.keyedBodies} cases`, async () => {
    await run(generationBody, RUNS.keyedBodies, (body) => postGeneration(keyed, body, 'keyed'));
  }, 120_000);

  it(`POST /v1/generations odd JSON (duplicate keys, __proto__, deep nesting, not an object): ${RUNS.oddJson} cases`, async () => {
    await run(fc.tuple(oddJsonBody, fc.boolean()), RUNS.oddJson, ([body, openAi]) =>
      openAi
        ? (async () => {
            cases++;
            const res = await send(open, 'POST', '/v1/images/generations', { headers: JSON_TYPE, body: body.text });
            checkAnswer(res, `openai odd ${body.text.slice(0, 200)}`, { openAi: true });
          })()
        : postGeneration(open, body, 'odd'),
    );
  }, 120_000);

  it(`raw bodies under every content type and encoding, oversized too: ${RUNS.rawBodies} cases`, async () => {
    const arb = fc.record({
      // Oversized bodies by their size only (a counterexample must print short).
      body: fc.oneof({ weight: 5, arbitrary: rawBodyBytes }, { weight: 1, arbitrary: fc.integer({ min: 65_537, max: 300_000 }) }),
      type: fc.constantFrom(...CONTENT_TYPES, undefined),
      encoding: fc.constantFrom(...CONTENT_ENCODINGS),
      gzip: fc.boolean(),
      route: fc.constantFrom('/v1/generations', '/v1/images/generations'),
    });
    await run(arb, RUNS.rawBodies, async ({ body: bodyOrSize, type, encoding, gzip, route }) => {
      cases++;
      const body = typeof bodyOrSize === 'number' ? Buffer.from(`{"prompt":"${CANARY}${'z'.repeat(bodyOrSize)}"}`) : bodyOrSize;
      const bytes = gzip ? gzipSync(body) : body;
      const res = await send(open, 'POST', route, {
        headers: { 'content-type': type, 'content-encoding': encoding ?? (gzip ? 'gzip' : undefined) },
        body: bytes,
      });
      const json = checkAnswer(res, `raw ${type} ${encoding} ${body.subarray(0, 80).toString('latin1')}`, {
        openAi: route !== '/v1/generations',
        mayClose: bytes.length > 65_536,
      });
      if (res.status === 202) await verifyAccepted(open, res, json, undefined, undefined);
      // Over the body limit: refused for its size, or for its type before it is read.
      if (bytes.length > 65_536 && res.status !== 0) expect([413, 415]).toContain(res.status);
    });
  }, 120_000);

  it(`POST /v1/images/generations (OpenAI) bodies: ${RUNS.openAi} cases`, async () => {
    await run(fc.tuple(openAiBody, fc.boolean()), RUNS.openAi, async ([body, withKey]) => {
      cases++;
      const server = withKey ? keyed : open;
      const res = await send(server, 'POST', '/v1/images/generations', { headers: JSON_TYPE, body: body.text, auth: keyFor(server) });
      const json = checkAnswer(res, `openai ${body.text.slice(0, 200)}`, { openAi: true });
      if (res.status === 200) {
        const sent = body.parsed as { n?: unknown; response_format?: unknown };
        expect(json.data).toHaveLength(typeof sent.n === 'number' ? sent.n : 1);
        for (const item of json.data) expect(sent.response_format === 'b64_json' ? item.b64_json : item.url).toBeTypeOf('string');
        imagesReturned += json.data.length;
        known.push({ id: res.headers['x-request-id'], server, auth: keyFor(server) });
      }
    });
  }, 240_000);

  it(`trace context, baggage, x-request-id and accept headers: ${RUNS.headers} cases`, async () => {
    const arb = fc.record({
      keyed: fc.boolean(),
      traceparent: fc.option(
        fc.oneof(
          validTraceparent,
          traceparentHeader.map((header) => ({ header, traceId: undefined })),
        ),
        { nil: undefined },
      ),
      tracestate: fc.option(tracestateHeader, { nil: undefined }),
      baggage: fc.option(baggageHeader, { nil: undefined }),
      others: fc.option(otherTraceHeaders, { nil: undefined }),
      requestId: fc.option(requestIdHeader, { nil: undefined }),
      accept: fc.option(acceptHeader, { nil: undefined }),
      expect: fc.option(expectHeader, { nil: undefined, freq: 4 }),
    });
    await run(arb, RUNS.headers, async (h) => {
      cases++;
      const server = h.keyed ? keyed : open;
      const headers = {
        ...JSON_TYPE,
        traceparent: h.traceparent?.header,
        tracestate: h.tracestate,
        baggage: h.baggage,
        'x-request-id': h.requestId,
        accept: h.accept,
        expect: h.expect,
        ...h.others,
      };
      const body = JSON.stringify({ prompt: `a ${CANARY}`, steps: 2 });
      const res = await send(server, 'POST', '/v1/generations', { headers, body, auth: keyFor(server) });
      // Bytes a header may not hold (controls), or more header bytes than Node reads: refused before the app.
      const wireSafe =
        Object.values(headers).every((v) => v === undefined || /^[\t\x20-\x7e\x80-\xff]*$/.test(v)) &&
        headerLines(headers).join('').length < 15_000;
      const json = checkAnswer(res, `headers ${JSON.stringify(headers).slice(0, 300)}`, { mayBeRefusedByParser: !wireSafe });
      if (wireSafe) expect(res.status, JSON.stringify(headers).slice(0, 300)).toBe(202);
      else expect([202, 400, 431, 0]).toContain(res.status);
      if (res.status !== 202) return;
      await verifyAccepted(server, res, json, undefined, keyFor(server));
      // Continued without keys; with keys only linked (another tenant's trace id must not be writable).
      const traceId = h.traceparent?.traceId;
      if (traceId && !h.others)
        expect(json.trace_id === traceId, `trace ${traceId} continued by the ${server.name} server`).toBe(server.name === 'open');
    });
  }, 120_000);

  it(`Host headers and absolute-form targets (DNS-rebinding guard): ${RUNS.host} cases`, async () => {
    // Where the host is named: the Host header, or (absolute-form, RFC 9112 §3.2.2) the request target, which then overrides Host.
    const form = fc.constantFrom('host header', 'absolute-form', 'absolute-form, no host header');
    await run(
      fc.tuple(hostHeader, form, fc.constantFrom('GET /v1/models', 'GET /healthz', 'GET /v1/generations/x', 'POST /v1/generations')),
      RUNS.host,
      async ([host, where, request]) => {
        cases++;
        const [method, path] = request.split(' ');
        const body = method === 'POST' ? JSON.stringify({ prompt: CANARY, steps: 1 }) : '';
        const absolute = where !== 'host header';
        const res = await send(open, method, absolute ? `http://${host.value}${path}` : path, {
          host: absolute ? (where === 'absolute-form' ? '127.0.0.1' : null) : host.value,
          headers: method === 'POST' ? JSON_TYPE : {},
          body,
        });
        const what = `host ${JSON.stringify(host.value)} (${where}) ${request}`;
        // A target that is no URL at all is the parser's to refuse.
        const json = checkAnswer(res, what, { mayBeRefusedByParser: absolute && /[\s]/.test(host.value) });
        if (where === 'absolute-form, no host header') {
          // HTTP/1.1 requires Host whatever the target's form (RFC 9112 §3.2).
          expect(res.status === 400 || res.status === 0, what).toBe(true);
          return;
        }
        // In a target, `/`, `?` or `#` end the authority early (`http://localhost/x/…` names localhost): only the answer's shape is checked.
        if (absolute && /[/?#]/.test(host.value)) return;
        if (host.allowed) expect(res.status, what).not.toBe(403);
        // A refused host is refused; an absolute target that is no URL may be refused as such first.
        else if (!(absolute && res.status === 400)) expect(json?.error?.code, what).toBe('DSC_ERR_API_HOST_NOT_ALLOWED');
        if (res.status === 202) await verifyAccepted(open, res, json, undefined, undefined);
      },
    );
  }, 120_000);

  // Counterexamples of the Host and headers properties, kept.
  it('regression: an absolute-form target naming a refused host is refused, whatever Host says', async () => {
    const res = await send(open, 'GET', 'http://0.0.0.0/v1/models', { host: '127.0.0.1' });
    expect(checkAnswer(res, 'absolute-form 0.0.0.0').error.code).toBe('DSC_ERR_API_HOST_NOT_ALLOWED');
    const allowed = await send(open, 'GET', `http://localhost:${open.port}/v1/models`, { host: 'evil.example' });
    checkAnswer(allowed, 'absolute-form localhost');
    expect(allowed.status).toBe(200);
  });

  it('regression: an Expect other than 100-continue is ignored (it was a bare 417 from Node)', async () => {
    const res = await send(open, 'POST', '/v1/generations', {
      headers: { ...JSON_TYPE, expect: 'foo' },
      body: JSON.stringify({ prompt: `a ${CANARY}`, steps: 1 }),
    });
    const json = checkAnswer(res, 'expect: foo');
    expect(res.status).toBe(202);
    await verifyAccepted(open, res, json, undefined, undefined);
  });

  it('regression: an HTTP/1.1 request without Host is refused in the error shape (it was a bare 400 from Node); HTTP/1.0 needs none', async () => {
    const res = await send(open, 'GET', '/v1/models', { host: null });
    const json = checkAnswer(res, 'no Host');
    expect(res.status).toBe(400);
    expect(json.error.code).toBe('DSC_ERR_API_VALIDATION');
    const old = await exchange(open.port, 'GET /v1/models HTTP/1.0', '', { timeoutMs: TIMEOUT_MS });
    checkAnswer(old, 'HTTP/1.0 without Host');
    expect(old.status).toBe(200);
  });

  it(`authorization with keys configured: ${RUNS.auth} cases`, async () => {
    await run(
      fc.tuple(
        authorizationHeader,
        fc.constantFrom(
          'GET /v1/models',
          'GET /healthz',
          'GET /v1/generations/req_000000000000000000000000',
          'POST /v1/generations',
          'GET /openapi.json',
          'GET /nope',
        ),
      ),
      RUNS.auth,
      async ([auth, request]) => {
        cases++;
        const [method, path] = request.split(' ');
        const body = method === 'POST' ? JSON.stringify({ prompt: CANARY, steps: 1 }) : '';
        const headers = { ...(method === 'POST' ? JSON_TYPE : {}), authorization: auth.value };
        const wireSafe = auth.value === undefined || /^[\t\x20-\x7e\x80-\xff]*$/.test(auth.value);
        const res = await send(keyed, method, path, { headers, body });
        const json = checkAnswer(res, `authorization ${JSON.stringify(auth.value)} ${request}`, { mayBeRefusedByParser: !wireSafe });
        if (!wireSafe) return;
        if (path === '/healthz') expect(res.status).toBe(200);
        else if (auth.valid) expect(res.status, `${auth.value} ${request}`).not.toBe(401);
        else expect(json?.error?.code, `${auth.value} ${request}`).toBe('DSC_ERR_API_UNAUTHORIZED');
        if (res.status === 202) {
          const key = /\b(k_\w+)/.exec(auth.value!)![1];
          await verifyAccepted(keyed, res, json, undefined, key);
        }
      },
    );
  }, 120_000);

  it(`content-length that lies, duplicate or conflicting framing: ${RUNS.framing} cases`, async () => {
    const framing = fc.oneof(
      fc.integer({ min: -64, max: 64 }).map((delta) => ({ contentLength: (d: number) => String(Math.max(0, d + delta)), extra: {} })),
      fc
        .constantFrom('-1', '1e3', '0x10', ' 10', '10, 10', '10, 11', '99999999999999999999', '', 'abc')
        .map((v) => ({ contentLength: () => v, extra: {} })),
      fc.constant({ contentLength: (d: number) => String(d), extra: { 'transfer-encoding': 'chunked' } }),
      fc.constant({ contentLength: () => null, extra: { 'transfer-encoding': 'chunked, identity' } }),
      fc.constant({ contentLength: () => null, extra: {} }),
    );
    await run(
      fc.tuple(
        fc.tuple(fc.string({ maxLength: 30 })).map(([p]) => JSON.stringify({ prompt: `${p} ${CANARY}`, steps: 1 })),
        framing,
        fc.boolean(),
      ),
      RUNS.framing,
      async ([body, f, keyedServer]) => {
        cases++;
        const server = keyedServer ? keyed : open;
        const res = await send(server, 'POST', '/v1/generations', {
          headers: { ...JSON_TYPE, ...f.extra },
          body,
          auth: keyFor(server),
          contentLength: f.contentLength(Buffer.byteLength(body)),
          halfClose: true,
        });
        const json = checkAnswer(res, `framing ${f.contentLength(Buffer.byteLength(body))} ${JSON.stringify(f.extra)}`, {
          mayClose: true,
          mayBeRefusedByParser: true,
        });
        if (res.status === 202) await verifyAccepted(server, res, json, undefined, keyFor(server));
      },
    );
  }, 120_000);

  it(`ids, paths, queries, Last-Event-ID and methods of the read routes: ${RUNS.paths} cases`, async () => {
    // A random id, or (by index, so a counterexample prints short) one of the accepted generations.
    const id = fc.oneof(
      { weight: 1, arbitrary: idSegment.map((raw) => ({ raw, known: undefined as number | undefined })) },
      { weight: 1, arbitrary: fc.nat().map((i) => ({ raw: '', known: i })) },
    );
    const arb = fc.record({
      id,
      route: fc.oneof(
        { weight: 3, arbitrary: fc.constant('GET /events') },
        {
          weight: 6,
          arbitrary: fc.constantFrom(
            'GET ',
            'GET /images/',
            'POST /cancel',
            'DELETE ',
            'PUT ',
            'PATCH /cancel',
            'HEAD ',
            'OPTIONS /events',
          ),
        },
      ),
      k: fc.oneof(fc.nat(9).map(String), idSegment),
      query: queryString,
      lastEventId: fc.option(lastEventId, { nil: undefined }),
      accept: fc.option(acceptHeader, { nil: undefined }),
      wrongKey: fc.boolean(),
    });
    await run(arb, RUNS.paths, async (c) => {
      cases++;
      const entry = c.id.known !== undefined && known.length ? known[c.id.known % known.length] : undefined;
      const server = entry?.server ?? (c.wrongKey ? keyed : open);
      const segment = entry?.id ?? (c.id.raw || 'x');
      const [method, suffix] = c.route.split(' ');
      const path = `/v1/generations/${segment}${suffix}${suffix === '/images/' ? c.k : ''}${c.query}`;
      const auth = entry
        ? c.wrongKey && server.name === 'keyed'
          ? entry.auth === OTHER_KEY
            ? KEY
            : OTHER_KEY
          : entry.auth
        : keyFor(server);
      const headers = { 'last-event-id': c.lastEventId, accept: c.accept };
      const wireSafe =
        Object.values(headers).every((v) => v === undefined || /^[\t\x20-\x7e\x80-\xff]*$/.test(v)) &&
        headerLines(headers).join('').length < 15_000;
      const res = await send(server, method, path, {
        headers,
        auth,
        contentLength: method === 'GET' || method === 'HEAD' ? null : undefined,
      });
      // HEAD answers carry no body: only the head can be checked.
      if (method === 'HEAD') {
        count(res);
        expect(res.status < 500, `HEAD ${path} → ${res.status}`).toBe(true);
        return;
      }
      checkAnswer(res, `${method} ${path.slice(0, 200)}`, { mayBeRefusedByParser: true });
      if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) streamsOpened++;
      if (res.status === 0) expect(wireSafe && /^[\x21-\x7e]*$/.test(path), `closed without an answer: ${method} ${path}`).toBe(false);
    });
  }, 120_000);

  // Counterexamples the fuzzer found (Node's parser refused them and Fastify answered `{"error":"Bad Request"}`
  // without x-request-id); src/api/client-error-handler.ts now answers them in the API's shape.
  it.each([
    ['a NUL in x-request-id', { 'x-request-id': '\u0000' }, undefined, 'DSC_ERR_API_VALIDATION'],
    ['a NUL in baggage', { baggage: '\u0000' }, undefined, 'DSC_ERR_API_VALIDATION'],
    ['a NUL in an uberctx- header', { 'uberctx-k': '\u0000' }, undefined, 'DSC_ERR_API_VALIDATION'],
    ['a NUL in authorization', { authorization: '\u0000' }, undefined, 'DSC_ERR_API_VALIDATION'],
    ['content-length beside transfer-encoding: chunked', { 'transfer-encoding': 'chunked' }, '44', 'DSC_ERR_API_VALIDATION'],
    ['content-length -1', {}, '-1', 'DSC_ERR_API_VALIDATION'],
    ['20,000 bytes of accept', { accept: 'a'.repeat(20_000) }, undefined, 'DSC_ERR_API_HEADERS_TOO_LARGE'],
  ] as const)('regression: %s is answered in the error shape', async (_name, headers, contentLength, code) => {
    const body = JSON.stringify({ prompt: `a ${CANARY}`, steps: 1 });
    const res = await send(open, 'POST', '/v1/generations', {
      headers: { ...JSON_TYPE, ...headers },
      body,
      contentLength,
      halfClose: true,
    });
    const json = checkAnswer(res, `regression ${_name}`);
    expect(json.error.code).toBe(code);
    expect(res.headers.connection).toBe('close');
  });

  it('regression: a body that stops coming is answered 408 DSC_ERR_API_REQUEST_TIMEOUT in the error shape', async () => {
    // The keyed server runs with a 5 s request deadline; the socket stays open (no FIN), so only the deadline ends it.
    const res = await send(keyed, 'POST', '/v1/generations', { headers: JSON_TYPE, body: '{"prompt":"a', contentLength: '100', auth: KEY });
    const json = checkAnswer(res, 'stalled body');
    expect(res.status).toBe(408);
    expect(json.error.code).toBe('DSC_ERR_API_REQUEST_TIMEOUT');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('afterwards: the same processes, still answering, nothing polluted, and the canary nowhere but the job payload', async () => {
    for (const server of [open, keyed]) {
      expect(server.process.alive(), `${server.name} pid ${server.process.pid}`).toBe(true);
      for (const probe of ['/healthz', '/readyz']) {
        const res = await send(server, 'GET', probe);
        count(res);
        expect(res.status, `${server.name} ${probe}`).toBe(200);
      }
      // A plain request still gets the defaults: no `__proto__` or `constructor` member changed them.
      const auth = keyFor(server);
      const res = await send(server, 'POST', '/v1/generations', {
        headers: JSON_TYPE,
        body: JSON.stringify({ prompt: `after ${CANARY}` }),
        auth,
      });
      const json = checkAnswer(res, 'after');
      expect(res.status).toBe(202);
      const view = checkAnswer(await send(server, 'GET', `/v1/generations/${json.id}`, { auth }), 'after GET');
      expect(view.params).toMatchObject({ steps: 25, n: 1, cfg_scale: 6, model: 'tiny-pixel' });
      expect(view).not.toHaveProperty('polluted');
    }
    expect(worker.alive(), `worker pid ${worker.pid}`).toBe(true);
    // Stopped here (not in afterAll) so that their last spans and logs are flushed before the scan.
    const exits = await Promise.all([open.process.stop(), keyed.process.stop(), worker.stop()]);
    expect(exits).toEqual([0, 0, 0]);
    for (const [name, p] of [
      ['open api', open.process],
      ['keyed api', keyed.process],
      ['worker', worker],
    ] as const) {
      expect(p.stdout().includes(CANARY), `canary in ${name}'s stdout`).toBe(false);
      expect(p.stderr().includes(CANARY), `canary in ${name}'s stderr`).toBe(false);
      // 503 is one of the documented answers (RETRY_LATER_CODES); any other 5xx logged is a failure.
      expect(p.stdout(), `${name} logged a 5xx`).not.toMatch(/"status":(50[0-24-9]|5[1-9]\d)\b/);
      const errors = p
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"level":"ERROR"'));
      if (p !== worker) {
        // Nothing a client sent is an error of the server's (request_error, sse_failed, unhandled_rejection, …).
        expect(
          errors.map((line) => line.slice(0, 400)),
          `${name}'s ERROR lines`,
        ).toEqual([]);
      } else {
        // A generation the API accepted may still fail in the pipeline for its parameters (lcm allows fewer
        // steps than the limits table): only for a client's reason, never a server's.
        for (const line of errors) {
          const code = /"(?:code|error\.type)":"(DSC_ERR_[A-Z_]+)"/.exec(line)?.[1] as keyof typeof ERRORS | undefined;
          expect(code && ERRORS[code]?.status < 500, `worker ERROR line for a server reason: ${line.slice(0, 400)}`).toBe(true);
          workerRefusals.set(code!, (workerRefusals.get(code!) ?? 0) + 1);
        }
      }
    }
    // The scans below look at real output: the request lines and the spans of this run are there.
    expect(open.process.stdout()).toContain('"event":"request_received"');
    expect(
      exported.some((body) => body.includes('POST /v1/generations')),
      'spans of this run were exported',
    ).toBe(true);
    expect(
      exported.some((body) => body.includes(CANARY)),
      'canary in exported telemetry',
    ).toBe(false);
  }, 60_000);
});
