import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { fetchTrace } from '../../api/client.js';
import { batchCriticalShare, batchFanIn, batchMembership, type BatchFanIn, type BatchMember } from '../../model/batch-fan-in.js';
import { formatDuration } from '../../model/format.js';
import { transformTrace } from '../../model/transform-trace.js';
import { Link } from '../../router/link.js';
import { queryString } from '../../router/router.js';
import type { TraceData } from './use-trace-loading.js';

/**
 * Dynamic batching, drawn as fan-in. On a member's trace: the batch it ran in (its own trace,
 * loaded here through the link), its siblings with a link to each one's trace, and how much of
 * this request's critical path was the batch window and the shared work. On the batch's trace:
 * the members that fanned in. Nothing is drawn for a request that ran alone.
 */
export function BatchPanel({ data }: { data: TraceData }): JSX.Element | null {
  const { model, critical } = data;
  const membership = batchMembership(model);
  const own = membership ? undefined : batchFanIn(model);
  const [batch, setBatch] = useState<{ fanIn?: BatchFanIn; durationUs?: number; error?: string } | undefined>(undefined);

  useEffect(() => {
    if (!membership) return;
    const ctrl = new AbortController();
    fetchTrace(membership.batchTraceID, ctrl.signal).then(
      (trace) => {
        if (!trace) return setBatch({ error: 'the batch trace has not arrived (or was not kept)' });
        const batchModel = transformTrace(trace);
        const fanIn = batchFanIn(batchModel);
        setBatch({ fanIn, durationUs: fanIn ? batchModel.spans[fanIn.spanIndex].durationUs : undefined });
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) setBatch({ error: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => ctrl.abort();
  }, [membership?.batchTraceID]);

  if (membership) {
    const share = batchCriticalShare(model, critical);
    const members = batch?.fanIn?.members;
    const batchHref = `/trace/${encodeURIComponent(membership.batchTraceID)}${queryString({ span: membership.batchSpanID })}`;
    return (
      <section class="batch-panel" aria-label="batch">
        <h2>
          Ran in a batch of {membership.size}
          {membership.index !== undefined && <span class="muted"> · member {membership.index + 1}</span>}{' '}
          <Link href={batchHref} class="batch-trace-link">
            batch trace
          </Link>
        </h2>
        <p class="small">
          Critical path: <strong>{formatDuration(share.waitUs)}</strong> waiting for the batch (batch.wait),{' '}
          <strong>{formatDuration(share.sharedUs)}</strong> in stages shared with {membership.size - 1} other
          {membership.size === 2 ? '' : 's'}
          {batch?.durationUs !== undefined && <> · the batch ran {formatDuration(batch.durationUs)}</>}.
        </p>
        {batch?.error && <p class="small error-text">Batch trace: {batch.error}</p>}
        {members && <FanIn members={members} self={model.traceID} batchHref={batchHref} size={membership.size} />}
      </section>
    );
  }
  if (own) {
    return (
      <section class="batch-panel" aria-label="batch">
        <h2>
          Batch of {own.size} requests{own.images !== undefined && <span class="muted"> · {own.images} images</span>}
        </h2>
        <FanIn members={own.members} self={undefined} batchHref={undefined} size={own.size} />
      </section>
    );
  }
  return null;
}

const ROW = 26;

/** Members on the left, each line converging on the batch on the right. */
function FanIn({
  members,
  self,
  batchHref,
  size,
}: {
  members: BatchMember[];
  self: string | undefined;
  batchHref: string | undefined;
  size: number;
}): JSX.Element {
  const height = Math.max(1, members.length) * ROW;
  const mid = height / 2;
  return (
    <div class="fan-in">
      <ol class="fan-in-members plain">
        {members.map((m, i) => (
          <li key={m.traceID} class={m.traceID === self ? 'self' : undefined} data-member-trace={m.traceID} style={{ height: `${ROW}px` }}>
            <span class="muted mono small">{i + 1}</span>{' '}
            {m.traceID === self ? (
              <span class="mono">{m.requestId ?? m.traceID.slice(0, 12)} (this request)</span>
            ) : (
              <Link href={`/trace/${encodeURIComponent(m.traceID)}${queryString({ span: m.spanID })}`} class="mono sibling-link">
                {m.requestId ?? `${m.traceID.slice(0, 12)}…`}
              </Link>
            )}
          </li>
        ))}
      </ol>
      <svg class="fan-in-lines" width="80" height={height} viewBox={`0 0 80 ${height}`} aria-hidden="true">
        {members.map((m, i) => (
          <path
            key={m.traceID}
            d={`M0 ${i * ROW + ROW / 2} C40 ${i * ROW + ROW / 2}, 40 ${mid}, 80 ${mid}`}
            class={m.traceID === self ? 'self' : undefined}
          />
        ))}
      </svg>
      <div class="fan-in-batch" style={{ marginTop: `${Math.max(0, mid - ROW / 2)}px` }}>
        {batchHref ? <Link href={batchHref}>batch ×{size}</Link> : <span>batch ×{size}</span>}
      </div>
    </div>
  );
}
