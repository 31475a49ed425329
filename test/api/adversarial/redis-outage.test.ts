/**
 * Redis outage with the Redis queue (BullMQ) — with Redis state too, and with SQLite state so
 * that the queue producer itself meets the outage (issue 9, item 13) — against a redis-server
 * of the test's own (never the shared one): frozen (SIGSTOP: the connection stays open and
 * nothing answers — the case that used to hang) and killed then restarted. While it is out,
 * POST /v1/generations answers 503 + Retry-After instead of hanging, /metrics still answers
 * and /readyz says not ready; once it is back, every generation accepted before (some of them
 * mid-run when it went) reaches exactly one terminal event — also when the outage swallowed the
 * acknowledgement of the final status write itself (the event is part of that write) — and its
 * completion message is published (none stays owed), none refused during the outage is run,
 * and new ones are accepted again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal } from '../../../src/generation/index.js';
import { eventually } from '../../support/serving-stack.js';
import { startOwnRedis, type OwnRedis } from './outage-support.js';
import {
  allTerminal,
  countLines,
  owedCompletions,
  probe,
  startOutageStack,
  terminalCounts,
  type OutageStack,
  type Probe,
} from './outage-stack.js';

const SETUPS = [
  { state: 'redis', refusedWith: 'DSC_ERR_STATE_UNAVAILABLE' },
  { state: 'sqlite', refusedWith: 'DSC_ERR_QUEUE_UNAVAILABLE' },
] as const;

describe.each(SETUPS)('Redis queue, $state state: Redis out mid-run', ({ state, refusedWith }) => {
  let redis: OwnRedis;
  let stack: OutageStack;
  beforeAll(async () => {
    redis = await startOwnRedis();
    stack = await startOutageStack({ DIFFSCOPE_QUEUE: 'redis', DIFFSCOPE_STATE: state, DIFFSCOPE_REDIS_URL: redis.url });
  }, 60_000);
  afterAll(async () => {
    redis?.resume();
    await stack?.close();
    await redis?.stop();
  });

  async function duringOutage(label: string): Promise<{ posts: Probe[]; metrics: Probe; readyz: Probe }> {
    const posts = await Promise.all(Array.from({ length: 5 }, () => probe(stack.port, 'POST', '/v1/generations')));
    const [metrics, readyz] = await Promise.all([probe(stack.port, 'GET', '/metrics'), probe(stack.port, 'GET', '/readyz')]);
    const slowest = Math.max(...posts.map((p) => p.ms));
    console.log(
      `[redis-outage:${state} state:${label}] POST → ${posts.map((p) => `${p.status} ${p.code ?? ''}`).join(', ')}; slowest ${slowest} ms; /metrics ${metrics.status} in ${metrics.ms} ms; /readyz ${readyz.status} in ${readyz.ms} ms`,
    );
    return { posts, metrics, readyz };
  }

  async function acceptedBefore(n: number): Promise<string[]> {
    // Long enough that the first ones are still running when Redis goes.
    const posts = await Promise.all(Array.from({ length: n }, () => probe(stack.port, 'POST', '/v1/generations', 40)));
    expect(posts.every((p) => p.status === 202)).toBe(true);
    return posts.map((p) => p.id!);
  }

  async function expectEachCompletedOnce(label: string, ids: string[]): Promise<void> {
    await eventually(() => allTerminal(stack.store, ids), 90_000).catch(async (err: unknown) => {
      // What the services said, to tell a stuck generation's story.
      const said = stack.lines.filter(
        (l) => l.level !== 'info' || ['job_started', 'job_retry', 'request_complete', 'job_completed'].includes(String(l.event)),
      );
      console.log(
        JSON.stringify(
          said.slice(-60).map((l) => ({ e: l.event, s: l.service, r: l.request_id, m: l.message ?? l.err ?? l.reason, st: l.status })),
          null,
          0,
        ),
      );
      console.log(JSON.stringify(await Promise.all(ids.map((id) => stack.store.get(id).then((r) => [id, r?.status, r?.attempts])))));
      throw err;
    });
    const counts = await terminalCounts(stack.store, ids);
    const statuses = await Promise.all(ids.map(async (id) => (await stack.store.get(id))?.status));
    const events = [...counts.values()];
    console.log(
      `[redis-outage:${state} state:${label}] accepted before: ${ids.length}, ended: ${statuses.filter((s) => isTerminal(s)).length}, ` +
        `terminal event once: ${events.filter((c) => c === 1).length}, twice or more: ${events.filter((c) => c > 1).length}, missing: ${events.filter((c) => c === 0).length}; statuses ${statuses.join(',')}; ` +
        `so far: finish retries ${countLines(stack, 'finish_write_retry', ids)}, completions republished ${countLines(stack, 'completion_republished', ids)}`,
    );
    // Every accepted generation ended (allTerminal above) with exactly one terminal event: none
    // missing, none twice.
    expect(events).toEqual(ids.map(() => 1));
    // And its completion message went out: published by its finisher, or by the reconciler's outbox pass.
    await eventually(async () => (await owedCompletions(stack.store, ids)).length === 0, 30_000).catch(async (err: unknown) => {
      console.log(`[redis-outage:${state} state:${label}] completions still owed: ${(await owedCompletions(stack.store, ids)).join(',')}`);
      console.log(
        JSON.stringify(
          stack.lines
            .filter((l) => ['completion_publish_failed', 'completion_republished', 'reconcile_failed'].includes(String(l.event)))
            .slice(-10),
        ),
      );
      throw err;
    });
  }

  for (const mode of ['frozen', 'killed'] as const) {
    it(`${mode}: requests fail fast with 503 + Retry-After, /readyz not ready, /metrics answers; accepted work completes once after recovery`, async () => {
      const ids = await acceptedBefore(4);
      if (mode === 'frozen') redis.freeze();
      else await redis.kill();

      const { posts, metrics, readyz } = await duringOutage(mode);
      for (const p of posts) {
        expect(p.status).toBe(503);
        expect(p.code).toBe(refusedWith);
        expect(Number(p.retryAfter)).toBeGreaterThan(0);
      }
      expect(metrics.status).toBe(200);
      expect(readyz.status).toBe(503);

      if (mode === 'frozen') redis.resume();
      else await redis.restart();

      await expectEachCompletedOnce(mode, ids);
      // A request refused during the outage is never run later (its record, when one was written, ended failed).
      for (const p of posts) {
        const record = await stack.store.get(p.id ?? '').catch(() => null);
        expect(record?.status ?? 'absent').not.toBe('succeeded');
      }
      const after = await eventually(async () => {
        const p = await probe(stack.port, 'POST', '/v1/generations');
        return p.status === 202 ? p : undefined;
      }, 30_000);
      await expectEachCompletedOnce(`${mode}, after recovery`, [after.id!]);
      expect((await probe(stack.port, 'GET', '/readyz')).status).toBe(200);
    }, 180_000);
  }
});
