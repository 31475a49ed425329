// The fan-in model (src/contract/trace-model/batch-fan-in.ts) on Jaeger-shaped traces as the
// explorer serves them: a member's membership from its inference span's FOLLOWS_FROM link into
// the batch's trace, the batch's members from its links and its request-id list (arrays arrive
// as JSON strings), and the member's critical path split into batch wait and shared stages —
// the cross-trace link never becomes a parent.
import { describe, expect, it } from 'vitest';
import { batchCriticalShare, batchFanIn, batchMembership } from '../../web/src/model/batch-fan-in.js';
import { computeCriticalPath } from '../../web/src/model/critical-path.js';
import { transformTrace } from '../../web/src/model/transform-trace.js';
import type { JaegerSpan, JaegerTag, JaegerTrace } from '../../web/src/model/types.js';

const MEMBER = 'a'.repeat(32);
const SIBLING = 'b'.repeat(32);
const BATCH = 'c'.repeat(32);

function span(
  traceID: string,
  id: string,
  name: string,
  parent: string | null,
  start: number,
  duration: number,
  tags: JaegerTag[] = [],
  links: [string, string][] = [],
): JaegerSpan {
  return {
    traceID,
    spanID: id,
    operationName: name,
    references: [
      ...(parent ? [{ refType: 'CHILD_OF' as const, traceID, spanID: parent }] : []),
      ...links.map(([t, s]) => ({ refType: 'FOLLOWS_FROM' as const, traceID: t, spanID: s })),
    ],
    startTime: start,
    duration,
    tags,
    processID: 'p',
  };
}
const trace = (traceID: string, spans: JaegerSpan[]): JaegerTrace => ({
  traceID,
  spans,
  processes: { p: { serviceName: 'inference-worker' } },
});
const tag = (key: string, value: unknown): JaegerTag => ({ key, type: typeof value === 'number' ? 'int64' : 'string', value }) as JaegerTag;

// Member: queue.wait 0-10, inference 10-100 (batch.wait 10-30, sampling copy 30-90), storage.put 100-110.
const member = trace(MEMBER, [
  span(MEMBER, 'root', 'POST /v1/generations', null, 0, 110),
  span(MEMBER, 'qw', 'queue.wait', 'root', 0, 10),
  span(MEMBER, 'inf', 'inference', 'root', 10, 90, [tag('diffusion.batch.size', 2), tag('diffusion.batch.index', 0)], [[BATCH, 'batch']]),
  span(MEMBER, 'bw', 'batch.wait', 'inf', 10, 20),
  span(MEMBER, 'smp', 'sampling', 'inf', 30, 60, [tag('diffusion.batch.size', 2)]),
  span(MEMBER, 'put', 'storage.put', 'root', 100, 10),
]);
const batch = trace(BATCH, [
  span(
    BATCH,
    'batch',
    'batch',
    null,
    30,
    65,
    [
      tag('diffusion.batch.size', 2),
      tag('diffusion.batch.images', 3),
      tag('diffusion.batch.request_ids', JSON.stringify(['req_a', 'req_b'])),
      tag('diffusion.batch.trace_ids', JSON.stringify([MEMBER, SIBLING])),
    ],
    [
      [MEMBER, 'inf'],
      [SIBLING, 'inf2'],
    ],
  ),
  span(BATCH, 'smp0', 'sampling', 'batch', 30, 60),
]);

describe('batch fan-in model', () => {
  it("a member's trace: the batch it linked to, and its critical path split into wait and shared work", () => {
    const model = transformTrace(member);
    const membership = batchMembership(model)!;
    expect(membership).toMatchObject({ batchTraceID: BATCH, batchSpanID: 'batch', size: 2, index: 0 });
    expect(model.spans[membership.spanIndex].operationName).toBe('inference');
    // The cross-trace FOLLOWS_FROM never re-parents: inference stays under the root.
    expect(model.spans[model.spans[membership.spanIndex].parentIndex].spanID).toBe('root');
    const critical = computeCriticalPath(model);
    expect(critical.sections.map((s) => `${model.spans[s.spanIndex].spanID}:${s.startUs}-${s.endUs}`)).toEqual([
      'qw:0-10',
      'bw:10-30',
      'smp:30-90',
      'inf:90-100',
      'put:100-110',
    ]);
    expect(batchCriticalShare(model, critical)).toEqual({ waitUs: 20, sharedUs: 60 });
    expect(batchFanIn(model)).toBeUndefined();
  });

  it("the batch's trace: its members in order with their request ids", () => {
    const model = transformTrace(batch);
    expect(batchMembership(model)).toBeUndefined();
    expect(batchFanIn(model)).toEqual({
      spanIndex: 0,
      size: 2,
      images: 3,
      members: [
        { traceID: MEMBER, spanID: 'inf', requestId: 'req_a' },
        { traceID: SIBLING, spanID: 'inf2', requestId: 'req_b' },
      ],
    });
  });

  it('a request that ran alone has no membership', () => {
    const alone = trace(MEMBER, [span(MEMBER, 'inf', 'inference', null, 0, 10, [tag('diffusion.batch.size', 1)])]);
    expect(batchMembership(transformTrace(alone))).toBeUndefined();
  });
});
