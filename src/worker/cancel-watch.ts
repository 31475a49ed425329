/**
 * Turns a client's cancel (a flag in the shared store, set by any api-server replica) into
 * an AbortSignal for the running pipeline. Polling the record is cheap next to a diffusion
 * step and works the same on every store.
 */
import { isTerminal, type GenerationStore } from '../generation/index.js';

export class CancelWatch {
  readonly controller = new AbortController();
  canceled = false;
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly store: GenerationStore,
    private readonly id: string,
    pollMs: number,
  ) {
    this.timer = setInterval(() => void this.check(), pollMs);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private async check(): Promise<void> {
    if (this.checking || this.controller.signal.aborted) return;
    this.checking = true;
    try {
      const record = await this.store.get(this.id);
      if (record && (record.cancelRequested || isTerminal(record.status))) {
        this.canceled = true;
        this.controller.abort(new Error('generation canceled'));
      }
    } catch {
      // Store briefly unreachable: keep running, check again next tick.
    } finally {
      this.checking = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
