/**
 * Peak GPU memory of this process during one request: nvidia-smi asked at the start, every
 * `intervalMs` while the request runs and once more at the end (awaited). In the inference
 * thread the timer fires between ONNX runs, and nvidia-smi itself runs in parallel with the
 * next one. ORT's GPU allocations persist across runs, so the high-water mark shows up even if
 * no sample lands inside a step. No sample answered → no value (never invented).
 */
import { processGpuMemoryMb } from './nvidia-smi.js';

export class GpuMemorySampler {
  private peakMb: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly pid: number = process.pid,
  ) {}

  start(): void {
    this.sample();
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => this.sample(), this.intervalMs);
      this.timer.unref();
    }
  }

  private sample(): void {
    if (this.inflight) return;
    this.inflight = processGpuMemoryMb(this.pid).then((mb) => {
      if (mb !== undefined && (this.peakMb === undefined || mb > this.peakMb)) this.peakMb = mb;
      this.inflight = undefined;
    });
  }

  /** The peak answered so far (sampling goes on); undefined until nvidia-smi answered once. */
  peak(): number | undefined {
    return this.peakMb;
  }

  /** Stops sampling; resolves to the peak in MiB, or undefined if nvidia-smi never answered. */
  async stop(): Promise<number | undefined> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inflight;
    this.sample();
    await this.inflight;
    return this.peakMb;
  }
}
