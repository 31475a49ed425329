/**
 * The main thread's view of tail sampling: the write thread's count deltas summed since the
 * explorer started (so they survive a restart of the ingest threads) and its latest buffer
 * sizes. /metrics and GET /api/sampling read it.
 */
import {
  addSamplingCounts,
  emptySamplingCounts,
  type SamplingCounts,
  type SamplingHeld,
  type SamplingStatus,
} from '../../contract/index.js';
import { samplingSettingsOf, type TailSamplingOptions } from './options.js';
import type { SamplingReport } from './sampling-stage.js';

const NOTHING_HELD: SamplingHeld = Object.freeze({ traces: 0, spans: 0, logs: 0, bytes: 0, decisions: 0 });

export class SamplingTotals {
  readonly counts: SamplingCounts = emptySamplingCounts();
  held: SamplingHeld = NOTHING_HELD;

  constructor(readonly options: TailSamplingOptions | undefined) {}

  get enabled(): boolean {
    return this.options !== undefined;
  }

  apply(report: SamplingReport): void {
    addSamplingCounts(this.counts, report.counts);
    this.held = report.held;
  }

  /** The ingest threads stopped: what they held is gone. */
  threadsLost(): void {
    this.held = NOTHING_HELD;
  }

  status(): SamplingStatus {
    return {
      enabled: this.enabled,
      settings: this.options ? samplingSettingsOf(this.options) : null,
      counts: this.counts,
      held: this.held,
    };
  }
}
