/**
 * PostgreSQL outage with PostgreSQL state (issue 9, item 13), against a cluster of the test's
 * own (initdb + pg_ctl on another port; never the shared one): frozen (SIGSTOP of every
 * process of the cluster: connections stay open, nothing answers) and crashed (immediate
 * stop) then restarted. While it is out, POST /v1/generations answers 503 + Retry-After within
 * the pool's deadlines instead of hanging, /metrics answers and /readyz says not ready; once
 * it is back, every generation accepted before reaches exactly one terminal event (also when the
 * outage swallowed the acknowledgement of the final status write: the event is part of that write)
 * and its completion message is published (none stays owed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal } from '../../../src/generation/index.js';
import { eventually } from '../../support/serving-stack.js';
import { postgresAvailable, startOwnPostgres, type OwnPostgres } from './outage-support.js';
import { allTerminal, countLines, owedCompletions, probe, startOutageStack, terminalCounts, type OutageStack } from './outage-stack.js';

const unavailable = postgresAvailable();
if (unavailable && process.env.CI === 'true') throw new Error(`PostgreSQL outage test cannot run under CI: ${unavailable}`);

describe.skipIf(unavailable !== null)('PostgreSQL state out mid-run', () => {
  let pg: OwnPostgres;
  let stack: OutageStack;
  beforeAll(async () => {
    pg = await startOwnPostgres();
    stack = await startOutageStack({ DIFFSCOPE_STATE: 'postgres', DIFFSCOPE_POSTGRES_URL: pg.url });
  }, 90_000);
  afterAll(async () => {
    pg?.resume();
    await stack?.close().catch(() => undefined);
    pg?.stop();
  });

  for (const mode of ['frozen', 'crashed'] as const) {
    it(`${mode}: 503 + Retry-After without hanging, /readyz not ready, /metrics answers; accepted work completes once after recovery`, async () => {
      const accepted = await Promise.all(Array.from({ length: 4 }, () => probe(stack.port, 'POST', '/v1/generations', 40)));
      expect(accepted.every((p) => p.status === 202)).toBe(true);
      const ids = accepted.map((p) => p.id!);

      if (mode === 'frozen') pg.freeze();
      else pg.kill();
      const posts = await Promise.all(Array.from({ length: 5 }, () => probe(stack.port, 'POST', '/v1/generations')));
      const [metrics, readyz] = await Promise.all([probe(stack.port, 'GET', '/metrics'), probe(stack.port, 'GET', '/readyz')]);
      console.log(
        `[postgres-outage:${mode}] POST → ${posts.map((p) => `${p.status} ${p.code ?? ''}`).join(', ')}; slowest ${Math.max(...posts.map((p) => p.ms))} ms; /metrics ${metrics.status} in ${metrics.ms} ms; /readyz ${readyz.status} in ${readyz.ms} ms`,
      );
      for (const p of posts) {
        expect(p.status).toBe(503);
        expect(p.code).toBe('DSC_ERR_STATE_UNAVAILABLE');
        expect(Number(p.retryAfter)).toBeGreaterThan(0);
      }
      expect(metrics.status).toBe(200);
      expect(readyz.status).toBe(503);

      if (mode === 'frozen') pg.resume();
      else pg.restart();

      await eventually(() => allTerminal(stack.store, ids), 90_000);
      const counts = [...(await terminalCounts(stack.store, ids)).values()];
      const statuses = await Promise.all(ids.map(async (id) => (await stack.store.get(id))?.status));
      console.log(
        `[postgres-outage:${mode}] accepted before: ${ids.length}, ended: ${statuses.filter((s) => isTerminal(s)).length}, terminal event once: ` +
          `${counts.filter((c) => c === 1).length}, twice or more: ${counts.filter((c) => c > 1).length}, missing: ${counts.filter((c) => c === 0).length}; statuses ${statuses.join(',')}; ` +
          `so far: finish retries ${countLines(stack, 'finish_write_retry', ids)}, completions republished ${countLines(stack, 'completion_republished', ids)}`,
      );
      // Ended (allTerminal above), each with exactly one terminal event: none missing, none twice.
      expect(counts).toEqual(ids.map(() => 1));
      await eventually(async () => (await owedCompletions(stack.store, ids)).length === 0, 30_000);
      const after = await eventually(async () => {
        const p = await probe(stack.port, 'POST', '/v1/generations');
        return p.status === 202 ? p : undefined;
      }, 30_000);
      await eventually(() => allTerminal(stack.store, [after.id!]), 60_000);
    }, 180_000);
  }
});
