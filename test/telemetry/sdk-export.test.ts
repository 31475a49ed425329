/**
 * The SDK in a real child process: `node --import ./dist/telemetry/register.js fixture.mjs`.
 * Batch delays are set to 60 s, so anything the receiver gets was sent by the shutdown flush.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, runFixture } from './child-process.js';
import { startReceiver, type Receiver } from './otlp-receiver.js';

const SERVER = 2;
const CLIENT = 3;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let receiver: Receiver;
let tmp: string;

beforeAll(async () => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'diffscope-telemetry-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function withReceiver<T>(fn: (r: Receiver) => Promise<T>): Promise<T> {
  receiver = await startReceiver();
  try {
    return await fn(receiver);
  } finally {
    await receiver.close();
  }
}

describe('NodeSDK under ESM (child process)', () => {
  it('http/json: the loader hook patches node:http (server AND client spans), resource is complete, logs go out as OTLP records, SIGTERM flushes and exits 0', async () => {
    await withReceiver(async (r) => {
      const result = await runFixture({
        signal: 'parent',
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: r.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_SERVICE_NAME: 'fixture-svc',
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
          DIFFSCOPE_INSTANCE_ID: 'fixture-instance-7',
        },
      });
      expect(result.code, result.stderr).toBe(0);
      const spans = r.jsonSpans();
      const server = spans.find((s) => s.kind === SERVER && s.scope === '@opentelemetry/instrumentation-http');
      const client = spans.find((s) => s.kind === CLIENT && s.scope === '@opentelemetry/instrumentation-http');
      const manual = spans.find((s) => s.name === 'fixture.client');
      expect(server, JSON.stringify(spans.map((s) => [s.name, s.kind, s.scope]))).toBeDefined();
      // node:http was imported with named bindings: only the ESM hook can have patched `get`.
      expect(client).toBeDefined();
      expect(manual).toBeDefined();
      // One trace: manual span → client span → (traceparent over HTTP) → server span.
      expect(client!.traceId).toBe(manual!.traceId);
      expect(client!.parentSpanId).toBe(manual!.spanId);
      expect(server!.traceId).toBe(manual!.traceId);
      expect(server!.parentSpanId).toBe(client!.spanId);
      expect(server!.resource).toMatchObject({
        'service.name': 'fixture-svc',
        'service.version': VERSION,
        'service.instance.id': 'fixture-instance-7',
        'deployment.environment.name': 'test',
      });

      // stdout log lines: the one written inside the server handler carries the server span's ids.
      const received = result.logLines.find((l) => l.event === 'request_received')!;
      expect(received).toMatchObject({ trace_id: server!.traceId, span_id: server!.spanId, instance_id: 'fixture-instance-7' });

      // The same records as OTLP log records.
      const logs = r.jsonLogs();
      const otelReceived = logs.find((l) => l.eventName === 'request_received');
      const otelComplete = logs.find((l) => l.eventName === 'request_complete');
      expect(otelReceived, JSON.stringify(logs)).toBeDefined();
      expect(otelReceived).toMatchObject({
        severityText: 'INFO',
        severityNumber: 9,
        body: 'request_received',
        traceId: server!.traceId,
        spanId: server!.spanId,
      });
      expect(otelReceived!.attributes).toMatchObject({ event: 'request_received', path: '/hello', service: 'fixture-app' });
      expect(otelComplete!.attributes).toMatchObject({ request_id: 'req_fixture', client_id: 'fixture-client', status: 'success' });
      expect(otelComplete!.resource['service.name']).toBe('fixture-svc');

      // Shutdown hooks ran in reverse order, a throwing one did not stop the rest, and a line
      // logged by the last hook was still flushed as an OTLP record.
      const hookOrder = result.stderr
        .split('\n')
        .filter((l) => l.startsWith('HOOK '))
        .map((l) => l.slice(5));
      expect(hookOrder).toEqual(['second-registered', 'first-registered']);
      expect(logs.some((l) => l.eventName === 'fixture_hook_ran')).toBe(true);
    });
  });

  it('http/protobuf: traces and logs arrive as application/x-protobuf, flushed when the process signals itself', async () => {
    await withReceiver(async (r) => {
      const result = await runFixture({
        signal: 'self',
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_SERVICE_NAME: 'proto-svc' },
      });
      expect(result.code, result.stderr).toBe(0);
      const traces = r.requests.filter((q) => q.path === '/v1/traces');
      const logs = r.requests.filter((q) => q.path === '/v1/logs');
      expect(traces.length).toBeGreaterThan(0);
      expect(logs.length).toBeGreaterThan(0);
      for (const q of [...traces, ...logs]) expect(q.contentType).toBe('application/x-protobuf');
      // Protobuf strings are raw UTF-8 in the payload.
      const traceBytes = Buffer.concat(traces.map((q) => q.body)).toString('latin1');
      expect(traceBytes).toContain('fixture.client');
      expect(traceBytes).toContain('@opentelemetry/instrumentation-http');
      expect(traceBytes).toContain('proto-svc');
      expect(Buffer.concat(logs.map((q) => q.body)).toString('latin1')).toContain('request_complete');
    });
  });

  it('control: without the loader hook the named-import client call is NOT patched (so the test above proves the hook)', async () => {
    const noHook = join(tmp, 'no-hook.mjs');
    writeFileSync(
      noHook,
      `const { startTelemetrySdk } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/telemetry/sdk-start.js')).href)});\nstartTelemetrySdk();\n`,
    );
    await withReceiver(async (r) => {
      const result = await runFixture({
        preload: noHook,
        signal: 'parent',
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_LOGS_EXPORTER: 'none' },
      });
      expect(result.code, result.stderr).toBe(0);
      const spans = r.jsonSpans();
      expect(spans.some((s) => s.name === 'fixture.client')).toBe(true);
      expect(spans.some((s) => s.kind === CLIENT)).toBe(false);
      expect(r.requests.some((q) => q.path === '/v1/logs')).toBe(false);
    });
  });

  it('zipkin + console: OTEL_TRACES_EXPORTER=zipkin,console sends spans to OTEL_EXPORTER_ZIPKIN_ENDPOINT and prints them', async () => {
    await withReceiver(async (r) => {
      const result = await runFixture({
        signal: 'parent',
        env: {
          OTEL_TRACES_EXPORTER: 'zipkin,console',
          OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${r.url}/api/v2/spans`,
          OTEL_SERVICE_NAME: 'zipkin-svc',
          OTEL_LOGS_EXPORTER: 'none',
        },
      });
      expect(result.code, result.stderr).toBe(0);
      const posts = r.requests.filter((q) => q.path === '/api/v2/spans');
      expect(posts.length).toBeGreaterThan(0);
      const spans = posts.flatMap(
        (q) => JSON.parse(q.body.toString('utf8')) as { name: string; kind?: string; localEndpoint: { serviceName: string } }[],
      );
      expect(spans.some((s) => s.name === 'fixture.client')).toBe(true);
      expect(spans.some((s) => s.kind === 'SERVER')).toBe(true);
      expect(spans.every((s) => s.localEndpoint.serviceName === 'zipkin-svc')).toBe(true);
      expect(r.requests.some((q) => q.path.startsWith('/v1/'))).toBe(false);
      expect(result.stdout).toContain("name: 'fixture.client'");
    });
  });

  it('OTEL_SDK_DISABLED=true: nothing is exported, logs still go to stdout (with request ids, without trace ids), SIGTERM still exits 0', async () => {
    await withReceiver(async (r) => {
      const result = await runFixture({ signal: 'parent', env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: r.url } });
      expect(result.code, result.stderr).toBe(0);
      expect(r.requests).toHaveLength(0);
      const complete = result.logLines.find((l) => l.event === 'request_complete')!;
      expect(complete).toMatchObject({ request_id: 'req_fixture', client_id: 'fixture-client' });
      expect(complete).not.toHaveProperty('trace_id');
    });
  });

  it('OTEL_TRACES_SAMPLER=always_off: no spans exported, logs still exported', async () => {
    await withReceiver(async (r) => {
      const result = await runFixture({
        signal: 'parent',
        env: { OTEL_TRACES_SAMPLER: 'always_off', OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(r.jsonSpans()).toHaveLength(0);
      expect(r.jsonLogs().some((l) => l.eventName === 'request_complete')).toBe(true);
    });
  });

  it('OTEL_TRACES_EXPORTER=none: no spans and no trace ids, but OTLP log records still go out', async () => {
    await withReceiver(async (r) => {
      const result = await runFixture({
        signal: 'parent',
        env: { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(r.requests.some((q) => q.path === '/v1/traces')).toBe(false);
      const complete = r.jsonLogs().find((l) => l.eventName === 'request_complete');
      expect(complete?.attributes).toMatchObject({ request_id: 'req_fixture' });
      expect(result.logLines.find((l) => l.event === 'request_complete')).not.toHaveProperty('trace_id');
    });
  });
});
