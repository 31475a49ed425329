/**
 * Decisions remembered after a trace left the buffer (the Collector's decision cache), so a
 * span or log that arrives late follows its trace's decision instead of starting a new one.
 * Bounded by count: the oldest decision is forgotten first (a trace that comes back after that
 * is judged again on what arrives).
 */
export class DecisionCache {
  private readonly decisions = new Map<string, boolean>();

  constructor(private readonly maxSize: number) {}

  get(traceId: string): boolean | undefined {
    return this.decisions.get(traceId);
  }

  set(traceId: string, kept: boolean): void {
    this.decisions.delete(traceId);
    this.decisions.set(traceId, kept);
    if (this.decisions.size > this.maxSize) this.decisions.delete(this.decisions.keys().next().value!);
  }

  get size(): number {
    return this.decisions.size;
  }
}
