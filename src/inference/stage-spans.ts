/**
 * The spans of one pipeline phase (`model.load`, `text.encode`, `sampling`, `vae.decode`) when
 * one or several requests share the run. The lead span records the work once: under the request's
 * own `inference` span when it runs alone, under the `batch` span in a batch; it is the active
 * span while the phase runs, so `model.warmup` spans and log lines nest in it. In a batch every
 * member also gets its own copy under its `inference` span (with `diffusion.batch.size`), so a
 * request's trace keeps its whole stage breakdown (critical path, compare, stage analysis); a
 * member that leaves early (canceled) has its copy ended at that moment with the reason.
 */
import { ATTR, SpanStatusCode, context, getTracer, trace, type Attributes, type Context, type Span } from '../telemetry/index.js';

/** What withSpan records for a failure, for spans this module ends itself. */
export function recordSpanError(span: Span, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  span.recordException(err instanceof Error ? err : new Error(message));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  const code = (err as { code?: unknown } | null)?.code;
  span.setAttribute(ATTR.ERROR_TYPE, typeof code === 'string' ? code : err instanceof Error ? err.name : 'Error');
}

export class StageSpans<M extends object> {
  readonly lead: Span;
  private readonly leadContext: Context;
  private readonly copies = new Map<M, Span>();

  /**
   * `members` (with their contexts) get copies now; `batchSize` marks the copies. Pass no
   * members for a request running alone: its lead span is its own.
   */
  constructor(
    private readonly name: string,
    private readonly attributes: Attributes,
    parent: Context,
    members: readonly { member: M; context: Context }[] = [],
    private readonly batchSize?: number,
  ) {
    this.lead = getTracer().startSpan(name, { attributes }, parent);
    this.leadContext = trace.setSpan(parent, this.lead);
    for (const { member, context: ctx } of members) this.addCopy(member, ctx);
  }

  /** Starts a member's copy now (a per-member part of the phase, e.g. its own decode). */
  addCopy(member: M, memberContext: Context, attributes: Attributes = {}): void {
    const copy = getTracer().startSpan(
      this.name,
      { attributes: { ...this.attributes, ...attributes, [ATTR.DIFFUSION_BATCH_SIZE]: this.batchSize } },
      memberContext,
    );
    this.copies.set(member, copy);
  }

  /** Ends a member's copy now: with the error that made it leave, or normally. */
  endCopy(member: M, err?: unknown): void {
    const copy = this.copies.get(member);
    if (!copy) return;
    this.copies.delete(member);
    if (err !== undefined) recordSpanError(copy, err);
    copy.end();
  }

  /** Attributes for one member's copy (e.g. the steps it saw before it left). */
  setCopyAttributes(member: M, attributes: Attributes): void {
    this.copies.get(member)?.setAttributes(attributes);
  }

  /** Attributes for the lead and every copy still open. */
  setAttributes(attributes: Attributes): void {
    this.lead.setAttributes(attributes);
    for (const copy of this.copies.values()) copy.setAttributes(attributes);
  }

  /** Runs the phase with the lead active; a failure is recorded on the lead and the open copies. All end when fn does. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await context.with(this.leadContext, fn);
    } catch (err) {
      recordSpanError(this.lead, err);
      for (const copy of this.copies.values()) recordSpanError(copy, err);
      throw err;
    } finally {
      for (const copy of this.copies.values()) copy.end();
      this.copies.clear();
      this.lead.end();
    }
  }
}
