/**
 * Rows on their way to the write thread's BatchWriter, gathered from many exports: each row's
 * resource column is set to its index in this batch's own resource list (held rows keep the
 * resource they came with, and an export's indices mean nothing outside it).
 */
import {
  LOG_RESOURCE_COLUMN,
  SPAN_RESOURCE_COLUMN,
  type LogRow,
  type PreparedBatch,
  type ResourceRef,
  type SpanRow,
} from '../store/rows.js';

export interface HeldSpan {
  row: SpanRow;
  resource: ResourceRef;
}

export interface HeldLog {
  row: LogRow;
  resource: ResourceRef;
}

export class OutBatch {
  readonly batch: PreparedBatch = { resources: [], spans: [], logs: [] };
  private readonly refs = new Map<string, number>();

  private ref(resource: ResourceRef): number {
    let i = this.refs.get(resource.key);
    if (i === undefined) {
      i = this.batch.resources.push(resource) - 1;
      this.refs.set(resource.key, i);
    }
    return i;
  }

  addSpan(row: SpanRow, resource: ResourceRef): void {
    row[SPAN_RESOURCE_COLUMN] = this.ref(resource);
    this.batch.spans.push(row);
  }

  addLog(row: LogRow, resource: ResourceRef): void {
    row[LOG_RESOURCE_COLUMN] = this.ref(resource);
    this.batch.logs.push(row);
  }

  addHeld(spans: readonly HeldSpan[], logs: readonly HeldLog[]): void {
    for (const s of spans) this.addSpan(s.row, s.resource);
    for (const l of logs) this.addLog(l.row, l.resource);
  }

  get rows(): number {
    return this.batch.spans.length + this.batch.logs.length;
  }
}
