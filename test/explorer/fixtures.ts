/** OTLP/JSON payload builders for API tests (exact times and ids, no SDK in between). */
import { randomBytes } from 'node:crypto';

export interface FixtureSpan {
  traceId: string;
  spanId?: string;
  parentSpanId?: string;
  service: string;
  name: string;
  kind?: number;
  startMs: number;
  durationMs: number;
  status?: 0 | 1 | 2;
  attributes?: Record<string, string | number | boolean>;
}

export interface FixtureLog {
  service: string;
  timeMs: number;
  severityText?: string;
  severityNumber?: number;
  body: string;
  traceId?: string;
  spanId?: string;
  attributes?: Record<string, string | number | boolean>;
}

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');

function value(v: string | number | boolean): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

const attrs = (a: Record<string, string | number | boolean> = {}) => Object.entries(a).map(([key, v]) => ({ key, value: value(v) }));
const ns = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

export function tracesPayload(spans: FixtureSpan[]): string {
  const byService = new Map<string, FixtureSpan[]>();
  for (const s of spans) byService.set(s.service, [...(byService.get(s.service) ?? []), s]);
  return JSON.stringify({
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: attrs({ 'service.name': service, 'host.name': 'test-host' }) },
      scopeSpans: [
        {
          scope: { name: 'fixture' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId ?? newSpanId(),
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind ?? 1,
            startTimeUnixNano: ns(s.startMs),
            endTimeUnixNano: ns(s.startMs + s.durationMs),
            attributes: attrs(s.attributes),
            status: { code: s.status ?? 0 },
          })),
        },
      ],
    })),
  });
}

export function logsPayload(logs: FixtureLog[]): string {
  return JSON.stringify({
    resourceLogs: logs.map((l) => ({
      resource: { attributes: attrs({ 'service.name': l.service }) },
      scopeLogs: [
        {
          scope: { name: 'fixture' },
          logRecords: [
            {
              timeUnixNano: ns(l.timeMs),
              severityText: l.severityText ?? 'INFO',
              severityNumber: l.severityNumber ?? 9,
              body: { stringValue: l.body },
              traceId: l.traceId ?? '',
              spanId: l.spanId ?? '',
              attributes: attrs(l.attributes),
            },
          ],
        },
      ],
    })),
  });
}

export async function postJson(
  otlpUrl: string,
  path: '/v1/traces' | '/v1/logs',
  body: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const res = await fetch(otlpUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  if (res.status !== 200) throw new Error(`${path} → ${res.status} ${await res.text()}`);
}
