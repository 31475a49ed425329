import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeCriticalPath } from '../../web/src/model/critical-path.js';
import { transformTrace } from '../../web/src/model/transform-trace.js';
import type { JaegerSpan, JaegerTrace } from '../../web/src/model/types.js';
import { chainTrace, syntheticTrace } from './support/synthetic-trace.js';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/explorer/traces.json', import.meta.url), 'utf8')) as { data: JaegerTrace[] };

function span(id: string, parent: string | null, start: number, duration: number): JaegerSpan {
  return {
    traceID: 't',
    spanID: id,
    operationName: id,
    references: parent ? [{ refType: 'CHILD_OF', traceID: 't', spanID: parent }] : [],
    startTime: start,
    duration,
    processID: 'p',
  };
}
const trace = (spans: JaegerSpan[]): JaegerTrace => ({ traceID: 't', spans, processes: { p: { serviceName: 's' } } });

function path(spans: JaegerSpan[]): string[] {
  const model = transformTrace(trace(spans));
  return computeCriticalPath(model).sections.map((s) => `${model.spans[s.spanIndex].spanID}:${s.startUs}-${s.endUs}`);
}

describe('computeCriticalPath', () => {
  it('follows sequential children and gives the parent its own gaps', () => {
    expect(path([span('root', null, 0, 100), span('a', 'root', 10, 30), span('b', 'root', 40, 50)])).toEqual([
      'root:0-10',
      'a:10-40',
      'b:40-90',
      'root:90-100',
    ]);
  });

  it('takes the last-finishing of parallel children and skips the one still running', () => {
    // a and b overlap; b finishes last, so the path is root → b; a ran in b's shadow.
    expect(path([span('root', null, 0, 100), span('a', 'root', 10, 60), span('b', 'root', 20, 70)])).toEqual([
      'root:0-20',
      'b:20-90',
      'root:90-100',
    ]);
  });

  it('follows children that outlive their parent (the 202-then-queue case)', () => {
    // A answers at 5; the queue wait and inference it caused run until 2000.
    const got = path([
      span('A', null, 0, 5),
      span('publish', 'A', 2, 2),
      span('wait', 'publish', 4, 96),
      span('inference', 'publish', 100, 1900),
      span('sampling', 'inference', 300, 1600),
    ]);
    expect(got).toEqual(['A:0-2', 'publish:2-4', 'wait:4-100', 'inference:100-300', 'sampling:300-1900', 'inference:1900-2000']);
  });

  it('covers the whole generation fixture from A to the webhook', () => {
    const model = transformTrace(fixtures.data[0]);
    const cp = computeCriticalPath(model);
    const ops = cp.sections.map((s) => model.spans[s.spanIndex].operationName);
    expect(ops[0]).toBe('POST /v1/generations');
    expect(ops).toContain('queue.wait');
    expect(ops).toContain('model.load');
    expect(ops).toContain('sampling');
    expect(ops[ops.length - 1]).toBe('notify.webhook');
    expect(cp.sections[cp.sections.length - 1].endUs).toBe(model.endUs);
    // sections never overlap and go forward in time
    for (let i = 1; i < cp.sections.length; i++) expect(cp.sections[i].startUs).toBeGreaterThanOrEqual(cp.sections[i - 1].endUs);
    // every section lies inside its own span
    for (const s of cp.sections) {
      const sp = model.spans[s.spanIndex];
      expect(s.startUs).toBeGreaterThanOrEqual(sp.startUs);
      expect(s.endUs).toBeLessThanOrEqual(sp.endUs);
    }
  });

  it('joins orphan subtrees through a virtual root', () => {
    expect(path([span('a', null, 0, 10), span('b', 'lost', 20, 10), span('c', 'b', 22, 5)])).toEqual([
      'a:0-10',
      'b:20-22',
      'c:22-27',
      'b:27-30',
    ]);
  });

  it('copes with zero-length spans and children starting before their parent (clock skew)', () => {
    expect(path([span('r', null, 10, 10), span('z', 'r', 15, 0), span('early', 'r', 5, 3)])).toEqual(['r:10-20']);
  });

  it('is iterative: a 10k-deep chain and a 100k-deep chain complete', () => {
    const model = transformTrace(chainTrace(10_000));
    const cp = computeCriticalPath(model);
    expect(cp.bySpan.size).toBe(10_000);
    const deep = computeCriticalPath(transformTrace(chainTrace(100_000)));
    expect(deep.bySpan.size).toBe(100_000);
  });

  it('handles a 10k-span bushy trace with non-overlapping sections', () => {
    const model = transformTrace(syntheticTrace(10_000));
    const cp = computeCriticalPath(model);
    expect(cp.sections.length).toBeGreaterThan(1);
    for (let i = 1; i < cp.sections.length; i++) expect(cp.sections[i].startUs).toBeGreaterThanOrEqual(cp.sections[i - 1].endUs);
    expect(cp.sections[0].startUs).toBe(model.startUs);
  });
});
