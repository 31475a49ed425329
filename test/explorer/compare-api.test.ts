/** GET /api/compare on a real explorer, the traces sent through its OTLP/HTTP endpoint; behind the token. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestExplorer, type TestExplorer } from './helpers.js';
import { postJson } from './fixtures.js';
import {
  COLD_20_TRACE_ID,
  COLD_STEPS_MS,
  WARM_50_TRACE_ID,
  WARMUP_MS,
  coldAndWarm,
  generationTrace,
  otlpTracesPayload,
} from './compare-fixtures.js';

const TOKEN = 'compare-t0ken-compare';
const auth = { authorization: `Bearer ${TOKEN}` };
/** A warm 20-step euler request: in the cold request's analysis group, and faster than it. */
const WARM_20_TRACE_ID = 'a4a40000000000000000000000000020';

describe('GET /api/compare', () => {
  let ex: TestExplorer;
  beforeAll(async () => {
    ex = await startTestExplorer({ DIFFSCOPE_EXPLORER_TOKEN: TOKEN });
    const base = Date.now() - 600_000;
    const { cold, warm } = coldAndWarm(base);
    const warm20 = generationTrace({
      traceId: WARM_20_TRACE_ID,
      startMs: base + 20_000,
      cold: false,
      sampler: 'euler',
      stepMs: COLD_STEPS_MS,
      worker: 'inference-worker-a',
    });
    await postJson(ex.otlpUrl, '/v1/traces', otlpTracesPayload([cold, warm, warm20]), auth);
  });
  afterAll(async () => {
    await ex?.close();
  });

  it('answers the stage table for two stored traces, from the spans and resources as stored', async () => {
    const { status, body } = await ex.get(`/api/compare?trace_id=${COLD_20_TRACE_ID}&trace_id=${WARM_50_TRACE_ID}`, auth);
    expect(status).toBe(200);
    const c = body.data;
    expect(c.traces.map((t: any) => [t.trace_id, t.cache])).toEqual([
      [COLD_20_TRACE_ID, 'cold'],
      [WARM_50_TRACE_ID, 'warm'],
    ]);
    const stage = (name: string) => c.stages.find((s: any) => s.stage === name);
    expect(stage('sampling')).toEqual({ stage: 'sampling', durations_ms: [637, 1500], deltas_ms: [0, 863] });
    expect(stage('model.warmup')).toEqual({ stage: 'model.warmup', durations_ms: [WARMUP_MS, null], deltas_ms: [0, -WARMUP_MS] });
    expect(c.grew_most).toEqual({ stage: 'sampling', trace_index: 1, delta_ms: 863 });
    // the step timings survive OTLP's arrayValue and the store
    expect(c.traces[0].step_durations_ms).toEqual(COLD_STEPS_MS);
    const differing = c.parameters.filter((p: any) => p.differs).map((p: any) => p.name);
    expect(differing).toEqual(['sampler', 'steps', 'worker', 'attempt']);
    expect(c.parameters.find((p: any) => p.name === 'worker').values).toEqual(['inference-worker-a', 'inference-worker-b']);
  });

  it('keeps the order asked (the first is the baseline) and takes comma-separated ids', async () => {
    const { status, body } = await ex.get(`/api/compare?trace_id=${WARM_50_TRACE_ID},${COLD_20_TRACE_ID}`, auth);
    expect(status).toBe(200);
    expect(body.data.traces.map((t: any) => t.trace_id)).toEqual([WARM_50_TRACE_ID, COLD_20_TRACE_ID]);
    expect(body.data.grew_most.stage).toBe('model.load');
  });

  it('400 for one trace, five traces or a malformed id; 404 naming the unknown ids', async () => {
    const one = await ex.get(`/api/compare?trace_id=${COLD_20_TRACE_ID}`, auth);
    expect(one.status).toBe(400);
    expect(one.body.error).toMatchObject({ code: 'DSC_ERR_API_VALIDATION', field: 'trace_id' });
    const five = await ex.get(`/api/compare?${Array.from({ length: 5 }, () => `trace_id=${COLD_20_TRACE_ID}`).join('&')}`, auth);
    expect(five.status).toBe(400);
    const bad = await ex.get(`/api/compare?trace_id=${COLD_20_TRACE_ID}&trace_id=not-hex`, auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('not-hex');
    const unknown = 'deadbeef'.repeat(4);
    const missing = await ex.get(`/api/compare?trace_id=${COLD_20_TRACE_ID}&trace_id=${unknown}`, auth);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'DSC_ERR_API_NOT_FOUND', message: `trace not found: ${unknown}` });
  });

  it("the stage analysis names each group's slowest and median request, for the UI to compare", async () => {
    const { status, body } = await ex.get('/api/analysis/stages', auth);
    expect(status).toBe(200);
    const groups = body.data.groups.map((g: any) => [g.key.sampler, g.key.steps, g.requests, g.slowest_trace_id, g.median_trace_id]);
    expect(groups).toEqual(
      expect.arrayContaining([
        ['euler', 20, 2, COLD_20_TRACE_ID, WARM_20_TRACE_ID],
        ['ddim', 50, 1, WARM_50_TRACE_ID, WARM_50_TRACE_ID],
      ]),
    );
  });

  it('is not public: 401 without the token', async () => {
    const { status } = await ex.get(`/api/compare?trace_id=${COLD_20_TRACE_ID}&trace_id=${WARM_50_TRACE_ID}`);
    expect(status).toBe(401);
  });
});
