/**
 * Tail-based sampling: rows of every export pass through here (on the ingest write thread,
 * after decoding, whichever receiver they came from) before they are written. A trace's rows
 * are held until the trace looks complete, then one decision keeps or drops all of them, its
 * logs included; spans and logs that arrive after the decision follow it (DecisionCache).
 *
 * Complete means: a root span arrived (no parent, or a remote parent), every PRODUCER span that
 * did not fail has a CONSUMER span under it or linking to it (a queued job has been run: in
 * diffscope the api-server's root ends at 202, long before the worker's `inference`), the
 * traces a fan-in root links to are decided, and then no new span came for `decisionWaitMs`.
 * A trace still incomplete `maxTraceWaitMs` after its first record is decided with what it
 * has; so is the oldest trace (first record first) whenever the buffer holds more than
 * `maxTraces` traces or `maxRecords` spans + logs. Logs of a trace no span of which arrived
 * within `decisionWaitMs` are written without a decision (the trace may never be exported).
 *
 * Pure apart from the clock it is given: tests and the benchmark drive it directly.
 */
import {
  KEEP_POLICIES,
  emptySamplingCounts,
  type DropReason,
  type EarlyDecisionReason,
  type KeepPolicy,
  type SamplingCounts,
  type SamplingHeld,
} from '../../contract/index.js';
import { LOG_RESOURCE_COLUMN, SPAN_RESOURCE_COLUMN, type PreparedBatch } from '../store/rows.js';
import { DecisionCache } from './decision-cache.js';
import { GroupLatency } from './group-latency.js';
import { HeldTrace } from './held-trace.js';
import type { TailSamplingOptions } from './options.js';
import { OutBatch } from './out-batch.js';
import { keepsByProbability, rejectionThreshold } from './probabilistic.js';

export type Verdict = { kept: true; policy: KeepPolicy } | { kept: false; policy: DropReason };

interface Ready {
  trace: HeldTrace;
  atMs: number;
  early?: EarlyDecisionReason;
}

const MINUTE_MS = 60_000;

export class TailSampler {
  private readonly traces = new Map<string, HeldTrace>();
  private readonly cache: DecisionCache;
  private readonly groups: GroupLatency | undefined;
  private readonly threshold: bigint;
  private heldRecords = 0;
  private heldLogs = 0;
  private heldBytes = 0;
  private counts: SamplingCounts = emptySamplingCounts();
  private capMinute = -1;
  private keptThisMinute = 0;

  constructor(readonly options: TailSamplingOptions) {
    this.cache = new DecisionCache(options.decisionCacheSize);
    this.groups =
      options.groupPercentile > 0
        ? new GroupLatency({ percentile: options.groupPercentile, minTraces: options.groupMinTraces, window: options.groupWindow })
        : undefined;
    this.threshold = rejectionThreshold(options.probabilisticPercentage);
  }

  /** The trace's held records (opened when it is new), or, for a trace already decided, that decision. */
  private heldOrDecided(traceId: string, nowMs: number): HeldTrace | boolean {
    const held = this.traces.get(traceId);
    if (held) return held;
    const decided = this.cache.get(traceId);
    if (decided !== undefined) return decided;
    const opened = new HeldTrace(traceId, nowMs);
    this.traces.set(traceId, opened);
    return opened;
  }

  /**
   * Takes one export's rows: holds those of undecided traces and returns what is to be written
   * now — records of traces already kept, logs without a trace id (or every log, with
   * droppedLogs=keep), and traces decided early because the buffer overflowed.
   */
  accept(batch: PreparedBatch, nowMs: number): PreparedBatch {
    const out = new OutBatch();
    for (const row of batch.spans) {
      const resource = batch.resources[row[SPAN_RESOURCE_COLUMN]];
      const traceId = row[0];
      const held = this.heldOrDecided(traceId, nowMs);
      if (typeof held === 'boolean') {
        if (held) out.addSpan(row, resource);
        this.counts.spans[held ? 'late_kept' : 'late_dropped']++;
        continue;
      }
      this.heldBytes += held.addSpan(row, resource, nowMs);
      this.heldRecords++;
    }
    for (const row of batch.logs) {
      const resource = batch.resources[row[LOG_RESOURCE_COLUMN]];
      const traceId = row[5];
      if (!traceId || this.options.droppedLogs === 'keep') {
        out.addLog(row, resource);
        continue;
      }
      const held = this.heldOrDecided(traceId, nowMs);
      if (typeof held === 'boolean') {
        if (held) out.addLog(row, resource);
        this.counts.logs[held ? 'late_kept' : 'late_dropped']++;
        continue;
      }
      this.heldBytes += held.addLog(row, resource, nowMs);
      this.heldRecords++;
      this.heldLogs++;
    }
    this.enforceBounds(nowMs, out);
    return out.batch;
  }

  /** Decides every trace that is ready at `nowMs`, in the order they became ready; returns the rows to write. */
  decideReady(nowMs: number): PreparedBatch {
    const out = new OutBatch();
    // a fan-in root waits for the traces it links to: another pass decides it once they are
    for (;;) {
      const ready: Ready[] = [];
      for (const trace of this.traces.values()) {
        const r = this.readiness(trace, nowMs);
        if (r) ready.push(r);
      }
      if (ready.length === 0) break;
      ready.sort((a, b) => a.atMs - b.atMs);
      for (const r of ready) if (this.traces.get(r.trace.traceId) === r.trace) this.decide(r.trace, nowMs, r.early, out);
    }
    return out.batch;
  }

