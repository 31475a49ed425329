/** The pure stage-by-stage comparison (src/explorer/api/compare.ts) on traces of known timings. */
import { describe, expect, it } from 'vitest';
import { STAGES } from '../../src/contract/index.js';
import { compareTraces, stepDurationsOf } from '../../src/explorer/api/compare.js';
import { parseCompareIds } from '../../src/explorer/api/compare-routes.js';
import {
  COLD_20_TRACE_ID,
  COLD_STEPS_MS,
  WARM_50_TRACE_ID,
  WARM_STEPS_MS,
  WARMUP_MS,
  coldAndWarm,
  comparableOf,
  generationTrace,
} from './compare-fixtures.js';

const { cold, warm } = coldAndWarm(Date.UTC(2026, 0, 5, 12, 0, 0));
const stageRow = (c: ReturnType<typeof compareTraces>, stage: string) => c.stages.find((s) => s.stage === stage)!;

describe('compareTraces', () => {
  describe('cold 20 steps (baseline) vs warm 50 steps', () => {
    const c = compareTraces([comparableOf(cold), comparableOf(warm)]);

    it('answers every contract stage, in order, with both durations and the delta against the first', () => {
      expect(c.stages.map((s) => s.stage)).toEqual([...STAGES]);
      expect(stageRow(c, 'queue.wait')).toEqual({ stage: 'queue.wait', durations_ms: [35, 12], deltas_ms: [0, -23] });
      // the warm request loaded nothing: its missing model.load counts as 0 ms in the delta
      expect(stageRow(c, 'model.load')).toEqual({
        stage: 'model.load',
        durations_ms: [600 + WARMUP_MS, null],
        deltas_ms: [0, -(600 + WARMUP_MS)],
      });
      expect(stageRow(c, 'model.warmup')).toEqual({ stage: 'model.warmup', durations_ms: [WARMUP_MS, null], deltas_ms: [0, -WARMUP_MS] });
      expect(stageRow(c, 'text.encode')).toEqual({ stage: 'text.encode', durations_ms: [30, 30], deltas_ms: [0, 0] });
      expect(stageRow(c, 'sampling')).toEqual({ stage: 'sampling', durations_ms: [637, 1500], deltas_ms: [0, 863] });
      expect(stageRow(c, 'vae.decode')).toEqual({ stage: 'vae.decode', durations_ms: [75, 75], deltas_ms: [0, 0] });
      expect(stageRow(c, 'storage.put').durations_ms).toEqual([6, 6]);
      expect(stageRow(c, 'notify.webhook').durations_ms).toEqual([22, 22]);
      expect(stageRow(c, 'inference')).toEqual({
        stage: 'inference',
        durations_ms: [720 + 30 + 637 + 75, 30 + 1500 + 75],
        deltas_ms: [0, 143],
      });
      // end to end: queue.wait starts 3 ms in; notify ends 10 + 22 ms after the inference span
      expect(stageRow(c, 'total').durations_ms).toEqual([3 + 35 + 1462 + 32, 3 + 12 + 1605 + 32]);
    });

    it('flags sampling as the stage that grew most (the summary stages are not ranked)', () => {
      expect(c.grew_most).toEqual({ stage: 'sampling', trace_index: 1, delta_ms: 863 });
      expect(c.traces.map((t) => t.grew_most)).toEqual([null, 'sampling']);
    });

    it('sets the parameters side by side and marks the ones that differ', () => {
      const byName = Object.fromEntries(c.parameters.map((p) => [p.name, p]));
      expect(c.parameters.map((p) => p.name)).toEqual(['model', 'version', 'sampler', 'steps', 'size', 'device', 'worker', 'attempt']);
      expect(byName.model).toMatchObject({ values: ['tiny-sd-32', 'tiny-sd-32'], differs: false });
      expect(byName.version).toMatchObject({ values: ['1', '1'], differs: false });
      expect(byName.sampler).toMatchObject({ values: ['euler', 'ddim'], differs: true, source: 'diffusion.sampler' });
      expect(byName.steps).toMatchObject({ values: ['20', '50'], differs: true });
      expect(byName.size).toMatchObject({ values: ['32x32', '32x32'], differs: false });
      expect(byName.device).toMatchObject({ values: ['cpu', 'cpu'], differs: false });
      expect(byName.worker).toMatchObject({
        values: ['inference-worker-a', 'inference-worker-b'],
        differs: true,
        source: 'service.instance.id',
      });
      expect(byName.attempt).toMatchObject({ values: ['1', '2'], differs: true, source: 'messaging.delivery.attempt' });
    });

    it('describes each trace: cache state, root, duration and its per-step timings', () => {
      const [a, b] = c.traces;
      expect(a).toMatchObject({
        trace_id: COLD_20_TRACE_ID,
        cache: 'cold',
        root_service: 'api-server',
        root_operation: 'POST /v1/generations',
        error_count: 0,
        duration_ms: 1532,
      });
      expect(b).toMatchObject({ trace_id: WARM_50_TRACE_ID, cache: 'warm', duration_ms: 1652 });
      expect(a.step_durations_ms).toEqual(COLD_STEPS_MS);
      expect(b.step_durations_ms).toEqual(WARM_STEPS_MS);
      // no steps_per_second attribute on these spans: computed from the steps
      expect(a.steps_per_second).toBeCloseTo(20 / 0.637, 2);
      expect(b.steps_per_second).toBeCloseTo(50 / 1.5, 2);
      expect(a.start_us).toBe(Date.UTC(2026, 0, 5, 12, 0, 0) * 1000);
    });
  });

  it('with the warm request first, the cold one grew most in model.load (warm-up grew too, by less)', () => {
    const c = compareTraces([comparableOf(warm), comparableOf(cold)]);
    expect(c.grew_most).toEqual({ stage: 'model.load', trace_index: 1, delta_ms: 600 + WARMUP_MS });
    expect(stageRow(c, 'model.warmup').deltas_ms).toEqual([0, WARMUP_MS]);
    expect(stageRow(c, 'sampling').deltas_ms).toEqual([0, -863]);
  });

  it("compares up to four, each against the first, and names each one's biggest growth", () => {
    const base = Date.UTC(2026, 0, 5, 13, 0, 0);
    const slowStep = generationTrace({
      traceId: 'b0000000000000000000000000000003',
      startMs: base,
      cold: false,
      sampler: 'euler',
      stepMs: [30, 30, 400, 30],
      worker: 'w1',
    });
    const c = compareTraces([comparableOf(warm), comparableOf(cold), comparableOf(slowStep), comparableOf(warm)]);
    expect(c.traces).toHaveLength(4);
    expect(c.traces.map((t) => t.grew_most)).toEqual([null, 'model.load', null, null]);
    expect(stageRow(c, 'sampling').durations_ms).toEqual([1500, 637, 490, 1500]);
    expect(stageRow(c, 'sampling').deltas_ms).toEqual([0, -863, -1010, 0]);
    expect(c.parameters.find((p) => p.name === 'steps')!.values).toEqual(['50', '20', '4', '50']);
  });

  it('nothing grew: grew_most is null; a stage no trace has gets null durations and deltas', () => {
    const c = compareTraces([comparableOf(warm), comparableOf(warm)]);
    expect(c.grew_most).toBeNull();
    expect(stageRow(c, 'model.load')).toEqual({ stage: 'model.load', durations_ms: [null, null], deltas_ms: [null, null] });
    expect(c.parameters.every((p) => !p.differs)).toBe(true);
  });

  it("a retried job: stage time is the sum over attempts, step timings and parameters are the last attempt's", () => {
    const t = comparableOf(
      generationTrace({
        traceId: 'e0000000000000000000000000000001',
        startMs: 1_000_000,
        cold: false,
        sampler: 'euler',
        stepMs: [10, 10],
        worker: 'w2',
        attempt: 2,
      }),
    );
    const firstTry = t.spans
      .filter((s) => s.name === 'sampling')
      .map((s) => ({
        ...s,
        spanId: 'ffff000000000001',
        startUs: s.startUs - 500_000,
        statusCode: 2,
        attributes: { ...s.attributes, 'diffusion.step_durations_ms': [99], 'diffusion.sampler': 'ddim' },
      }));
    const retried = { traceId: t.traceId, spans: [...t.spans, ...firstTry] };
    const c = compareTraces([retried, comparableOf(warm)]);
    expect(stageRow(c, 'sampling').durations_ms[0]).toBe(40);
    expect(c.traces[0].step_durations_ms).toEqual([10, 10]);
    expect(c.traces[0].error_count).toBe(1);
    expect(c.parameters.find((p) => p.name === 'sampler')!.values[0]).toBe('euler');
  });

  it('spans from another producer (no diffusion attributes): every parameter is null, the cache state unknown', () => {
    const other = {
      traceId: 'f0000000000000000000000000000001',
      spans: [
        {
          spanId: 'a1',
          parentSpanId: '',
          name: 'GET /',
          service: 'web',
          startUs: 10,
          durationUs: 5000,
          statusCode: 0,
          attributes: {},
          resource: {},
        },
      ],
    };
    const c = compareTraces([other, comparableOf(warm)]);
    expect(c.traces[0]).toMatchObject({
      cache: 'unknown',
      step_durations_ms: [],
      steps_per_second: null,
      root_operation: 'GET /',
      duration_ms: 5,
    });
    expect(c.parameters.map((p) => p.values[0])).toEqual([null, null, null, null, null, null, null, null]);
    expect(c.parameters.every((p) => p.differs)).toBe(true);
  });
});

