/**
 * One undecided trace in the sampler's buffer: its rows as they arrived, and what the policies
 * and the completeness rule need, summed up as each span comes in (so deciding never walks
 * the rows again). Attributes are stored as JSON text; only spans that carry a key a policy
 * reads are parsed.
 */
import { ATTR } from '../../contract/index.js';
import type { LogRow, ResourceRef, SpanRow } from '../store/rows.js';
import type { HeldLog, HeldSpan } from './out-batch.js';

const SPAN_KIND_PRODUCER = 4;
const SPAN_KIND_CONSUMER = 5;
const STATUS_ERROR = 2;
/** OTLP span flags: bit 8 says whether bit 9 (the parent is remote) is set at all. */
const PARENT_IS_REMOTE = 0x300;
/**
 * A fixed cost per held row besides its strings' characters (the row array, its numbers, string
 * headers, the holder object, the trace's share): what bench/explorer/tail-sampling.bench.ts
 * measured after GC for diffscope-shaped spans and logs (~660 bytes a record, ~180 of them text).
 */
const ROW_OVERHEAD_BYTES = 480;

const GROUP_KEYS = [ATTR.DIFFUSION_MODEL_ID, ATTR.DIFFUSION_SAMPLER, ATTR.DIFFUSION_STEPS] as const;
const MODEL_NEEDLE = `"${ATTR.DIFFUSION_MODEL_ID}"`;
const ATTEMPT_NEEDLE = `"${ATTR.MESSAGING_DELIVERY_ATTEMPT}"`;

function stringBytes(row: readonly unknown[]): number {
  let n = ROW_OVERHEAD_BYTES;
  for (const v of row) if (typeof v === 'string') n += v.length;
  return n;
}

function linkedIds(linksJson: string | null, field: 'traceId' | 'spanId'): string[] {
  if (!linksJson) return [];
  try {
    const links = JSON.parse(linksJson) as { traceId?: unknown; spanId?: unknown }[];
    return links.map((l) => l[field]).filter((v): v is string => typeof v === 'string');
  } catch {
    return [];
  }
}

export class HeldTrace {
  readonly spans: HeldSpan[] = [];
  readonly logs: HeldLog[] = [];
  lastSeenMs: number;
  /** A span without a parent, or whose parent is remote: where this system's part of the trace begins. */
  rootSeen = false;
  minStartUs = Number.POSITIVE_INFINITY;
  maxEndUs = Number.NEGATIVE_INFINITY;
  error = false;
  maxAttempt = 0;
  /** `model|sampler|steps` of the first span that names a model. */
  group: string | undefined;
  /** Other traces the root links to (a fan-in root such as dynamic batching's `batch`). */
  linkedTraces: string[] | undefined;
  /** PRODUCER spans that did not fail: each waits for a CONSUMER span under it or linking to it. */
  private producers: string[] | undefined;
  private consumed: Set<string> | undefined;
  bytes = 0;

  constructor(
    readonly traceId: string,
    readonly firstSeenMs: number,
  ) {
    this.lastSeenMs = firstSeenMs;
  }

  get records(): number {
    return this.spans.length + this.logs.length;
  }

  addSpan(row: SpanRow, resource: ResourceRef, nowMs: number): number {
    this.spans.push({ row, resource });
    this.lastSeenMs = nowMs;
    const [, spanId, parentSpanId, , , kind, startUs, durationUs, statusCode, , flags] = row;
    if (parentSpanId === '' || (flags & PARENT_IS_REMOTE) === PARENT_IS_REMOTE) {
      this.rootSeen = true;
      if (parentSpanId === '' && row[16]) this.linkedTraces = linkedIds(row[16], 'traceId').filter((id) => id !== this.traceId);
    }
    if (startUs < this.minStartUs) this.minStartUs = startUs;
    if (startUs + durationUs > this.maxEndUs) this.maxEndUs = startUs + durationUs;
    if (statusCode === STATUS_ERROR) this.error = true;
    if (kind === SPAN_KIND_PRODUCER && statusCode !== STATUS_ERROR) (this.producers ??= []).push(spanId);
    if (kind === SPAN_KIND_CONSUMER) {
      const consumed = (this.consumed ??= new Set());
      consumed.add(parentSpanId);
      for (const id of linkedIds(row[16], 'spanId')) consumed.add(id);
    }
    const attributes = row[14];
    if ((this.group === undefined && attributes.includes(MODEL_NEEDLE)) || attributes.includes(ATTEMPT_NEEDLE))
      this.readAttributes(attributes);
    const bytes = stringBytes(row);
    this.bytes += bytes;
    return bytes;
  }

  addLog(row: LogRow, resource: ResourceRef, nowMs: number): number {
    this.logs.push({ row, resource });
    this.lastSeenMs = nowMs;
    const bytes = stringBytes(row);
    this.bytes += bytes;
    return bytes;
  }

  private readAttributes(json: string): void {
    let attrs: Record<string, unknown>;
    try {
      attrs = JSON.parse(json) as Record<string, unknown>;
    } catch {
      return;
    }
    const raw = attrs[ATTR.MESSAGING_DELIVERY_ATTEMPT];
    const attempt = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
    if (attempt > this.maxAttempt) this.maxAttempt = attempt;
    if (this.group === undefined && typeof attrs[ATTR.DIFFUSION_MODEL_ID] === 'string') {
      // JSON keeps values apart that String() would merge (an object, a '|' inside a name).
      this.group = GROUP_KEYS.map((k) => JSON.stringify(attrs[k] ?? '')).join('|');
    }
  }

  /** A job was queued (PRODUCER) and no span of its consumer has arrived yet: the trace is still running. */
  get waitingForConsumer(): boolean {
    if (!this.producers) return false;
    return this.producers.some((id) => !this.consumed?.has(id));
  }

  /** End to end: earliest start to latest end, in ms (the Collector's latency policy measures the same). */
  get durationMs(): number {
    return this.spans.length ? (this.maxEndUs - this.minStartUs) / 1000 : 0;
  }
}
