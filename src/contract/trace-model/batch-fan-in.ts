/**
 * Dynamic batching as the traces show it (docs/inference.md, Dynamic batching): a `batch` span at
 * the root of its own trace links to each member's `inference` span (FOLLOWS_FROM in Jaeger's
 * terms) and names the members' request and trace ids; each member's `inference` span links back
 * to it and carries `diffusion.batch.size`/`index`. A member's trace also holds `batch.wait` and
 * its own copies of the batch's stage spans (marked with `diffusion.batch.size`), so its critical
 * path is computed as usual; batchCriticalShare() says how much of it the batch accounts for.
 */
import { ATTR } from '../attributes.js';
import { SPAN } from '../span-names.js';
import type { CriticalPath } from './critical-path.js';
import type { TraceModel } from './types.js';
import { numberTag, tagValue } from './tags.js';

/** A member trace's view: the batch it ran in. */
export interface BatchMembership {
  /** The member's `inference` span. */
  spanIndex: number;
  batchTraceID: string;
  batchSpanID: string;
  size: number;
  index: number | undefined;
}

export interface BatchMember {
  traceID: string;
  spanID: string;
  requestId: string | undefined;
}

/** A batch trace's view: the members that fanned in. */
export interface BatchFanIn {
  /** The `batch` span. */
  spanIndex: number;
  size: number;
  images: number | undefined;
  members: BatchMember[];
}

function stringArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) ? parsed.map(String) : [];
    } catch {
      return [];
    }
  }
  return [];
}

/** The batch a member trace's `inference` span links to (a FOLLOWS_FROM reference into another trace). */
export function batchMembership(model: TraceModel): BatchMembership | undefined {
  for (const span of model.spans) {
    if (span.operationName !== SPAN.INFERENCE) continue;
    const size = numberTag(tagValue(span.tags, ATTR.DIFFUSION_BATCH_SIZE));
    if (size === undefined || size < 2) continue;
    const link = span.references.find((r) => r.refType === 'FOLLOWS_FROM' && r.traceID !== model.traceID);
    if (!link) continue;
    return {
      spanIndex: span.index,
      batchTraceID: link.traceID,
      batchSpanID: link.spanID,
      size,
      index: numberTag(tagValue(span.tags, ATTR.DIFFUSION_BATCH_INDEX)),
    };
  }
  return undefined;
}

/** The members of a batch trace, in batch order: from the `batch` span's links, named by its request ids. */
export function batchFanIn(model: TraceModel): BatchFanIn | undefined {
  const span = model.spans.find((s) => s.operationName === SPAN.BATCH);
  if (!span) return undefined;
  const requestIds = stringArray(tagValue(span.tags, ATTR.DIFFUSION_BATCH_REQUEST_IDS));
  const traceIds = stringArray(tagValue(span.tags, ATTR.DIFFUSION_BATCH_TRACE_IDS));
  const links = span.references.filter((r) => r.refType === 'FOLLOWS_FROM');
  const members: BatchMember[] = links.map((l) => {
    const at = traceIds.indexOf(l.traceID);
    return { traceID: l.traceID, spanID: l.spanID, requestId: at >= 0 ? requestIds[at] : undefined };
  });
  return {
    spanIndex: span.index,
    size: numberTag(tagValue(span.tags, ATTR.DIFFUSION_BATCH_SIZE)) ?? members.length,
    images: numberTag(tagValue(span.tags, ATTR.DIFFUSION_BATCH_IMAGES)),
    members,
  };
}

/**
 * How much of a member's critical path the batch accounts for: `waitUs` in `batch.wait` (the
 * window, then the batch before it) and `sharedUs` in the stage spans it shared with its
 * siblings (copies marked with diffusion.batch.size), versus its own work (e.g. storage).
 */
export function batchCriticalShare(model: TraceModel, critical: CriticalPath): { waitUs: number; sharedUs: number } {
  let waitUs = 0;
  let sharedUs = 0;
  for (const section of critical.sections) {
    const span = model.spans[section.spanIndex];
    const us = section.endUs - section.startUs;
    if (span.operationName === SPAN.BATCH_WAIT) waitUs += us;
    else if (span.operationName !== SPAN.INFERENCE && numberTag(tagValue(span.tags, ATTR.DIFFUSION_BATCH_SIZE)) !== undefined)
      sharedUs += us;
  }
  return { waitUs, sharedUs };
}
