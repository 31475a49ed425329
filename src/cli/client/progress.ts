/**
 * What `diffscope generate` shows while it waits, on stderr (stdout carries the result). On a
 * terminal: one line redrawn in place, the queue position and estimated start while queued, then
 * a bar with step k/N, it/s and the time left. Elsewhere (a pipe, NO_COLOR, TERM=dumb): one plain
 * line per change of state, no bar and no colours.
 */
import { CLEAR_LINE, type Paint } from '../terminal.js';
import { bar, formatMs } from './format.js';

export interface ProgressOptions {
  out: NodeJS.WritableStream;
  /** Redraw one line in place (a terminal). */
  live: boolean;
  paint: Paint;
}

/** Mean of the last few step times: the rate now, not since the model load. */
const RATE_WINDOW = 8;
const BAR_WIDTH = 24;

export class ProgressDisplay {
  private readonly stepMs: number[] = [];
  private lastPlain = '';
  private drawn = false;

  constructor(private readonly options: ProgressOptions) {}

  queued(position: number | undefined, etaMs: number | undefined, retry: boolean): void {
    const { paint } = this.options;
    const parts = [retry ? 'queued again (retry)' : 'queued'];
    if (position !== undefined) parts.push(`position ${position}`);
    if (etaMs !== undefined) parts.push(`starts in ~${formatMs(etaMs)}`);
    this.show(`${paint.yellow('◷')} ${parts.join(' · ')}`, parts.join(', '));
  }

  started(attempt: number | undefined): void {
    const text = attempt && attempt > 1 ? `running (attempt ${attempt})` : 'running';
    this.show(`${this.options.paint.cyan('▶')} ${text}`, text);
  }

  step(step: number, total: number, stepMs: number | undefined): void {
    if (stepMs !== undefined && Number.isFinite(stepMs)) this.stepMs.push(stepMs);
    const recent = this.stepMs.slice(-RATE_WINDOW);
    const meanMs = recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : undefined;
    const rate = meanMs && meanMs > 0 ? `${(1000 / meanMs).toFixed(1)} it/s` : '';
    const eta = meanMs !== undefined ? `ETA ${formatMs(meanMs * (total - step))}` : '';
    const { paint } = this.options;
    const counter = `step ${step}/${total}`;
    const line = [`${paint.cyan('▶')} ${paint.green(bar(step / total, BAR_WIDTH))}`, counter, rate, eta].filter(Boolean).join('  ');
    // Off a terminal, the steps are not worth a line each: the final summary has the rate.
    this.show(line, step === total ? `${counter}${rate ? `, ${rate}` : ''}` : undefined);
  }

  /** Stops redrawing; what follows starts on a fresh line. */
  done(): void {
    if (this.drawn) this.options.out.write(CLEAR_LINE);
    this.drawn = false;
  }

  private show(live: string, plain: string | undefined): void {
    if (this.options.live) {
      this.options.out.write(CLEAR_LINE + live);
      this.drawn = true;
    } else if (plain !== undefined && plain !== this.lastPlain) {
      this.lastPlain = plain;
      this.options.out.write(plain + '\n');
    }
  }
}
