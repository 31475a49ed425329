/**
 * Issue 9, explorer item 3: one request used to end the explorer (a ~5,000-deep attribute
 * decoded, then the timer flush threw outside any handler and every sender's pending rows were
 * lost). Against a real explorer process: the poisoned attribute is dropped at the nesting limit
 * (counted, reported in partial_success), the rest of that span and every other sender's data
 * are stored, and the process is the same one, still answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpTypes } from '../../../src/explorer/index.js';
import { newTraceId, tracesPayload } from '../fixtures.js';
import { startExplorerProcess, type ExplorerProcess } from './explorer-process.js';
import { deepAnyValueJson, deepAnyValueProtobuf, poisonSpanJson, poisonSpanProtobuf } from './payloads.js';

let ex: ExplorerProcess;
beforeAll(async () => {
  ex = await startExplorerProcess();
});
afterAll(async () => {
  await ex?.stop();
});

async function goodSender(n: number, service: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const traceId = newTraceId();
    ids.push(traceId);
    const res = await fetch(`${ex.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: tracesPayload([{ traceId, service, name: 'good', startMs: Date.now() - 10, durationMs: 2, attributes: { i } }]),
    });
    expect(res.status).toBe(200);
  }
  return ids;
}

describe("a ~5,000-deep attribute among other senders' data", () => {
  it('JSON: the deep attribute is dropped and counted, everything else stored, same PID, still answering', async () => {
    const pid = ex.pid;
    const poisonTrace = newTraceId();
    const poison = fetch(`${ex.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: poisonSpanJson(poisonTrace, deepAnyValueJson(5000)),
    });
    const [good1, good2, res] = await Promise.all([goodSender(15, 'sender-a'), goodSender(15, 'sender-b'), poison]);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } };
    expect(answer.partialSuccess?.rejectedSpans ?? '0').toBe('0');
    expect(answer.partialSuccess?.errorMessage).toMatch(/1 attribute\(s\) dropped: value nested deeper than 16 levels/);

    // past the old crash point (the flush timer) and then some
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ex.alive()).toBe(true);
    expect(ex.child.pid).toBe(pid);
    const health = await ex.get('/api/health');
    expect(health.status).toBe(200);
    expect(health.body.spans_written).toBe(31);

    const poisoned = await ex.get(`/api/traces/${poisonTrace}`);
    expect(poisoned.status).toBe(200);
    const span = poisoned.body.data[0].spans[0];
    const tag = (key: string) => span.tags.find((t: { key: string }) => t.key === key)?.value;
    expect(tag('ok')).toBe('kept');
    expect(tag('poison')).toBeUndefined();
    expect(tag('otel.dropped_attributes_count')).toBe(1);
    expect(span.warnings.join(' ')).toMatch(/1 attribute\(s\) dropped/);

    const ids = (await ex.get('/api/traces?service=sender-a&limit=100')).body.data.map((t: { traceID: string }) => t.traceID);
    expect(ids.sort()).toEqual([...good1].sort());
    expect((await ex.get('/api/traces?service=sender-b&limit=100')).body.data).toHaveLength(good2.length);
  });

  it('protobuf: 200 with the attribute dropped, or 400 if it is too deep to decode at all — never a crash', async () => {
    for (const depth of [20, 1000, 5000]) {
      const traceId = newTraceId();
      const res = await fetch(`${ex.otlpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: poisonSpanProtobuf(traceId, deepAnyValueProtobuf(depth)),
      });
      expect([200, 400], `depth ${depth}`).toContain(res.status);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (res.status === 200) {
        const decoded = otlpTypes.TraceResponse.toObject(otlpTypes.TraceResponse.decode(bytes)) as {
          partialSuccess?: { errorMessage?: string };
        };
        expect(decoded.partialSuccess?.errorMessage).toMatch(/nested deeper than 16 levels/);
        expect((await ex.get(`/api/traces/${traceId}`)).status).toBe(200);
      } else {
        expect((otlpTypes.RpcStatus.decode(bytes) as unknown as { message: string }).message).toMatch(/malformed OTLP protobuf/);
      }
    }
    expect(ex.alive()).toBe(true);
    expect((await ex.get('/api/health')).status).toBe(200);
    await goodSender(2, 'after-protobuf-poison');
  });

  it('a log record with a 5,000-deep body: body dropped and reported, the record stored', async () => {
    const body =
      `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"deep-logs"}}]},` +
      `"scopeLogs":[{"logRecords":[{"timeUnixNano":"${BigInt(Date.now()) * 1_000_000n}","severityText":"INFO","body":${deepAnyValueJson(5000)},` +
      `"attributes":[{"key":"event","value":{"stringValue":"deep_body"}}]}]}]}]}`;
    const res = await fetch(`${ex.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { partialSuccess: { errorMessage: string } }).partialSuccess.errorMessage).toMatch(
      /log bod\(ies\) dropped/,
    );
    const logs = await ex.get('/api/logs?service=deep-logs');
    expect(logs.body.data).toHaveLength(1);
    expect(logs.body.data[0].event).toBe('deep_body');
    expect(ex.alive()).toBe(true);
  });
});
