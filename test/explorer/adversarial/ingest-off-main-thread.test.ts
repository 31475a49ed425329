/**
 * Issue 9, explorer item 4: decoding and inserting run on the ingest threads, so the query API
 * answers while a large export is being decoded and stored. (An ordering check, not a timing
 * one: health answers must arrive while the export is still in progress.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpTypes } from '../../../src/explorer/index.js';
import { startTestExplorer, type TestExplorer } from '../helpers.js';

let ex: TestExplorer;
beforeAll(async () => {
  ex = await startTestExplorer();
});
afterAll(async () => {
  await ex?.close();
});

/** ~12 MiB of protobuf: 60,000 spans with a few attributes each. */
function bigExport(): Uint8Array {
  const now = Date.now();
  const spans = Array.from({ length: 60_000 }, (_, i) => ({
    traceId: Buffer.from(((i >> 4) + 1).toString(16).padStart(32, '0'), 'hex'),
    spanId: Buffer.from((i + 1).toString(16).padStart(16, '0'), 'hex'),
    name: `op-${i % 9}`,
    startTimeUnixNano: String(BigInt(now - 60_000 + i) * 1_000_000n),
    endTimeUnixNano: String(BigInt(now - 60_000 + i + 1) * 1_000_000n),
    attributes: [
      { key: 'diffusion.sampler', value: { stringValue: 'euler' } },
      { key: 'diffusion.steps', value: { intValue: 20 } },
      { key: 'request', value: { stringValue: `req-${i}-${'p'.repeat(80)}` } },
    ],
  }));
  return otlpTypes.TraceRequest.encode(
    otlpTypes.TraceRequest.fromObject({
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bulk' } }] }, scopeSpans: [{ spans }] }],
    }),
  ).finish();
}

describe('the query API during a large ingest', () => {
  it('answers /api/health while a ~12 MiB export is decoded and stored', async () => {
    const body = bigExport();
    expect(body.length).toBeGreaterThan(10 * 1024 * 1024);
    let exportDone = false;
    const ingest = fetch(`${ex.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body }).then(
      async (res) => {
        await res.arrayBuffer();
        exportDone = true;
        return res.status;
      },
    );
    let answeredDuring = 0;
    while (!exportDone) {
      const health = await ex.get('/api/health');
      expect(health.status).toBe(200);
      if (!exportDone) answeredDuring++;
    }
    expect(await ingest).toBe(200);
    expect(answeredDuring).toBeGreaterThan(1);
    expect((await ex.get('/api/health')).body.spans_written).toBe(60_000);
  });
});