describe('stepDurationsOf', () => {
  it('reads an array, its JSON text, and drops what is not a number', () => {
    expect(stepDurationsOf([1.5, 2, '3'])).toEqual([1.5, 2, 3]);
    expect(stepDurationsOf('[4, 5.25]')).toEqual([4, 5.25]);
    expect(stepDurationsOf([1, 'x', null, 2])).toEqual([1, 2]);
    expect(stepDurationsOf('[not json')).toEqual([]);
    expect(stepDurationsOf(undefined)).toEqual([]);
    expect(stepDurationsOf(7)).toEqual([]);
  });
});

describe('parseCompareIds', () => {
  it('takes repeated or comma-separated ids, normalised to 32 hex digits, in order', () => {
    expect(parseCompareIds({ trace_id: ['ABC', 'def'] })).toEqual({ ids: ['abc'.padStart(32, '0'), 'def'.padStart(32, '0')] });
    expect(parseCompareIds({ trace_id: 'a,b,c' })).toEqual({ ids: ['a', 'b', 'c'].map((x) => x.padStart(32, '0')) });
  });

  it('refuses fewer than 2, more than 4, and malformed ids', () => {
    expect(parseCompareIds({})).toEqual({ error: 'trace_id: compare 2 to 4 traces, got 0' });
    expect(parseCompareIds({ trace_id: 'a' })).toEqual({ error: 'trace_id: compare 2 to 4 traces, got 1' });
    expect(parseCompareIds({ trace_id: ['a', 'b', 'c', 'd', 'e'] })).toEqual({ error: 'trace_id: compare 2 to 4 traces, got 5' });
    expect(parseCompareIds({ trace_id: ['a', 'xyz'] })).toEqual({
      error: 'trace_id: malformed trace id "xyz" (expected up to 32 hex digits)',
    });
    expect('error' in parseCompareIds({ trace_id: ['a', '1'.repeat(33)] })).toBe(true);
  });
});
