/**
 * Under the real OpenTelemetry SDK (dist/telemetry/register.js, the http instrumentation on):
 * exactly one SERVER span per request, named `POST /v1/generations` with http.route, its
 * queue.publish child, no span for probes, and exactly one CLIENT span (notify.webhook) per
 * webhook attempt whose id is the traceparent the receiver gets. Spans arrive over OTLP/JSON
 * at a receiver started here. Needs `npm run build` (dist/).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const register = `${root}dist/telemetry/register.js`;
const built = existsSync(register) && existsSync(`${root}dist/api/index.js`);
if (!built && process.env.CI === 'true') throw new Error('dist/ is missing: run `npm run build` before the tests');
if (!built) console.warn('sdk-spans.test.ts skipped: dist/ not built (npm run build)');

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

describe.skipIf(!built)('spans under the real SDK', () => {
  let sink: Server;
  const spans: OtlpSpan[] = [];
  let summary: Record<string, string | number>;

  beforeAll(async () => {
    sink = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const body = JSON.parse(raw);
          for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
        }
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
    const child = spawn(
      process.execPath,
      ['--import', register, fileURLToPath(new URL('fixtures/sdk-api-server.mjs', import.meta.url)), 'api-server'],
      {
        cwd: root,
        env: {
          ...process.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_LOGS_EXPORTER: 'none',
          OTEL_BSP_SCHEDULE_DELAY: '50',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    if (code !== 0) throw new Error(`fixture exited ${code}: ${err}`);
    summary = JSON.parse(out.trim().split('\n').at(-1)!);
  });
  afterAll(() => new Promise<void>((r) => sink.close(() => r())));

  const attr = (s: OtlpSpan, key: string) => {
    const v = s.attributes.find((a) => a.key === key)?.value;
    return v ? Object.values(v)[0] : undefined;
  };

  it('one SERVER span per request, renamed to the route, continuing the caller trace', () => {
    expect(summary.status).toBe(202);
    expect(summary.trace_id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    // The fixture's webhook receiver is instrumented too: its SERVER span is the webhook's child.
    const hook = spans.find((s) => s.name === 'notify.webhook');
    const servers = spans.filter((s) => s.kind === 2 /* OTLP SPAN_KIND_SERVER */ && s.parentSpanId !== hook?.spanId);
    expect(servers.map((s) => s.name)).toEqual(['POST /v1/generations']);
    const a = servers[0];
    expect(a.traceId).toBe(summary.trace_id);
    expect(a.parentSpanId).toBe('00f067aa0ba902b7');
    expect(attr(a, 'http.route')).toBe('/v1/generations');
    expect(summary.traceresponse).toBe(`00-${a.traceId}-${a.spanId}-01`);
    const publish = spans.filter((s) => s.name === 'queue.publish');
    expect(publish).toHaveLength(1);
    expect(publish[0].parentSpanId).toBe(a.spanId);
    expect(publish[0].kind).toBe(4); // PRODUCER
  });

  it('probes make no spans', () => {
    expect(summary.healthStatus).toBe(200);
    expect(spans.some((s) => s.name.includes('healthz'))).toBe(false);
  });

  it('one CLIENT span per webhook attempt, and it is what the receiver sees as parent', () => {
    const clients = spans.filter((s) => s.kind === 3 /* CLIENT */);
    expect(clients.map((s) => s.name)).toEqual(['notify.webhook']);
    expect(summary.hookTraceparent).toBe(`00-${clients[0].traceId}-${clients[0].spanId}-01`);
  });
});
