/**
 * Two to four requests side by side: each pipeline stage's duration and its delta against the
 * first trace, the stage that grew most, the parameters that differ, and the per-step timings.
 * Pure: spans in, table out (compare-routes.ts loads the spans). The stage list, the span → stage
 * mapping and the cold/warm rule are the contract's (src/contract/stages.ts), as in analysis.ts.
 */
import {
  ATTR,
  COMPARED_PARAMETERS,
  SPAN,
  STAGES,
  cacheStateOf,
  isSummaryStage,
  stageOfSpan,
  type ComparedParameterName,
  type ComparedTrace,
  type ParameterComparison,
  type StageComparison,
  type StageName,
  type TraceComparison,
} from '../../contract/index.js';

/** The resource attribute that names the process (OTel resource semantic conventions). */
export const SERVICE_INSTANCE_ID = 'service.instance.id';

export interface ComparableSpan {
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  service: string;
  startUs: number;
  durationUs: number;
  /** OTLP StatusCode: 2 is ERROR. */
  statusCode: number;
  attributes: Record<string, unknown>;
  /** The attributes of the resource (process) that sent the span. */
  resource: Record<string, unknown>;
}

export interface ComparableTrace {
  traceId: string;
  spans: ComparableSpan[];
}

interface TraceFacts {
  summary: Omit<ComparedTrace, 'grew_most'>;
  stagesUs: Map<StageName, number>;
  parameters: Record<ComparedParameterName, string | null>;
}

const STATUS_ERROR = 2;

function latest(spans: ComparableSpan[], name: string): ComparableSpan | undefined {
  let found: ComparableSpan | undefined;
  for (const s of spans) if (s.name === name && (!found || s.startUs >= found.startUs)) found = s;
  return found;
}

function scalar(v: unknown): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return null;
}

function finiteNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function booleanOf(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined;
}

/** `diffusion.step_durations_ms` arrives as an array (OTLP arrayValue) or as its JSON text (Jaeger-shaped writers). */
export function stepDurationsOf(v: unknown): number[] {
  let raw = v;
  if (typeof raw === 'string' && raw.trim().startsWith('[')) {
    try {
      raw = JSON.parse(raw);
    } catch {
      return [];
    }
  }
  if (!Array.isArray(raw)) return [];
  const out: number[] = [];
  for (const x of raw) {
    const n = finiteNumber(x);
    if (n !== undefined) out.push(n);
  }
  return out;
}

const ms = (us: number): number => Math.round(us) / 1000;

function factsOf(trace: ComparableTrace): TraceFacts {
  const { spans } = trace;
  const ids = new Set(spans.map((s) => s.spanId));
  const stagesUs = new Map<StageName, number>();
  let first = Infinity;
  let last = -Infinity;
  let root: ComparableSpan | undefined;
  let errors = 0;
  let attempt: number | undefined;
  for (const s of spans) {
    first = Math.min(first, s.startUs);
    last = Math.max(last, s.startUs + s.durationUs);
    if ((s.parentSpanId === '' || !ids.has(s.parentSpanId)) && (!root || s.startUs < root.startUs)) root = s;
    if (s.statusCode === STATUS_ERROR) errors++;
    const stage = stageOfSpan(s.name);
    if (stage !== undefined) stagesUs.set(stage, (stagesUs.get(stage) ?? 0) + s.durationUs);
    const a = finiteNumber(s.attributes[ATTR.MESSAGING_DELIVERY_ATTEMPT]);
    if (a !== undefined) attempt = Math.max(attempt ?? a, a);
  }
  if (spans.length > 0) stagesUs.set('total', last - first);

  // A retried job has several inference/sampling spans: the last attempt is the one that counts.
  const inference = latest(spans, SPAN.INFERENCE);
  const sampling = latest(spans, SPAN.SAMPLING);
  // Where a parameter is looked for, most specific first: the worker's spans, then the request's root.
  const sources = [inference, sampling, latest(spans, SPAN.MODEL_LOAD), root].filter((s): s is ComparableSpan => s !== undefined);
  const attr = (key: string): string | null => {
    for (const s of sources) {
      const v = scalar(s.attributes[key]);
      if (v !== null) return v;
    }
    return null;
  };
  const width = attr(ATTR.DIFFUSION_WIDTH);
  const height = attr(ATTR.DIFFUSION_HEIGHT);
  const steps = stepDurationsOf(sampling?.attributes[ATTR.DIFFUSION_STEP_DURATIONS_MS]);
  const stepsTotalMs = steps.reduce((a, b) => a + b, 0);
  const taggedRate = finiteNumber(sampling?.attributes[ATTR.DIFFUSION_STEPS_PER_SECOND]);
  const workerSpan = inference ?? latest(spans, SPAN.QUEUE_WAIT);
  return {
    stagesUs,
    summary: {
      trace_id: trace.traceId,
      start_us: spans.length > 0 ? first : 0,
      duration_ms: spans.length > 0 ? ms(last - first) : 0,
      root_service: root?.service ?? '',
      root_operation: root?.name ?? '',
      cache: cacheStateOf({
        modelLoadSpan: stagesUs.has(SPAN.MODEL_LOAD),
        cacheHit: booleanOf(inference?.attributes[ATTR.DIFFUSION_CACHE_HIT]),
        coldStart: booleanOf(inference?.attributes[ATTR.DIFFUSION_COLD_START]),
      }),
      error_count: errors,
      step_durations_ms: steps,
      steps_per_second: taggedRate ?? (stepsTotalMs > 0 ? Math.round((steps.length * 1e6) / stepsTotalMs) / 1000 : null),
    },
    parameters: {
      model: attr(ATTR.DIFFUSION_MODEL_ID) ?? attr(ATTR.GEN_AI_REQUEST_MODEL),
      version: attr(ATTR.DIFFUSION_MODEL_VERSION),
      sampler: attr(ATTR.DIFFUSION_SAMPLER),
      steps: attr(ATTR.DIFFUSION_STEPS),
      size: width !== null && height !== null ? `${width}x${height}` : null,
      device: attr(ATTR.DIFFUSION_DEVICE),
      worker: scalar(workerSpan?.resource[SERVICE_INSTANCE_ID]),
      attempt: attempt !== undefined ? String(attempt) : null,
    },
  };
}

