/**
 * Peak resident memory of the process while a request runs: RSS read at the start, after text
 * encoding, on a timer and at the end. onnxruntime-node runs a session synchronously on the main
 * thread (after a setImmediate), so the timer fires between model calls, not inside one; ORT's
 * arena keeps what a run allocated, so the high-water mark is still visible afterwards.
 * It is the whole process's RSS, not the request's share: exact for one request at a time, an
 * upper bound with several. GPU memory is not measured here.
 *
 * On Linux RSS comes from /proc/self/statm (one pread on a kept-open fd, ~10 µs):
 * `process.memoryUsage.rss()` reads /proc/self/stat, which walks every thread of the process and
 * was measured at ~1 ms per call with ONNX Runtime's thread pools alive.
 */
import { closeSync, openSync, readSync } from 'node:fs';

let statmFd: number | undefined | null;
let pageBytes = 4096;
const statmBuffer = Buffer.alloc(128);

function openStatm(): void {
  if (statmFd !== undefined) return;
  statmFd = null;
  if (process.platform !== 'linux') return;
  try {
    const fd = openSync('/proc/self/statm', 'r');
    const pages = readStatmPages(fd);
    if (pages > 0) {
      // Page size without a syscall binding: the power of two closest to rss / pages.
      const ratio = process.memoryUsage.rss() / pages;
      pageBytes = 2 ** Math.round(Math.log2(ratio));
      statmFd = fd;
    } else closeSync(fd);
  } catch {
    statmFd = null;
  }
}

function readStatmPages(fd: number): number {
  const n = readSync(fd, statmBuffer, 0, statmBuffer.length, 0);
  // "size resident shared text lib data dt": the second field.
  let i = 0;
  while (i < n && statmBuffer[i] !== 0x20) i++;
  let pages = 0;
  for (i++; i < n; i++) {
    const c = statmBuffer[i];
    if (c < 0x30 || c > 0x39) break;
    pages = pages * 10 + (c - 0x30);
  }
  return pages;
}

export function residentBytes(): number {
  openStatm();
  if (statmFd !== null && statmFd !== undefined) {
    try {
      return readStatmPages(statmFd) * pageBytes;
    } catch {
      statmFd = null;
    }
  }
  return process.memoryUsage.rss();
}

export class MemorySampler {
  private peakBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  start(): void {
    this.peakBytes = residentBytes();
    if (this.intervalMs > 0) {
      this.timer = setInterval(this.sample, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Bound once, so callers pass no new closure. */
  readonly sample = (): void => {
    const rss = residentBytes();
    if (rss > this.peakBytes) this.peakBytes = rss;
  };

  /** The peak so far, sampling once more; sampling goes on (a batch member that finishes early reads it). */
  peak(): number {
    this.sample();
    return this.peakBytes;
  }

  stop(): number {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.peakBytes;
  }
}
