/**
 * Issue 9: property-based fuzzing (fast-check) of the OTLP receiver of a real explorer process:
 * OTLP/JSON structures with every field of every type, OTLP protobuf messages (valid structure,
 * hostile values), byte-level mutations of valid protobuf bodies, and raw bytes — thousands of
 * cases. Every answer must be 200/400/413 (a 503 only with Retry-After), the process must keep
 * its PID and keep answering, and a valid export sent afterwards must be stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { otlpTypes } from '../../../src/explorer/index.js';
import { newTraceId, tracesPayload } from '../fixtures.js';
import { startExplorerProcess, type ExplorerProcess } from './explorer-process.js';

const RUNS = { json: 1500, protobuf: 1500, mutated: 1000, raw: 500 };

let ex: ExplorerProcess;
const statuses = new Map<number, number>();
let cases = 0;
let retryAfterMissing = 0;

beforeAll(async () => {
  ex = await startExplorerProcess({ DIFFSCOPE_OTLP_MAX_BODY_BYTES: String(4 * 1024 * 1024) });
});
afterAll(async () => {
  // the numbers the closing note asks for
  console.info(
    `OTLP fuzz: ${cases} cases, answers ${JSON.stringify(Object.fromEntries(statuses))}, explorer pid ${ex?.pid} alive: ${ex?.alive()}`,
  );
  await ex?.stop();
});

async function send(path: string, body: Uint8Array | string, contentType: string, contentEncoding?: string): Promise<boolean> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (contentEncoding) headers['content-encoding'] = contentEncoding;
  const res = await fetch(`${ex.otlpUrl}${path}`, { method: 'POST', headers, body });
  await res.arrayBuffer();
  cases++;
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  if (res.status === 503 && !res.headers.get('retry-after')) retryAfterMissing++;
  return [200, 400, 413].includes(res.status) || (res.status === 503 && res.headers.get('retry-after') !== null);
}

// ---- OTLP/JSON: the right shape with hostile values, and wrong types anywhere
const hexId = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const anyJson = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);
const jsonNanos = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  fc.nat(),
  fc.constantFrom('-1', '1e9', '', '4102444800000000000', '99999999999999999999999'),
  anyJson,
);

const { anyValue: jsonAnyValue } = fc.letrec<{ anyValue: unknown; kv: unknown }>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ stringValue: fc.oneof(fc.string(), fc.string({ minLength: 70_000, maxLength: 70_001 }), anyJson) }),
    fc.record({ intValue: fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), fc.integer(), anyJson) }),
    fc.record({ doubleValue: fc.oneof(fc.double(), fc.constantFrom('NaN', 'Infinity', '-Infinity', 'x'), anyJson) }),
    fc.record({ boolValue: fc.oneof(fc.boolean(), anyJson) }),
    fc.record({ bytesValue: fc.oneof(fc.base64String(), anyJson) }),
    fc.record({ arrayValue: fc.record({ values: fc.oneof(fc.array(tie('anyValue'), { maxLength: 4 }), anyJson) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.oneof(fc.array(tie('kv'), { maxLength: 4 }), anyJson) }) }),
    anyJson,
  ),
  kv: fc.record(
    { key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'service.name', ''), anyJson), value: tie('anyValue') },
    { requiredKeys: [] },
  ),
}));
const jsonAttributes = fc.oneof(
  fc.array(fc.letrec(() => ({ kv: fc.record({ key: fc.oneof(fc.string(), fc.constant('__proto__')), value: jsonAnyValue }) })).kv, {
    maxLength: 6,
  }),
  anyJson,
);

const jsonSpan = fc.record(
  {
    traceId: fc.oneof(
      hexId(16),
      hexId(8),
      fc.constant('0'.repeat(32)),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF') }),
      anyJson,
    ),
    spanId: fc.oneof(hexId(8), hexId(4), fc.constant('0'.repeat(16)), anyJson),
    parentSpanId: fc.oneof(hexId(8), anyJson),
    name: fc.oneof(fc.string(), anyJson),
    kind: fc.oneof(
      fc.integer({ min: -2, max: 8 }),
      fc.constantFrom('SPAN_KIND_SERVER', 'SPAN_KIND_NOPE', 'toString', '__proto__'),
      anyJson,
    ),
    startTimeUnixNano: jsonNanos,
    endTimeUnixNano: jsonNanos,
    attributes: jsonAttributes,
    droppedAttributesCount: fc.oneof(fc.nat(), fc.integer(), anyJson),
    events: fc.oneof(
      fc.array(
        fc.record({ timeUnixNano: jsonNanos, name: fc.oneof(fc.string(), anyJson), attributes: jsonAttributes }, { requiredKeys: [] }),
        { maxLength: 3 },
      ),
      anyJson,
    ),
    links: fc.oneof(
      fc.array(
        fc.record(
          { traceId: fc.oneof(hexId(16), anyJson), spanId: fc.oneof(hexId(8), anyJson), attributes: jsonAttributes },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      anyJson,
    ),
    status: fc.oneof(
      fc.record(
        { code: fc.oneof(fc.integer(), fc.constantFrom('STATUS_CODE_ERROR', 'x'), anyJson), message: fc.oneof(fc.string(), anyJson) },
        { requiredKeys: [] },
      ),
      anyJson,
    ),
    flags: fc.oneof(fc.nat(), anyJson),
    traceState: fc.oneof(fc.string(), anyJson),
  },
  { requiredKeys: [] },
);

const jsonLog = fc.record(
  {
    timeUnixNano: jsonNanos,
    observedTimeUnixNano: jsonNanos,
    severityNumber: fc.oneof(fc.integer({ min: -1, max: 30 }), fc.constantFrom('SEVERITY_NUMBER_WARN', 'nope'), anyJson),
    severityText: fc.oneof(fc.string(), anyJson),
    body: jsonAnyValue,
    attributes: jsonAttributes,
    traceId: fc.oneof(hexId(16), anyJson),
    spanId: fc.oneof(hexId(8), anyJson),
    eventName: fc.oneof(fc.string(), anyJson),
  },
  { requiredKeys: [] },
);

const resource = fc.oneof(fc.record({ attributes: jsonAttributes }, { requiredKeys: [] }), anyJson);
const jsonTraces = fc.record(
  {
    resourceSpans: fc.oneof(
      fc.array(
        fc.record(
          {
            resource,
            scopeSpans: fc.oneof(
              fc.array(
                fc.record(
                  {
                    scope: fc.oneof(
                      fc.record({ name: fc.oneof(fc.string(), anyJson), version: fc.oneof(fc.string(), anyJson) }, { requiredKeys: [] }),
                      anyJson,
                    ),
                    spans: fc.oneof(fc.array(jsonSpan, { maxLength: 4 }), anyJson),
                  },
                  { requiredKeys: [] },
                ),
                { maxLength: 2 },
              ),
              anyJson,
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 2 },
      ),
      anyJson,
    ),
  },
  { requiredKeys: [] },
);
const jsonLogs = fc.record(
  {
    resourceLogs: fc.oneof(
      fc.array(
        fc.record(
          {
            resource,
            scopeLogs: fc.oneof(
              fc.array(
                fc.record(
                  {
                    scope: fc.oneof(fc.record({ name: fc.string() }), anyJson),
                    logRecords: fc.oneof(fc.array(jsonLog, { maxLength: 4 }), anyJson),
                  },
                  { requiredKeys: [] },
                ),
                { maxLength: 2 },
              ),
              anyJson,
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 2 },
      ),
      anyJson,
    ),
  },
  { requiredKeys: [] },
);

// ---- protobuf: messages protobufjs can encode, with hostile values (ids of any length, times up to 2^64-1, deep values)
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const { pbValue } = fc.letrec<{ pbValue: unknown; pbKv: unknown }>((tie) => ({
  pbValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ stringValue: fc.string() }),
    fc.record({ intValue: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) }),
    fc.record({ doubleValue: fc.double() }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ bytesValue: bytes(40) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('pbValue'), { maxLength: 4 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(tie('pbKv'), { maxLength: 4 }) }) }),
    fc.constant({}),
  ),
  pbKv: fc.record({ key: fc.oneof(fc.string(), fc.constant('__proto__')), value: tie('pbValue') }, { requiredKeys: ['key'] }),
}));
const pbAttributes = fc.array(fc.record({ key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'service.name')), value: pbValue }), {
  maxLength: 6,
});
const pbSpan = fc.record(
  {
    traceId: fc.oneof(bytes(20), fc.uint8Array({ minLength: 16, maxLength: 16 })),
    spanId: fc.oneof(bytes(10), fc.uint8Array({ minLength: 8, maxLength: 8 })),
    parentSpanId: bytes(9),
    name: fc.string(),
    kind: fc.integer({ min: -5, max: 10 }),
    startTimeUnixNano: u64,
    endTimeUnixNano: u64,
    attributes: pbAttributes,
    droppedAttributesCount: fc.nat(),
    droppedEventsCount: fc.nat(),
    events: fc.array(fc.record({ timeUnixNano: u64, name: fc.string(), attributes: pbAttributes }), { maxLength: 3 }),
    links: fc.array(fc.record({ traceId: bytes(17), spanId: bytes(9), attributes: pbAttributes }), { maxLength: 3 }),
    status: fc.record({ code: fc.integer({ min: -3, max: 5 }), message: fc.string() }),
    flags: fc.nat(),
    traceState: fc.string(),
  },
  { requiredKeys: [] },
);
const pbTraces = fc.record({
  resourceSpans: fc.array(
    fc.record({
      resource: fc.record({ attributes: pbAttributes }),
      scopeSpans: fc.array(
        fc.record({ scope: fc.record({ name: fc.string(), version: fc.string() }), spans: fc.array(pbSpan, { maxLength: 4 }) }),
        { maxLength: 2 },
      ),
    }),
    { maxLength: 2 },
  ),
});
const pbLogs = fc.record({
  resourceLogs: fc.array(
    fc.record({
      resource: fc.record({ attributes: pbAttributes }),
      scopeLogs: fc.array(
        fc.record({
          logRecords: fc.array(
            fc.record(
              {
                timeUnixNano: u64,
                observedTimeUnixNano: u64,
                severityNumber: fc.integer({ min: -2, max: 40 }),
                severityText: fc.string(),
                body: pbValue,
                attributes: pbAttributes,
                traceId: bytes(17),
                spanId: bytes(9),
                eventName: fc.string(),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 4 },
          ),
        }),
        { maxLength: 2 },
      ),
    }),
    { maxLength: 2 },
  ),
});

const encodeTraces = (o: unknown) =>
  otlpTypes.TraceRequest.encode(otlpTypes.TraceRequest.fromObject(o as Record<string, unknown>)).finish();
const encodeLogs = (o: unknown) => otlpTypes.LogsRequest.encode(otlpTypes.LogsRequest.fromObject(o as Record<string, unknown>)).finish();

describe('OTLP receiver under property-based fuzzing (a real explorer process)', () => {
  it(`OTLP/JSON structures: ${RUNS.json} cases`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), jsonTraces, jsonLogs, (traces, t, l) =>
        send(traces ? '/v1/traces' : '/v1/logs', JSON.stringify(traces ? t : l), 'application/json'),
      ),
      { numRuns: RUNS.json },
    );
  });

  it(`OTLP protobuf messages: ${RUNS.protobuf} cases`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), pbTraces, pbLogs, (traces, t, l) =>
        send(traces ? '/v1/traces' : '/v1/logs', traces ? encodeTraces(t) : encodeLogs(l), 'application/x-protobuf'),
      ),
      { numRuns: RUNS.protobuf },
    );
  });

  it(`byte-level mutations of valid protobuf bodies (and gzip of them): ${RUNS.mutated} cases`, async () => {
    const { gzipSync } = await import('node:zlib');
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), {
      minLength: 1,
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(pbTraces, mutation, fc.boolean(), async (t, edits, gzip) => {
        const body = [...encodeTraces(t)];
        for (const [at, byte, op] of edits) {
          const i = body.length ? at % body.length : 0;
          if (op === 'set' && body.length) body[i] = byte;
          else if (op === 'insert') body.splice(i, 0, byte);
          else body.splice(i, 1);
        }
        const bytesOut = Uint8Array.from(body);
        return send('/v1/traces', gzip ? gzipSync(bytesOut) : bytesOut, 'application/x-protobuf', gzip ? 'gzip' : undefined);
      }),
      { numRuns: RUNS.mutated },
    );
  });

  it(`raw bytes under every content type and encoding: ${RUNS.raw} cases`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom(
          'application/x-protobuf',
          'application/json',
          'application/protobuf',
          'text/plain',
          'application/json; charset=utf-8',
        ),
        fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity', 'x-gzip'),
        fc.constantFrom('/v1/traces', '/v1/logs'),
        (body, type, encoding, path) => send(path, body, type, encoding).then((ok) => ok || type === 'text/plain'),
      ),
      { numRuns: RUNS.raw },
    );
  });

  it('afterwards: the same process, no 5xx (a 503 always with Retry-After), and a valid export is stored', async () => {
    expect(cases).toBe(RUNS.json + RUNS.protobuf + RUNS.mutated + RUNS.raw);
    expect([...statuses.keys()].filter((s) => s >= 500 && s !== 503)).toEqual([]);
    expect(retryAfterMissing).toBe(0);
    expect(ex.alive()).toBe(true);
    const traceId = newTraceId();
    const res = await fetch(`${ex.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: tracesPayload([{ traceId, service: 'after-fuzz', name: 'ok', startMs: Date.now(), durationMs: 1 }]),
    });
    expect(res.status).toBe(200);
    expect((await ex.get(`/api/traces/${traceId}`)).status).toBe(200);
    expect((await ex.get('/api/services')).status).toBe(200);
    // everything the fuzzer managed to store can be read back
    const services = (await ex.get('/api/services')).body.data as string[];
    for (const service of services.slice(0, 50)) {
      const search = await ex.get(`/api/traces?service=${encodeURIComponent(service)}&limit=20`);
      expect(search.status, service).toBe(200);
    }
    expect((await ex.get('/api/logs?limit=500')).status).toBe(200);
  });
});
