/**
 * Tail-sampling series on the explorer's /metrics (the registry src/explorer/explorer-metrics.ts
 * serves): traces kept and dropped by the policy that decided them, every policy's answers (the
 * Collector's count_traces_sampled{policy, sampled}), spans and logs by decision, early
 * decisions, lost records, and what the buffer holds now. Read from SamplingTotals at scrape
 * time; registered again by each explorer started in the process (tests start several), so the
 * series follow the latest one, as explorer-metrics.ts does for its own counters.
 */
import { Counter, Gauge, type Registry, type RegistryContentType } from 'prom-client';
import type { SamplingTotals } from './sampling-totals.js';

const NAMES = [
  'diffscope_explorer_sampling_enabled',
  'diffscope_explorer_sampling_traces_total',
  'diffscope_explorer_sampling_policy_evaluations_total',
  'diffscope_explorer_sampling_records_total',
  'diffscope_explorer_sampling_decided_early_total',
  'diffscope_explorer_sampling_lost_records_total',
  'diffscope_explorer_sampling_held_traces',
  'diffscope_explorer_sampling_held_records',
  'diffscope_explorer_sampling_held_bytes',
  'diffscope_explorer_sampling_cached_decisions',
] as const;

export function registerSamplingMetrics(registry: Registry<RegistryContentType>, totals: SamplingTotals): void {
  for (const name of NAMES) if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
  const registers = [registry];
  const c = () => totals.counts;

  new Gauge({
    name: 'diffscope_explorer_sampling_enabled',
    help: 'Whether tail-based sampling is on (DIFFSCOPE_TAIL_SAMPLING)',
    registers,
    collect() {
      this.set(totals.enabled ? 1 : 0);
    },
  });
  new Counter({
    name: 'diffscope_explorer_sampling_traces_total',
    help: 'Traces decided by tail sampling, by decision and the policy that decided (kept: the first policy that kept it; dropped: no_policy or rate_limiting)',
    labelNames: ['decision', 'policy'] as const,
    registers,
    collect() {
      this.reset();
      for (const [policy, n] of Object.entries(c().traces.kept)) this.inc({ decision: 'kept', policy }, n ?? 0);
      for (const [policy, n] of Object.entries(c().traces.dropped)) this.inc({ decision: 'dropped', policy }, n ?? 0);
    },
  });
  new Counter({
    name: 'diffscope_explorer_sampling_policy_evaluations_total',
    help: "Every policy's answer for every decided trace (sampled=true: it would keep the trace)",
    labelNames: ['policy', 'sampled'] as const,
    registers,
    collect() {
      this.reset();
      for (const [policy, a] of Object.entries(c().policies)) {
        this.inc({ policy, sampled: 'true' }, a?.sampled ?? 0);
        this.inc({ policy, sampled: 'false' }, a?.not_sampled ?? 0);
      }
    },
  });
  new Counter({
    name: 'diffscope_explorer_sampling_records_total',
    help: 'Spans and log records by decision: held with their trace (arrival=held), after it was decided (late), logs written with no span to judge (no_spans)',
    labelNames: ['signal', 'decision', 'arrival'] as const,
    registers,
    collect() {
      this.reset();
      for (const signal of ['spans', 'logs'] as const) {
        const r = c()[signal];
        this.inc({ signal, decision: 'kept', arrival: 'held' }, r.kept);
        this.inc({ signal, decision: 'dropped', arrival: 'held' }, r.dropped);
        this.inc({ signal, decision: 'kept', arrival: 'late' }, r.late_kept);
        this.inc({ signal, decision: 'dropped', arrival: 'late' }, r.late_dropped);
      }
      this.inc({ signal: 'logs', decision: 'kept', arrival: 'no_spans' }, c().logs_without_spans);
    },
  });
  new Counter({
    name: 'diffscope_explorer_sampling_decided_early_total',
    help: 'Traces decided before they looked complete: buffer_full (the oldest, past the buffer bounds), max_wait, shutdown',
    labelNames: ['reason'] as const,
    registers,
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(c().decided_early)) this.inc({ reason }, n ?? 0);
    },
  });
  new Counter({
    name: 'diffscope_explorer_sampling_lost_records_total',
    help: 'Records of kept traces the store refused on every retry',
    registers,
    collect() {
      this.reset();
      this.inc(c().lost_records);
    },
  });
  new Gauge({
    name: 'diffscope_explorer_sampling_held_traces',
    help: 'Undecided traces held in memory',
    registers,
    collect() {
      this.set(totals.held.traces);
    },
  });
  new Gauge({
    name: 'diffscope_explorer_sampling_held_records',
    help: 'Spans and log records of undecided traces held in memory',
    labelNames: ['signal'] as const,
    registers,
    collect() {
      this.set({ signal: 'spans' }, totals.held.spans);
      this.set({ signal: 'logs' }, totals.held.logs);
    },
  });
  new Gauge({
    name: 'diffscope_explorer_sampling_held_bytes',
    help: 'Estimated memory of the held records (their strings plus a fixed cost per row)',
    registers,
    collect() {
      this.set(totals.held.bytes);
    },
  });
  new Gauge({
    name: 'diffscope_explorer_sampling_cached_decisions',
    help: 'Decisions remembered so late spans and logs follow them',
    registers,
    collect() {
      this.set(totals.held.decisions);
    },
  });
}
