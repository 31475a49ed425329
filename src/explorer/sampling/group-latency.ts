/**
 * The group_latency policy's memory: per model/sampler/steps group, the durations of its last
 * `window` decided traces (kept or dropped, so the percentile describes the traffic, not what
 * was stored), in arrival order and sorted. A trace is an outlier when it is longer than the
 * group's percentile (nearest rank) once the group has seen `minTraces`. Groups are forgotten
 * least recently used first past `maxGroups`, so odd parameter combinations cannot grow it.
 */
export interface GroupLatencyOptions {
  percentile: number;
  minTraces: number;
  window: number;
  maxGroups?: number;
}

interface Group {
  /** Durations in arrival order (a ring once full). */
  ring: number[];
  next: number;
  sorted: number[];
}

function lowerBound(xs: number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class GroupLatency {
  private readonly groups = new Map<string, Group>();
  private readonly maxGroups: number;

  constructor(private readonly options: GroupLatencyOptions) {
    this.maxGroups = options.maxGroups ?? 1000;
  }

  /** The group's percentile now, or undefined while it has seen fewer than minTraces. */
  percentileOf(key: string): number | undefined {
    const g = this.groups.get(key);
    if (!g || g.sorted.length < this.options.minTraces) return undefined;
    const rank = Math.ceil((this.options.percentile / 100) * g.sorted.length);
    return g.sorted[Math.min(g.sorted.length - 1, Math.max(0, rank - 1))];
  }

  /** Records a decided trace's duration in its group (after it was judged against the group). */
  record(key: string, durationMs: number): void {
    let g = this.groups.get(key);
    if (g) {
      this.groups.delete(key); // re-inserted below: most recently used last
    } else {
      g = { ring: [], next: 0, sorted: [] };
      if (this.groups.size >= this.maxGroups) this.groups.delete(this.groups.keys().next().value!);
    }
    this.groups.set(key, g);
    if (g.ring.length < this.options.window) {
      g.ring.push(durationMs);
    } else {
      const old = g.ring[g.next];
      g.sorted.splice(lowerBound(g.sorted, old), 1);
      g.ring[g.next] = durationMs;
      g.next = (g.next + 1) % this.options.window;
    }
    g.sorted.splice(lowerBound(g.sorted, durationMs), 0, durationMs);
  }

  get size(): number {
    return this.groups.size;
  }
}
