// Deterministic large traces for the draw tests and the draw benchmark.
import type { JaegerSpan, JaegerTrace } from '../../../web/src/model/types.js';

/** xorshift32: same trace every run without Math.random. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const OPS = ['db.query', 'cache.get', 'http.client', 'render.tile', 'queue.wait', 'sampling', 'storage.put', 'compute'];

/**
 * A bushy, deep trace of `count` spans over three services: each span hangs under a recent span
 * (so depth reaches dozens) and fits inside its parent, with a sprinkle of errors.
 */
export function syntheticTrace(count: number, traceID = `synth${count}`): JaegerTrace {
  const rand = prng(count * 2654435761);
  const t0 = Date.parse('2026-11-25T13:00:00Z') * 1000;
  const spans: JaegerSpan[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < count; i++) {
    const spanID = (i + 1).toString(16).padStart(16, '0');
    let parent = -1;
    let start = t0;
    let end = t0 + 10_000_000;
    if (i > 0) {
      parent = rand() < 0.7 ? Math.max(0, i - 1 - Math.floor(rand() * 8)) : Math.floor(rand() * i);
      const ps = starts[parent];
      const pe = ends[parent];
      const span = pe - ps;
      start = ps + Math.floor(rand() * span * 0.5);
      // children keep 30–100% of the room left, so deep spans stay visible instead of shrinking to 1µs
      end = Math.min(pe, start + Math.max(1, Math.floor((0.3 + 0.7 * rand()) * (pe - start))));
    }
    starts.push(start);
    ends.push(end);
    const op = i === 0 ? 'GET /synthetic' : OPS[Math.floor(rand() * OPS.length)];
    const err = i > 0 && rand() < 0.01;
    spans.push({
      traceID,
      spanID,
      operationName: op,
      references: parent < 0 ? [] : [{ refType: 'CHILD_OF', traceID, spanID: (parent + 1).toString(16).padStart(16, '0') }],
      startTime: start,
      duration: end - start,
      tags: [
        { key: 'span.kind', type: 'string', value: i === 0 ? 'server' : 'internal' },
        { key: 'synthetic.index', type: 'int64', value: i },
        ...(err
          ? [
              { key: 'error', type: 'bool', value: true },
              { key: 'otel.status_code', type: 'string', value: 'ERROR' },
            ]
          : []),
      ],
      logs: [],
      processID: `p${(i % 3) + 1}`,
      warnings: null,
    });
  }
  return {
    traceID,
    spans,
    processes: {
      p1: { serviceName: 'api-server', tags: [] },
      p2: { serviceName: 'inference-worker', tags: [] },
      p3: { serviceName: 'notifier', tags: [] },
    },
  };
}

/** A straight parent→child chain: the shape that overflows a recursive walk. */
export function chainTrace(depth: number, traceID = `chain${depth}`): JaegerTrace {
  const spans: JaegerSpan[] = [];
  for (let i = 0; i < depth; i++) {
    spans.push({
      traceID,
      spanID: `c${i}`,
      operationName: `level-${i}`,
      references: i === 0 ? [] : [{ refType: 'CHILD_OF', traceID, spanID: `c${i - 1}` }],
      startTime: 1000 + i,
      duration: 2 * (depth - i),
      tags: [],
      logs: [],
      processID: 'p1',
    });
  }
  return { traceID, spans, processes: { p1: { serviceName: 'svc', tags: [] } } };
}
