import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ancestorsOf, groupLogsBySpan, visibleRows } from '../../web/src/model/visible-rows.js';
import { stepStrip, summarizeDiffusion } from '../../web/src/model/diffusion.js';
import { summarizeTrace } from '../../web/src/model/trace-summary.js';
import { timeTicks, formatDuration } from '../../web/src/model/format.js';
import { numberArrayTag } from '../../web/src/model/tags.js';
import { transformTrace } from '../../web/src/model/transform-trace.js';
import type { JaegerTrace, LogEntry } from '../../web/src/model/types.js';

const traces = JSON.parse(readFileSync(new URL('../fixtures/explorer/traces.json', import.meta.url), 'utf8')) as { data: JaegerTrace[] };
const logs = JSON.parse(readFileSync(new URL('../fixtures/explorer/logs.json', import.meta.url), 'utf8')) as { data: LogEntry[] };

describe('visibleRows', () => {
  const model = transformTrace(traces.data[0]);
  const idx = (op: string): number => model.spans.find((s) => s.operationName === op)!.index;

  it('skips collapsed subtrees and interleaves logs under their spans', () => {
    expect(visibleRows(model, { collapsed: new Set() })).toHaveLength(10);
    const collapsed = visibleRows(model, { collapsed: new Set([idx('inference')]) });
    expect(collapsed.map((r) => model.spans[r.spanIndex].operationName)).toEqual([
      'POST /v1/generations',
      'queue.publish',
      'queue.wait',
      'inference',
    ]);
    const traceLogs = logs.data.filter((l) => l.trace_id === model.traceID);
    const grouped = groupLogsBySpan(model, traceLogs);
    const withLogs = visibleRows(model, { collapsed: new Set(), logsBySpan: grouped });
    expect(withLogs).toHaveLength(10 + traceLogs.length);
    const firstLog = withLogs.findIndex((r) => r.kind === 'log');
    expect(withLogs[firstLog - 1]).toEqual({ kind: 'span', spanIndex: idx('POST /v1/generations') });
    expect(ancestorsOf(model, idx('sampling')).map((i) => model.spans[i].operationName)).toEqual([
      'inference',
      'queue.publish',
      'POST /v1/generations',
    ]);
  });
});

describe('diffusion summaries', () => {
  it('marks model.load as cold and cache_hit as warm, and reads the step strip', () => {
    const cold = summarizeDiffusion(transformTrace(traces.data[0]));
    expect(cold.cache).toBe('cold');
    expect(cold.imageCount).toBe(1);
    expect(cold.size).toBe('32×32');
    expect(cold.requestId).toBe('req_01JD7Q3C9X2W');
    const warmModel = transformTrace(traces.data[1]);
    const warm = summarizeDiffusion(warmModel);
    expect(warm.cache).toBe('warm');
    const strip = stepStrip(warmModel.spans[warm.samplingIndex])!;
    expect(strip.durationsMs).toHaveLength(12);
    expect(strip.stepsPerSecond).toBeGreaterThan(10);
  });

  it('parses array attributes given as JSON text or arrays', () => {
    expect(numberArrayTag('[1, 2.5, "3"]')).toEqual([1, 2.5, 3]);
    expect(numberArrayTag([4, 5])).toEqual([4, 5]);
    expect(numberArrayTag('nope')).toBeUndefined();
  });

  it('summarises a trace for the search list', () => {
    const s = summarizeTrace(traces.data[2]);
    expect(s.rootOperation).toBe('POST /v1/generations');
    expect(s.errorCount).toBe(2);
    expect(s.spanCount).toBe(traces.data[2].spans.length);
  });
});

describe('format', () => {
  it('prints durations and nice ticks', () => {
    expect(formatDuration(950)).toBe('950µs');
    expect(formatDuration(1500)).toBe('1.5ms');
    expect(formatDuration(2_345_000)).toBe('2.35s');
    expect(timeTicks(1_000_000, 5)).toEqual([0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
  });
});
