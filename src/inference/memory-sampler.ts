/**
 * Peak resident memory of the process while a request runs: RSS sampled on a timer (ONNX Runtime
 * runs on its own threads, so the timer fires during a step) and at every step boundary. It is
 * the whole process's RSS, not the request's share — honest for one request at a time, an upper
 * bound with several. GPU memory is not measured here (no device on this path).
 */
export class MemorySampler {
  private peakBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  start(): void {
    this.peakBytes = process.memoryUsage.rss();
    if (this.intervalMs > 0) {
      this.timer = setInterval(this.sample, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Bound once, so the step loop passes no new closure. */
  readonly sample = (): void => {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakBytes) this.peakBytes = rss;
  };

  stop(): number {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.peakBytes;
  }
}
