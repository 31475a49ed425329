// Tail sampling's counts (GET /api/sampling) shaped for the search page's panel: one row per
// policy that decided traces, in the order the explorer asks them, then the drop reasons.
import { DROP_REASONS, KEEP_POLICIES, type SamplingStatus } from '../../../src/contract/index.js';

/** What each policy means, in the panel's words (docs/explorer.md "Tail-based sampling"). */
const POLICY_LABELS: Record<string, string> = {
  status_code: 'errors',
  retry: 'retried jobs',
  latency: 'slower than the threshold',
  group_latency: 'slower than their group’s percentile',
  span_links: 'batches of kept requests',
  probabilistic: 'share of the rest',
  no_policy: 'no policy kept them',
  rate_limiting: 'over the per-minute cap',
};

export interface SamplingRow {
  decision: 'kept' | 'dropped';
  policy: string;
  label: string;
  traces: number;
}

export interface SamplingSummary {
  enabled: boolean;
  kept: number;
  dropped: number;
  rows: SamplingRow[];
  held: SamplingStatus['held'];
  lateSpans: { kept: number; dropped: number };
}

export function summarizeSampling(status: SamplingStatus): SamplingSummary {
  const rows: SamplingRow[] = [];
  for (const policy of KEEP_POLICIES) {
    const n = status.counts.traces.kept[policy] ?? 0;
    if (n > 0) rows.push({ decision: 'kept', policy, label: POLICY_LABELS[policy], traces: n });
  }
  for (const policy of DROP_REASONS) {
    const n = status.counts.traces.dropped[policy] ?? 0;
    if (n > 0) rows.push({ decision: 'dropped', policy, label: POLICY_LABELS[policy], traces: n });
  }
  const sum = (d: 'kept' | 'dropped') => rows.filter((r) => r.decision === d).reduce((n, r) => n + r.traces, 0);
  return {
    enabled: status.enabled,
    kept: sum('kept'),
    dropped: sum('dropped'),
    rows,
    held: status.held,
    lateSpans: { kept: status.counts.spans.late_kept, dropped: status.counts.spans.late_dropped },
  };
}
