/**
 * Thread side: a tracer that records nothing itself and sends every span operation to the
 * main thread, which replays it on real spans under the request's `inference` span. The
 * pipeline code is unchanged: it calls withSpan/trace.getActiveSpan as usual, and this is the
 * tracer registered globally inside the inference thread.
 */
import { trace, type Attributes, type Context, type Span, type SpanKind, type SpanStatusCode, type Tracer } from '../../telemetry/index.js';
import { nowEpochMs, serializeError, type AttributeMap, type FromThread } from './protocol.js';

type Post = (message: FromThread) => void;
type TimeInput = number | Date | [number, number] | undefined;

function toEpochMs(time: TimeInput): number {
  if (time === undefined) return nowEpochMs();
  if (typeof time === 'number') return time < performance.timeOrigin ? performance.timeOrigin + time : time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
}

let nextId = 0;
const INVALID_CONTEXT = { traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: 0 };

export class RelaySpan {
  constructor(
    readonly id: string,
    readonly job: number,
    private readonly post: Post,
  ) {}

  spanContext() {
    // Only the main thread's replayed span has real ids; logs are stamped there too.
    return INVALID_CONTEXT;
  }
  setAttribute(key: string, value: unknown): this {
    this.post({ t: 'span.attrs', id: this.id, attrs: { [key]: value as AttributeMap[string] } });
    return this;
  }
  setAttributes(attrs: Attributes): this {
    this.post({ t: 'span.attrs', id: this.id, attrs });
    return this;
  }
  addEvent(name: string, attrsOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    const isAttrs =
      attrsOrTime !== undefined && typeof attrsOrTime === 'object' && !Array.isArray(attrsOrTime) && !(attrsOrTime instanceof Date);
    const attrs = isAttrs ? (attrsOrTime as AttributeMap) : undefined;
    this.post({ t: 'span.event', id: this.id, name, attrs, time: toEpochMs(isAttrs ? time : attrsOrTime) });
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: { code: SpanStatusCode; message?: string }): this {
    this.post({ t: 'span.status', id: this.id, code: status.code, message: status.message });
    return this;
  }
  updateName(): this {
    return this;
  }
  end(time?: TimeInput): void {
    this.post({ t: 'span.end', id: this.id, time: toEpochMs(time) });
  }
  isRecording(): boolean {
    return true;
  }
  recordException(exception: unknown, time?: TimeInput): void {
    this.post({ t: 'span.exception', id: this.id, error: serializeError(exception), time: toEpochMs(time) });
  }
}

/** The job's stand-in for the main thread's active span: attributes set on it land there. */
export class RootRelaySpan extends RelaySpan {
  override end(): void {
    // The main thread owns and ends the real span.
  }
}

export function createRelayTracer(post: Post): Tracer {
  const startSpan = (
    name: string,
    options: { kind?: SpanKind; attributes?: Attributes; startTime?: TimeInput } = {},
    ctx?: Context,
  ): Span => {
    const parent = ctx ? trace.getSpan(ctx) : undefined;
    if (!(parent instanceof RelaySpan)) {
      // Outside any job (e.g. a model load started by refreshModels): nothing to attach to.
      return trace.wrapSpanContext(INVALID_CONTEXT);
    }
    const span = new RelaySpan(`s${++nextId}`, parent.job, post);
    post({
      t: 'span.start',
      job: parent.job,
      id: span.id,
      parent: parent.id,
      name,
      kind: options.kind,
      attrs: options.attributes as AttributeMap,
      time: toEpochMs(options.startTime),
    });
    return span;
  };
  const tracer = {
    startSpan,
    startActiveSpan(name: string, ...rest: unknown[]) {
      const fn = rest.pop() as (span: Span) => unknown;
      const ctx = (rest.length === 2 ? rest[1] : undefined) as Context | undefined;
      return fn(startSpan(name, rest[0] ?? {}, ctx));
    },
  };
  return tracer;
}
