/**
 * The fan-in drawn in traces. A batch of two or more requests gets a `batch` span at the root
 * of a trace of its own (it belongs to no single request: members come from different clients,
 * may be canceled or retried, and a member's trace must not hold its siblings' work). It links to
 * each member's `inference` span and carries the members' request ids and trace ids; each
 * member's `inference` span links back to it. Each member also gets `batch.wait`, from its arrival
 * at the batcher to the start of its batch, so its own critical path shows the window it waited.
 */
import { SPAN } from '../../contract/index.js';
import { ATTR, ROOT_CONTEXT, SpanKind, getTracer, trace, type Context, type Span } from '../../telemetry/index.js';
import type { GenerationParams } from '../../inference/types.js';

export interface TracedMember {
  /** The member's `inference` span context (active when it called generate()). */
  context: Context;
  requestId?: string;
  arrivedAt: number;
  images: number;
}

/** `batch.wait` under the member's `inference` span: arrival → the start of its batch (or its lone run). */
export function recordBatchWait(member: TracedMember, startedAt: number, batchSize: number): void {
  getTracer()
    .startSpan(
      SPAN.BATCH_WAIT,
      {
        kind: SpanKind.INTERNAL,
        startTime: member.arrivedAt,
        attributes: { [ATTR.DIFFUSION_BATCH_WAIT_MS]: Math.max(0, startedAt - member.arrivedAt), [ATTR.DIFFUSION_BATCH_SIZE]: batchSize },
      },
      member.context,
    )
    .end(startedAt);
}

/** Starts the `batch` span (root of its own trace) and links each member's `inference` span to it. */
export function startBatchSpan(
  members: readonly TracedMember[],
  params: GenerationParams,
  startedAt: number,
): { span: Span; context: Context } {
  const memberSpans = members.map((m) => trace.getSpan(m.context));
  const requestIds = members.map((m) => m.requestId ?? '');
  const traceIds = memberSpans.map((s) => s?.spanContext().traceId ?? '');
  const size = members.length;
  const span = getTracer().startSpan(
    SPAN.BATCH,
    {
      kind: SpanKind.INTERNAL,
      root: true,
      startTime: startedAt,
      attributes: {
        [ATTR.DIFFUSION_BATCH_SIZE]: size,
        [ATTR.DIFFUSION_BATCH_IMAGES]: members.reduce((sum, m) => sum + m.images, 0),
        [ATTR.DIFFUSION_BATCH_REQUEST_IDS]: requestIds,
        [ATTR.DIFFUSION_BATCH_TRACE_IDS]: traceIds,
        [ATTR.DIFFUSION_MODEL_ID]: params.model,
        [ATTR.DIFFUSION_SAMPLER]: params.sampler,
        [ATTR.DIFFUSION_STEPS]: params.steps,
        [ATTR.DIFFUSION_CFG_SCALE]: params.cfgScale,
        [ATTR.DIFFUSION_WIDTH]: params.width,
        [ATTR.DIFFUSION_HEIGHT]: params.height,
      },
      links: memberSpans.flatMap((s, i) =>
        s ? [{ context: s.spanContext(), attributes: { [ATTR.REQUEST_ID]: requestIds[i], [ATTR.DIFFUSION_BATCH_INDEX]: i } }] : [],
      ),
    },
    ROOT_CONTEXT,
  );
  memberSpans.forEach((s, i) => {
    if (!s) return;
    s.addLink({ context: span.spanContext(), attributes: { [ATTR.DIFFUSION_BATCH_SIZE]: size, [ATTR.DIFFUSION_BATCH_INDEX]: i } });
    s.setAttributes({ [ATTR.DIFFUSION_BATCH_SIZE]: size, [ATTR.DIFFUSION_BATCH_INDEX]: i });
  });
  return { span, context: trace.setSpan(ROOT_CONTEXT, span) };
}
