import type { JSX } from 'preact';
import { CacheBadge } from '../../components/badges.js';
import { serviceColor } from '../../components/colors.js';
import { formatDuration, formatTimestampUs } from '../../model/format.js';
import { Link } from '../../router/link.js';
import { queryString } from '../../router/router.js';
import { OutputImages } from './detail/output-images.js';
import type { TraceData } from './use-trace-loading.js';

export function TraceHeader({ data }: { data: TraceData }): JSX.Element {
  const { model, diffusion, critical } = data;
  const criticalUs = critical.sections.reduce((a, s) => a + s.endUs - s.startUs, 0);
  return (
    <header class="trace-header">
      <div class="trace-header-main">
        <h1>
          <span class="svc-swatch" style={{ background: serviceColor(model.rootService) }} />
          <span class="muted">{model.rootService}:</span> {model.rootOperation}
          <span class="trace-id mono">{model.traceID}</span>
        </h1>
        <dl class="trace-facts">
          <div>
            <dt>Start</dt>
            <dd>{formatTimestampUs(model.startUs)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(model.durationUs)}</dd>
          </div>
          <div>
            <dt>Spans</dt>
            <dd>{model.spans.length}</dd>
          </div>
          <div>
            <dt>Depth</dt>
            <dd>{model.maxDepth + 1}</dd>
          </div>
          {criticalUs > 0 && (
            <div>
              <dt>Critical path</dt>
              <dd>{formatDuration(criticalUs)} traced</dd>
            </div>
          )}
          {diffusion.queueWaitUs !== undefined && (
            <div>
              <dt>Queue wait</dt>
              <dd>{formatDuration(diffusion.queueWaitUs)}</dd>
            </div>
          )}
          {diffusion.model && (
            <div>
              <dt>Model</dt>
              <dd>
                {diffusion.model} <CacheBadge cache={diffusion.cache} />
              </dd>
            </div>
          )}
          {diffusion.sampler && (
            <div>
              <dt>Sampler</dt>
              <dd>
                {diffusion.sampler}
                {diffusion.steps !== undefined && ` · ${diffusion.steps} steps`}
                {diffusion.size && ` · ${diffusion.size}`}
              </dd>
            </div>
          )}
          {diffusion.requestId && (
            <div>
              <dt>Request</dt>
              <dd>
                <Link href={`/logs${queryString({ request_id: diffusion.requestId, lookback: 'all' })}`} class="mono">
                  {diffusion.requestId}
                </Link>
              </dd>
            </div>
          )}
          {model.errorCount > 0 && (
            <div>
              <dt>Errors</dt>
              <dd>
                <span class="badge badge-error">{model.errorCount} error spans</span>
              </dd>
            </div>
          )}
        </dl>
        <ul class="service-chips" aria-label="services">
          {model.services.map((s) => (
            <li key={s.name}>
              <span class="svc-swatch" style={{ background: serviceColor(s.name) }} />
              {s.name} <span class="muted">{s.count}</span>
            </li>
          ))}
        </ul>
      </div>
      <OutputImages traceID={model.traceID} count={diffusion.imageCount} />
    </header>
  );
}
