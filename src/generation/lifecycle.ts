/**
 * The lifecycle of a generation, written once:
 *
 *   queued ──start──▶ running ──finish──▶ succeeded | failed | canceled
 *     ▲                  │
 *     └─────requeue──────┘        (queued may also finish: a cancel, an enqueue failure)
 *
 * A terminal status is final, and no other move goes back. Stores never decide this: they
 * apply a `Move` built here as one compare-and-set (`GenerationStore.transition`), so the
 * same rule holds in SQLite, PostgreSQL and Redis and exactly one concurrent caller wins.
 */
export const GENERATION_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

export type TerminalStatus = Extract<GenerationStatus, 'succeeded' | 'failed' | 'canceled'>;
export type ActiveStatus = Exclude<GenerationStatus, TerminalStatus>;

/** Typed as statuses, so `TERMINAL_STATUSES.includes(record.status)` reads as it should. */
export const TERMINAL_STATUSES: readonly GenerationStatus[] = ['succeeded', 'failed', 'canceled'] satisfies readonly TerminalStatus[];
export const ACTIVE_STATUSES: readonly ActiveStatus[] = ['queued', 'running'];

export function isTerminal(status: string | undefined): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status as string);
}

/** Every edge of the picture above; anything else is refused. */
const EDGES: Readonly<Record<GenerationStatus, readonly GenerationStatus[]>> = {
  queued: ['running', 'succeeded', 'failed', 'canceled'],
  running: ['queued', 'succeeded', 'failed', 'canceled'],
  succeeded: [],
  failed: [],
  canceled: [],
};

export function canMove(from: GenerationStatus, to: GenerationStatus): boolean {
  return EDGES[from].includes(to);
}

declare const moveBrand: unique symbol;

/**
 * One guarded write: set `to` only while the status is one of `from` (and, for a run-scoped
 * move, only while `startedAt` is still the run's). Built only by `moves` below.
 */
export interface Move {
  readonly name: 'start' | 'requeue' | 'finish';
  readonly from: readonly ActiveStatus[];
  readonly to: GenerationStatus;
  /** The run this move belongs to: a worker requeues its own run, never one another delivery started since. */
  readonly runStartedAt?: number;
  readonly [moveBrand]: true;
}

function move(name: Move['name'], from: readonly ActiveStatus[], to: GenerationStatus, runStartedAt?: number): Move {
  for (const status of from) {
    if (!canMove(status, to)) throw new Error(`a generation cannot move from ${status} to ${to}`);
  }
  return { name, from, to, ...(runStartedAt !== undefined ? { runStartedAt } : {}) } as Move;
}

export const moves = {
  /** A delivery takes a queued generation. */
  start: (): Move => move('start', ['queued'], 'running'),
  /** The run that started at `runStartedAt` goes back to the queue (retry, hand-back on shutdown, lost run). */
  requeue: (runStartedAt: number): Move => move('requeue', ['running'], 'queued', runStartedAt),
  /** The terminal status, once. `from` narrows it (a cancel of a queued generation must not overtake a worker that just started it). */
  finish: (status: TerminalStatus, from: readonly ActiveStatus[] = ACTIVE_STATUSES): Move => move('finish', from, status),
} as const;
