/** A tiny OTLP/HTTP (+ Zipkin) receiver for the child-process tests: records every request. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
}

export interface OtlpSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  scope: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export interface OtlpLogRecord {
  severityNumber?: number;
  severityText?: string;
  body?: unknown;
  eventName?: string;
  traceId?: string;
  spanId?: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
  /** Spans from all OTLP/JSON trace requests. */
  jsonSpans(): OtlpSpan[];
  jsonLogs(): OtlpLogRecord[];
}

type KeyValue = { key: string; value: Record<string, unknown> };

function anyValue(v: Record<string, unknown> | undefined): unknown {
  if (v === undefined) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return ((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(anyValue);
  if ('kvlistValue' in v) return attrs((v.kvlistValue as { values?: KeyValue[] }).values);
  return undefined;
}

function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '');
      requests.push({ method: req.method ?? '', path: req.url ?? '', contentType, body: Buffer.concat(chunks) });
      if (contentType.includes('json')) {
        res.writeHead(req.url?.startsWith('/api/v2/spans') ? 202 : 200, { 'content-type': 'application/json' });
        res.end('{}');
      } else {
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const jsonBodies = (path: string) =>
    requests
      .filter((r) => r.path === path && r.contentType.includes('json'))
      .map((r) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    jsonSpans() {
      const out: OtlpSpan[] = [];
      for (const body of jsonBodies('/v1/traces')) {
        for (const rs of (body.resourceSpans ?? []) as Record<string, unknown>[]) {
          const resource = attrs((rs.resource as { attributes?: KeyValue[] })?.attributes);
          for (const ss of (rs.scopeSpans ?? []) as Record<string, unknown>[]) {
            for (const s of (ss.spans ?? []) as Record<string, unknown>[]) {
              out.push({
                name: String(s.name),
                kind: Number(s.kind),
                traceId: String(s.traceId),
                spanId: String(s.spanId),
                parentSpanId: typeof s.parentSpanId === 'string' && s.parentSpanId !== '' ? s.parentSpanId : undefined,
                scope: String((ss.scope as { name?: string })?.name),
                attributes: attrs(s.attributes as KeyValue[]),
                resource,
              });
            }
          }
        }
      }
      return out;
    },
    jsonLogs() {
      const out: OtlpLogRecord[] = [];
      for (const body of jsonBodies('/v1/logs')) {
        for (const rl of (body.resourceLogs ?? []) as Record<string, unknown>[]) {
          const resource = attrs((rl.resource as { attributes?: KeyValue[] })?.attributes);
          for (const sl of (rl.scopeLogs ?? []) as Record<string, unknown>[]) {
            for (const r of (sl.logRecords ?? []) as Record<string, unknown>[]) {
              out.push({
                severityNumber: r.severityNumber as number | undefined,
                severityText: r.severityText as string | undefined,
                body: anyValue(r.body as Record<string, unknown> | undefined),
                eventName: r.eventName as string | undefined,
                traceId: r.traceId as string | undefined,
                spanId: r.spanId as string | undefined,
                attributes: attrs(r.attributes as KeyValue[]),
                resource,
              });
            }
          }
        }
      }
      return out;
    },
  };
}
