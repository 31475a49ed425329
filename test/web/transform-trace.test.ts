import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { transformTrace } from '../../web/src/model/transform-trace.js';
import type { JaegerSpan, JaegerTrace } from '../../web/src/model/types.js';
import { chainTrace, syntheticTrace } from './support/synthetic-trace.js';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/explorer/traces.json', import.meta.url), 'utf8')) as { data: JaegerTrace[] };

function span(id: string, parent: string | null, start: number, duration: number, op = id, refType = 'CHILD_OF'): JaegerSpan {
  return {
    traceID: 't1',
    spanID: id,
    operationName: op,
    references: parent ? [{ refType, traceID: 't1', spanID: parent }] : [],
    startTime: start,
    duration,
    tags: [],
    logs: [],
    processID: 'p1',
  };
}
const trace = (spans: JaegerSpan[]): JaegerTrace => ({ traceID: 't1', spans, processes: { p1: { serviceName: 'svc' } } });

describe('transformTrace', () => {
  it('builds the generation tree in depth-first order with children by start time', () => {
    const model = transformTrace(fixtures.data[0]);
    const ops = model.preorder.map((i) => `${'  '.repeat(model.spans[i].depth)}${model.spans[i].operationName}`);
    expect(ops).toEqual([
      'POST /v1/generations',
      '  queue.publish',
      '    queue.wait',
      '    inference',
      '      model.load',
      '      text.encode',
      '      sampling',
      '      vae.decode',
      '      storage.put',
      '      notify.webhook',
    ]);
    expect(model.rootOperation).toBe('POST /v1/generations');
    expect(model.rootService).toBe('api-server');
    expect(model.services.map((s) => s.name).sort()).toEqual(['api-server', 'inference-worker', 'notifier']);
    const root = model.spans[model.roots[0]];
    expect(root.descendantCount).toBe(9);
    // A answered 202 after ~4 ms; its subtree reaches the webhook much later.
    expect(root.endUs - root.startUs).toBeLessThan(5000);
    expect(root.subtreeEndUs).toBe(model.endUs);
    expect(model.durationUs).toBeGreaterThan(1_000_000);
  });

  it('flags errors from the error tag and otel.status_code', () => {
    const failed = transformTrace(fixtures.data[2]);
    const errs = failed.spans
      .filter((s) => s.isError)
      .map((s) => s.operationName)
      .sort();
    expect(errs).toEqual(['inference', 'sampling']);
    expect(failed.errorCount).toBe(2);
  });

  it('makes spans with a missing parent into orphan roots, keeping their own subtrees', () => {
    const model = transformTrace(trace([span('a', null, 0, 100), span('b', 'missing', 10, 50), span('c', 'b', 20, 10)]));
    expect(model.roots.map((i) => model.spans[i].spanID)).toEqual(['a', 'b']);
    const b = model.spans[model.byId.get('b')!];
    expect(b.orphan).toBe(true);
    expect(b.parentIndex).toBe(-1);
    expect(b.children.map((i) => model.spans[i].spanID)).toEqual(['c']);
    expect(model.spans[model.byId.get('c')!].depth).toBe(1);
    expect(model.spans[model.byId.get('a')!].orphan).toBe(false);
  });

  it('hangs a span with only FOLLOWS_FROM under that span, and ignores links to other traces', () => {
    const s = span('b', 'a', 5, 5, 'b', 'FOLLOWS_FROM');
    const other: JaegerSpan = { ...span('c', null, 6, 1), references: [{ refType: 'FOLLOWS_FROM', traceID: 'other', spanID: 'a' }] };
    const model = transformTrace(trace([span('a', null, 0, 10), s, other]));
    expect(model.spans[model.byId.get('b')!].parentIndex).toBe(model.byId.get('a'));
    expect(model.spans[model.byId.get('c')!].parentIndex).toBe(-1);
    expect(model.spans[model.byId.get('c')!].orphan).toBe(false);
  });

  it('breaks reference cycles instead of losing or looping on spans', () => {
    const model = transformTrace(trace([span('x', 'y', 0, 10), span('y', 'x', 1, 5), span('z', null, 2, 1)]));
    expect(model.preorder).toHaveLength(3);
    expect(new Set(model.preorder).size).toBe(3);
    expect(model.spans[model.byId.get('x')!].orphan).toBe(true);
  });

  it('walks a 10k-deep chain and a 10k-span bushy trace without recursion', () => {
    const chain = transformTrace(chainTrace(10_000));
    expect(chain.maxDepth).toBe(9_999);
    expect(chain.spans[chain.roots[0]].descendantCount).toBe(9_999);
    const deep = transformTrace(chainTrace(100_000));
    expect(deep.maxDepth).toBe(99_999);
    const bushy = transformTrace(syntheticTrace(10_000));
    expect(bushy.preorder).toHaveLength(10_000);
    expect(bushy.roots).toHaveLength(1);
    // preorder: every span comes after its parent
    for (const s of bushy.spans) if (s.parentIndex >= 0) expect(bushy.preorderPos[s.parentIndex]).toBeLessThan(bushy.preorderPos[s.index]);
  });

  it('handles an empty trace', () => {
    const model = transformTrace({ traceID: 'e', spans: [], processes: {} });
    expect(model.preorder).toEqual([]);
    expect(model.durationUs).toBe(0);
  });
});
