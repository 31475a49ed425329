/**
 * A trace as text: a header (root operation, duration, services), the diffusion summary (queue
 * wait, steps, it/s, slowest step), then one row per span in tree order with its start, duration
 * and a bar on a shared time axis, and its log lines under it. The critical path is the explorer
 * UI's (src/contract/trace-model/critical-path.ts): a span on it is marked ◆, and the cells where
 * the request was waiting on that span itself are drawn █ (the rest of the span ─).
 */
import type { JaegerTrace, LogEntry } from '../../contract/index.js';
import {
  computeCriticalPath,
  stepStrip,
  summarizeDiffusion,
  transformTrace,
  type CriticalSection,
  type SpanNode,
  type TraceModel,
} from '../../contract/trace-model/index.js';
import { formatMs, formatUs } from '../client/format.js';
import { formatLogRecord, logRecordOf } from '../console/log-line.js';
import type { Paint } from '../terminal.js';

export interface WaterfallOptions {
  paint: Paint;
  /** Cells of the time axis. */
  barWidth?: number;
  logs?: LogEntry[];
}

const NAME_WIDTH = 40;
const SERVICE_WIDTH = 17;
const MAX_INDENT_DEPTH = 8;
export const CRITICAL_MARK = '◆';

function cellRange(model: TraceModel, startUs: number, endUs: number, width: number): [number, number] {
  const span = Math.max(1, model.durationUs);
  const from = Math.floor(((startUs - model.startUs) / span) * width);
  const to = Math.ceil(((endUs - model.startUs) / span) * width);
  const a = Math.max(0, Math.min(width - 1, from));
  return [a, Math.max(a + 1, Math.min(width, to))];
}

function spanBar(model: TraceModel, span: SpanNode, sections: CriticalSection[] | undefined, width: number, p: Paint): string {
  const cells = new Array<string>(width).fill(' ');
  const [a, b] = cellRange(model, span.startUs, span.endUs, width);
  for (let i = a; i < b; i++) cells[i] = '─';
  for (const s of sections ?? []) {
    const [c, d] = cellRange(model, s.startUs, s.endUs, width);
    for (let i = c; i < d; i++) cells[i] = '█';
  }
  const text = cells.join('').replace(/█+/g, (run) => p.yellow(run));
  return span.isError ? p.red(text) : text;
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** The lines above the waterfall: what the request was and where its time went. */
export function traceSummaryLines(model: TraceModel, p: Paint): string[] {
  const summary = summarizeDiffusion(model);
  const lines = [
    `${p.bold('trace')} ${model.traceID} · ${p.bold(model.rootOperation)} (${model.rootService}) · ${formatUs(model.durationUs)} · ${model.spans.length} spans · ${model.services.map((s) => s.name).join(', ')}` +
      (model.errorCount > 0 ? ` · ${p.red(`${model.errorCount} error${model.errorCount > 1 ? 's' : ''}`)}` : ''),
  ];
  const request = [
    summary.requestId ? `request ${summary.requestId}` : '',
    summary.model ? `model ${summary.model}` : '',
    summary.sampler ? `sampler ${summary.sampler}` : '',
    summary.size ? `size ${summary.size}` : '',
    summary.inferenceIndex >= 0 ? `cache ${summary.cache}` : '',
  ].filter(Boolean);
  if (request.length > 0) lines.push(request.join(' · '));
  const timing: string[] = [];
  if (summary.queueWaitUs !== undefined) timing.push(`queue wait ${formatUs(summary.queueWaitUs)}`);
  const sampling = summary.samplingIndex >= 0 ? model.spans[summary.samplingIndex] : undefined;
  const strip = sampling ? stepStrip(sampling) : undefined;
  if (strip) {
    const slowest = strip.durationsMs.indexOf(strip.maxMs) + 1;
    timing.push(`steps ${strip.durationsMs.length}`);
    if (strip.stepsPerSecond !== undefined) timing.push(`${strip.stepsPerSecond.toFixed(1)} it/s`);
    timing.push(`slowest step #${slowest} ${formatMs(strip.maxMs)} (mean ${formatMs(strip.totalMs / strip.durationsMs.length)})`);
  } else if (summary.steps !== undefined) {
    timing.push(`steps ${summary.steps}`);
  }
  if (timing.length > 0) lines.push(timing.join(' · '));
  return lines;
}

export function renderWaterfall(trace: JaegerTrace, options: WaterfallOptions): string {
  const p = options.paint;
  const width = options.barWidth ?? 40;
  const model = transformTrace(trace);
  const critical = computeCriticalPath(model);
  const logsBySpan = new Map<string, LogEntry[]>();
  const loose: LogEntry[] = [];
  for (const entry of [...(options.logs ?? [])].sort((a, b) => a.time_us - b.time_us || a.id - b.id)) {
    if (entry.span_id && model.byId.has(entry.span_id)) {
      const list = logsBySpan.get(entry.span_id) ?? [];
      list.push(entry);
      logsBySpan.set(entry.span_id, list);
    } else {
      loose.push(entry);
    }
  }

  const lines = traceSummaryLines(model, p);
  lines.push('');
  const axis = `0${' '.repeat(Math.max(1, width - 1 - formatUs(model.durationUs).length))}${formatUs(model.durationUs)}`;
  lines.push(
    p.dim(`  ${'span'.padEnd(NAME_WIDTH)} ${'service'.padEnd(SERVICE_WIDTH)} ${'start'.padStart(9)} ${'duration'.padStart(9)}  ${axis}`),
  );
  for (const index of model.preorder) {
    const span = model.spans[index];
    const sections = critical.bySpan.get(index);
    const mark = sections ? p.yellow(CRITICAL_MARK) : ' ';
    const indent = '  '.repeat(Math.min(span.depth, MAX_INDENT_DEPTH));
    const name = fit(indent + span.operationName, NAME_WIDTH);
    const start = formatUs(span.startUs - model.startUs).padStart(9);
    const duration = formatUs(span.durationUs).padStart(9);
    lines.push(
      `${mark} ${span.isError ? p.red(name) : name} ${p.dim(fit(span.serviceName, SERVICE_WIDTH))} ${start} ${duration}  ${spanBar(model, span, sections, width, p)}`,
    );
    for (const entry of logsBySpan.get(span.spanID) ?? []) {
      lines.push(`  ${indent}  ${p.dim('│')} ${formatLogRecord(logRecordOf(entry), p, { withinRequest: true })}`);
    }
  }
  if (loose.length > 0) {
    lines.push('', p.dim('log lines of this trace outside its spans:'));
    for (const entry of loose) lines.push(`  ${formatLogRecord(logRecordOf(entry), p, { withinRequest: true })}`);
  }
  const criticalUs = critical.sections.reduce((sum, s) => sum + (s.endUs - s.startUs), 0);
  lines.push(
    '',
    p.dim(
      `${CRITICAL_MARK} on the critical path (${formatUs(criticalUs)} of ${formatUs(model.durationUs)}): █ when the request waited on that span itself, ─ the rest of the span`,
    ),
  );
  return lines.join('\n');
}