const PARAMETER_SOURCES: Record<ComparedParameterName, string> = {
  model: ATTR.DIFFUSION_MODEL_ID,
  version: ATTR.DIFFUSION_MODEL_VERSION,
  sampler: ATTR.DIFFUSION_SAMPLER,
  steps: ATTR.DIFFUSION_STEPS,
  size: `${ATTR.DIFFUSION_WIDTH}x${ATTR.DIFFUSION_HEIGHT}`,
  device: ATTR.DIFFUSION_DEVICE,
  worker: SERVICE_INSTANCE_ID,
  attempt: ATTR.MESSAGING_DELIVERY_ATTEMPT,
};

function compareStage(stage: StageName, facts: TraceFacts[]): StageComparison {
  const us = facts.map((f) => f.stagesUs.get(stage));
  const anywhere = us.some((v) => v !== undefined);
  const base = us[0] ?? 0;
  return {
    stage,
    durations_ms: us.map((v) => (v === undefined ? null : ms(v))),
    deltas_ms: us.map((v) => (anywhere ? ms((v ?? 0) - base) : null)),
  };
}

/** The non-summary stage with the largest positive delta in column `i`, or null. */
function grewMostIn(stages: StageComparison[], i: number): { stage: StageName; delta_ms: number } | null {
  let best: { stage: StageName; delta_ms: number } | null = null;
  for (const s of stages) {
    const d = s.deltas_ms[i];
    if (isSummaryStage(s.stage) || d === null || d <= 0) continue;
    if (!best || d > best.delta_ms) best = { stage: s.stage, delta_ms: d };
  }
  return best;
}

/** The first trace is the baseline. Callers pass 2–4 traces (MIN/MAX_COMPARED_TRACES), each with its spans. */
export function compareTraces(traces: ComparableTrace[]): TraceComparison {
  const facts = traces.map(factsOf);
  const stages = STAGES.map((stage) => compareStage(stage, facts));
  let overall: TraceComparison['grew_most'] = null;
  const compared = facts.map((f, i): ComparedTrace => {
    const grew = i === 0 ? null : grewMostIn(stages, i);
    if (grew && (!overall || grew.delta_ms > overall.delta_ms)) overall = { stage: grew.stage, trace_index: i, delta_ms: grew.delta_ms };
    return { ...f.summary, grew_most: grew?.stage ?? null };
  });
  const parameters = COMPARED_PARAMETERS.map((name): ParameterComparison => {
    const values = facts.map((f) => f.parameters[name]);
    return { name, source: PARAMETER_SOURCES[name], values, differs: values.some((v) => v !== values[0]) };
  });
  return { traces: compared, stages, grew_most: overall, parameters };
}
