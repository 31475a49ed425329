/** The state machine itself: which moves exist, and that nothing leaves a terminal status. */
import { describe, expect, it } from 'vitest';
import {
  ACTIVE_STATUSES,
  GENERATION_STATUSES,
  TERMINAL_STATUSES,
  canMove,
  isTerminal,
  moves,
  type GenerationStatus,
} from '../../src/generation/index.js';

describe('generation lifecycle', () => {
  it('allows exactly the edges of the picture: start, requeue, finish from queued or running', () => {
    const allowed = GENERATION_STATUSES.flatMap((from) =>
      GENERATION_STATUSES.filter((to) => canMove(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'queued->running',
        'queued->succeeded',
        'queued->failed',
        'queued->canceled',
        'running->queued',
        'running->succeeded',
        'running->failed',
        'running->canceled',
      ].sort(),
    );
  });

  it('never moves out of a terminal status, not even to itself', () => {
    for (const from of TERMINAL_STATUSES) {
      for (const to of GENERATION_STATUSES) expect(canMove(from, to), `${from}->${to}`).toBe(false);
    }
  });

  it('splits the statuses into active and terminal', () => {
    expect([...ACTIVE_STATUSES, ...TERMINAL_STATUSES].sort()).toEqual([...GENERATION_STATUSES].sort());
    expect(GENERATION_STATUSES.filter((s) => isTerminal(s))).toEqual(['succeeded', 'failed', 'canceled']);
    expect(isTerminal(undefined)).toBe(false);
    expect(isTerminal('unknown')).toBe(false);
  });

  it('builds each move with the statuses it may start from', () => {
    expect(moves.start()).toMatchObject({ name: 'start', from: ['queued'], to: 'running' });
    expect(moves.requeue(123)).toMatchObject({ name: 'requeue', from: ['running'], to: 'queued', runStartedAt: 123 });
    expect(moves.finish('failed')).toMatchObject({ name: 'finish', from: ['queued', 'running'], to: 'failed' });
    expect(moves.finish('canceled', ['queued'])).toMatchObject({ from: ['queued'], to: 'canceled' });
    expect(moves.start().runStartedAt).toBeUndefined();
  });

  it('refuses to build a move the machine does not have', () => {
    const finishTo = moves.finish as (status: GenerationStatus, from?: readonly GenerationStatus[]) => unknown;
    expect(() => finishTo('queued')).toThrow(/cannot move from queued to queued/);
    expect(() => finishTo('succeeded', ['succeeded'])).toThrow(/cannot move from succeeded to succeeded/);
  });
});