  /** Decides everything held now, on what has arrived (shutdown). */
  decideAll(nowMs: number, reason: EarlyDecisionReason): PreparedBatch {
    const out = new OutBatch();
    for (const trace of [...this.traces.values()]) this.decide(trace, nowMs, reason, out);
    return out.batch;
  }

  /** The counts since the last call (the write thread posts them to the main thread). */
  takeCounts(): SamplingCounts {
    const delta = this.counts;
    this.counts = emptySamplingCounts();
    return delta;
  }

  held(): SamplingHeld {
    return {
      traces: this.traces.size,
      spans: this.heldRecords - this.heldLogs,
      logs: this.heldLogs,
      bytes: this.heldBytes,
      decisions: this.cache.size,
    };
  }

  private readiness(trace: HeldTrace, nowMs: number): Ready | undefined {
    const { decisionWaitMs, maxTraceWaitMs } = this.options;
    const quietUntil = trace.lastSeenMs + decisionWaitMs;
    if (trace.spans.length === 0) return nowMs >= quietUntil ? { trace, atMs: quietUntil } : undefined;
    const complete = trace.rootSeen && !trace.waitingForConsumer && !trace.linkedTraces?.some((id) => this.traces.has(id));
    if (complete && nowMs >= quietUntil) return { trace, atMs: quietUntil };
    const giveUpAt = trace.firstSeenMs + maxTraceWaitMs;
    if (nowMs >= giveUpAt) return { trace, atMs: giveUpAt, early: 'max_wait' };
    return undefined;
  }

  /** The oldest traces (first record first) are decided early while the buffer is over a bound. */
  private enforceBounds(nowMs: number, out: OutBatch): void {
    const { maxTraces, maxRecords } = this.options;
    while (this.traces.size > maxTraces || this.heldRecords > maxRecords) {
      const oldest = this.traces.values().next().value!;
      this.decide(oldest, nowMs, 'buffer_full', out);
    }
  }

  private release(trace: HeldTrace): void {
    this.traces.delete(trace.traceId);
    this.heldRecords -= trace.records;
    this.heldLogs -= trace.logs.length;
    this.heldBytes -= trace.bytes;
  }

  private decide(trace: HeldTrace, nowMs: number, early: EarlyDecisionReason | undefined, out: OutBatch): void {
    this.release(trace);
    if (trace.spans.length === 0) {
      // no span to judge (yet): the logs are written, and no decision is remembered
      out.addHeld([], trace.logs);
      this.counts.logs_without_spans += trace.logs.length;
      return;
    }
    if (early) this.counts.decided_early[early] = (this.counts.decided_early[early] ?? 0) + 1;
    const verdict = this.evaluate(trace, nowMs);
    this.cache.set(trace.traceId, verdict.kept);
    const bucket = verdict.kept ? 'kept' : 'dropped';
    this.counts.spans[bucket] += trace.spans.length;
    this.counts.logs[bucket] += trace.logs.length;
    if (verdict.kept) {
      this.counts.traces.kept[verdict.policy] = (this.counts.traces.kept[verdict.policy] ?? 0) + 1;
      out.addHeld(trace.spans, trace.logs);
    } else {
      this.counts.traces.dropped[verdict.policy] = (this.counts.traces.dropped[verdict.policy] ?? 0) + 1;
    }
  }

  /** Asks every policy (each answer is counted), then the per-minute cap. */
  evaluate(trace: HeldTrace, nowMs: number): Verdict {
    const o = this.options;
    const duration = trace.durationMs;
    const answers: Partial<Record<KeepPolicy, boolean>> = {
      status_code: trace.error,
      retry: trace.maxAttempt > 1,
      probabilistic: keepsByProbability(trace.traceId, this.threshold),
    };
    if (o.latencyThresholdMs > 0) answers.latency = duration >= o.latencyThresholdMs;
    if (this.groups && trace.group !== undefined) {
      const p = this.groups.percentileOf(trace.group);
      if (p !== undefined) answers.group_latency = duration > p;
      this.groups.record(trace.group, duration);
    }
    if (trace.linkedTraces?.length) answers.span_links = trace.linkedTraces.some((id) => this.cache.get(id) === true);
    let policy: KeepPolicy | undefined;
    for (const name of KEEP_POLICIES) {
      const answer = answers[name];
      if (answer === undefined) continue;
      const c = (this.counts.policies[name] ??= { sampled: 0, not_sampled: 0 });
      if (answer) c.sampled++;
      else c.not_sampled++;
      if (answer && policy === undefined) policy = name;
    }
    if (policy === undefined) return { kept: false, policy: 'no_policy' };
    if (o.maxTracesPerMinute > 0) {
      const minute = Math.floor(nowMs / MINUTE_MS);
      if (minute !== this.capMinute) {
        this.capMinute = minute;
        this.keptThisMinute = 0;
      }
      if (this.keptThisMinute >= o.maxTracesPerMinute) return { kept: false, policy: 'rate_limiting' };
      this.keptThisMinute++;
    }
    return { kept: true, policy };
  }
}
