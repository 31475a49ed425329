import type { JSX } from 'preact';
import { LevelBadge } from '../../../components/badges.js';
import { serviceColor } from '../../../components/colors.js';
import { isQueueWait, stepStrip } from '../../../model/diffusion.js';
import { formatDuration, formatTimestampUs } from '../../../model/format.js';
import type { TraceData } from '../use-trace-loading.js';
import { KvTable } from './kv-table.js';
import { StepStrip } from './step-strip.js';

interface SpanDetailProps {
  data: TraceData;
  index: number;
  onSelect: (index: number) => void;
}

export function SpanDetail({ data, index, onSelect }: SpanDetailProps): JSX.Element {
  const { model, critical, logsBySpan, diffusion } = data;
  const span = model.spans[index];
  if (!span) return <p class="muted pad">Select a span to see its attributes, events and logs.</p>;
  const strip = span.operationName === 'sampling' ? stepStrip(span) : undefined;
  const criticalUs = (critical.bySpan.get(index) ?? []).reduce((a, c) => a + c.endUs - c.startUs, 0);
  const parent = span.parentIndex >= 0 ? model.spans[span.parentIndex] : undefined;
  const links = span.references.filter((r) => !(parent && r.refType === 'CHILD_OF' && r.spanID === parent.spanID));
  const logs = logsBySpan.get(index) ?? [];
  return (
    <div class="span-detail" aria-label="span detail">
      <h2 class="detail-title">
        <span class="svc-swatch" style={{ background: serviceColor(span.serviceName) }} />
        {span.operationName}
        {isQueueWait(span) && <span class="badge badge-queue">queue</span>}
        {index === diffusion.inferenceIndex && diffusion.cache !== 'unknown' && (
          <span class={`badge badge-${diffusion.cache}`}>{diffusion.cache}</span>
        )}
        {span.isError && <span class="badge badge-error">error</span>}
      </h2>
      <dl class="facts">
        <dt>Service</dt>
        <dd>{span.serviceName}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(span.durationUs)}</dd>
        <dt>Start</dt>
        <dd>
          +{formatDuration(span.startUs - model.startUs)} <span class="muted">({formatTimestampUs(span.startUs)})</span>
        </dd>
        <dt>Kind</dt>
        <dd>{span.kind || '–'}</dd>
        <dt>Critical</dt>
        <dd>{criticalUs > 0 ? `${formatDuration(criticalUs)} on the critical path` : 'off the critical path'}</dd>
        {span.subtreeEndUs > span.endUs && (
          <>
            <dt>Outlived</dt>
            <dd>children run {formatDuration(span.subtreeEndUs - span.endUs)} past its end</dd>
          </>
        )}
        <dt>Span ID</dt>
        <dd class="mono">{span.spanID}</dd>
        <dt>Parent</dt>
        <dd>
          {parent ? (
            <button type="button" class="linklike" onClick={() => onSelect(parent.index)}>
              {parent.operationName}
            </button>
          ) : span.orphan ? (
            'missing (orphan)'
          ) : (
            'root'
          )}
        </dd>
      </dl>
      {strip && (
        <section>
          <h3>Sampling steps</h3>
          <StepStrip strip={strip} />
        </section>
      )}
      <section>
        <h3>Attributes</h3>
        <KvTable rows={span.tags.map((t) => [t.key, t.value])} />
      </section>
      <section>
        <h3>Events ({span.logs.length})</h3>
        {span.logs.length === 0 ? (
          <p class="muted small">none</p>
        ) : (
          span.logs.map((ev, i) => (
            <div key={i} class="event">
              <div class="muted small">+{formatDuration(ev.timestamp - model.startUs)}</div>
              <KvTable rows={ev.fields.map((f) => [f.key, f.value])} />
            </div>
          ))
        )}
      </section>
      <section>
        <h3>Links ({links.length})</h3>
        {links.length === 0 ? (
          <p class="muted small">none</p>
        ) : (
          <ul class="plain">
            {links.map((l, i) => {
              const target = l.traceID === model.traceID ? model.byId.get(l.spanID) : undefined;
              return (
                <li key={i}>
                  <span class="muted">{l.refType}</span>{' '}
                  {target !== undefined ? (
                    <button type="button" class="linklike" onClick={() => onSelect(target)}>
                      {model.spans[target].operationName}
                    </button>
                  ) : (
                    <a href={`/trace/${l.traceID}?span=${l.spanID}`} class="mono">
                      {l.traceID.slice(0, 12)}…/{l.spanID}
                    </a>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <section>
        <h3>Resource</h3>
        <KvTable
          rows={[['service.name', span.process.serviceName], ...(span.process.tags ?? []).map((t): [string, unknown] => [t.key, t.value])]}
        />
      </section>
      <section>
        <h3>Logs ({logs.length})</h3>
        {logs.length === 0 ? (
          <p class="muted small">no log lines carry this span id</p>
        ) : (
          <ul class="plain detail-logs">
            {logs.map((l) => (
              <li key={l.id}>
                <LevelBadge level={l.level} /> <span class="mono small">+{formatDuration(l.time_us - model.startUs)}</span>{' '}
                <strong>{l.event}</strong>
                {l.body && l.body !== l.event && <span class="small"> {l.body}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      {span.warnings.length > 0 && (
        <section>
          <h3>Warnings</h3>
          <ul class="plain">
            {span.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
