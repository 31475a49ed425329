/**
 * A finish whose acknowledgement is lost (issue 9: an outage that swallows the answer to the
 * final status write, while the write itself is applied). The store connection goes through a
 * proxy that holds the server's replies: the terminal write reaches PostgreSQL / Redis and is
 * applied, its caller's deadline passes, and its retry finds the record already finished — by
 * its own write (same status, same finishedAt). complete() takes that as its success: one
 * terminal event, one log line, one completion message, nothing owed. (SQLite has no
 * acknowledgement to lose: its writes are local calls whose error means nothing was written.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompletionPublisher, GenerationLifecycle, isTerminal, type GenerationStore } from '../../src/generation/index.js';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { PostgresGenerationStore } from '../../src/state/postgres-generation-store.js';
import { RedisGenerationStore } from '../../src/state/redis-generation-store.js';
import { createLogger } from '../../src/telemetry/index.js';
import { probeTcp, REDIS_URL } from '../queue/servers.js';
import { startTcpProxy, type TcpProxy } from '../queue/tcp-proxy.js';
import { record } from '../state/conformance.js';
import { eventually } from '../support/serving-stack.js';
import { TEST_POSTGRES_URL } from './store-targets.js';

/** The client's deadline on one command: short, so the held reply is given up on quickly. */
const DEADLINE_MS = 300;

interface Target {
  name: string;
  url: string;
  defaultPort: number;
  /** A store at `url` (the proxy's, or the server's own), over the same storage. */
  open(url: string): Promise<GenerationStore>;
  cleanup(): Promise<void>;
}

const run = randomUUID().slice(0, 8);
const TARGETS: Target[] = [
  {
    name: 'postgres',
    url: TEST_POSTGRES_URL,
    defaultPort: 5432,
    open: (url) =>
      PostgresGenerationStore.connect({ connectionString: url, tablePrefix: `dsc_lateack_${run}_`, queryTimeoutMs: DEADLINE_MS }),
    async cleanup() {
      const store = await PostgresGenerationStore.connect({ connectionString: TEST_POSTGRES_URL, tablePrefix: `dsc_lateack_${run}_` });
      await store.dropTables();
      await store.close();
    },
  },
  {
    name: 'redis',
    url: REDIS_URL,
    defaultPort: 6379,
    open: (url) => RedisGenerationStore.connect({ url, keyPrefix: `dsc-lateack-${run}:`, commandTimeoutMs: DEADLINE_MS }),
    async cleanup() {
      const store = await RedisGenerationStore.connect({ url: REDIS_URL, keyPrefix: `dsc-lateack-${run}:` });
      await store.deleteAll();
      await store.close();
    },
  },
];

for (const target of TARGETS) {
  const unavailable = await probeTcp(target.url, target.defaultPort);
  if (unavailable && process.env.CI === 'true') throw new Error(`${target.name} cannot run under CI: ${unavailable}`);
  describe.skipIf(unavailable !== null)(`a finish acknowledged late: ${target.name}`, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-lateack-'));
    const queue = new SqliteQueueBackend({ file: path.join(dir, 'queue.sqlite') });
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: 'inference-worker',
      level: 'info',
      destination: { write: (s: string) => void lines.push(JSON.parse(s)) },
    });
    let proxy: TcpProxy;
    let proxied: GenerationStore;
    let direct: GenerationStore;

    beforeAll(async () => {
      proxy = await startTcpProxy(target.url, target.defaultPort);
      proxied = await target.open(proxy.url);
      direct = await target.open(target.url);
    });
    afterAll(async () => {
      await proxied?.close();
      await direct?.close();
      await proxy?.close();
      await queue.close();
      await target.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it("the retry that finds the caller's own finish in place goes on as a success: one event, one log line, one completion, nothing owed", async () => {
      const r = record({ status: 'running', startedAt: Date.now(), attempts: 1 });
      await direct.create(r);
      await direct.appendEvent(r.id, 'started', { attempt: 1 });
      const completions = `completions-${target.name}`;
      const lifecycle = new GenerationLifecycle({
        store: proxied,
        logger,
        completions: new CompletionPublisher({ open: () => queue.producer(completions), logger }),
        finishRetry: { attempts: 20, firstDelayMs: 50, maxDelayMs: 200 },
      });

      // An open connection, so the finish itself (not a connection handshake) meets the held replies.
      expect((await proxied.get(r.id))?.status).toBe('running');
      proxy.holdReplies();
      const completing = lifecycle.complete({ record: r, status: 'succeeded', outputs: ['file:///o/0.png'], startedAt: r.startedAt });
      // The server applied the finish (read straight from it) while its answer is held...
      const applied = await eventually(async () => {
        const current = await direct.get(r.id);
        return current?.status === 'succeeded' ? current : undefined;
      });
      // ...and the caller gave up on that answer: its deadline passed, it tries again.
      await eventually(() => lines.find((l) => l.event === 'finish_write_retry'));
      proxy.releaseReplies();

      expect(await completing).toBe(true);
      expect(await direct.get(r.id)).toEqual(applied);
      expect((await direct.events(r.id)).filter((e) => isTerminal(e.type)).map((e) => e.type)).toEqual(['succeeded']);
      expect(lines.filter((l) => l.event === 'request_complete').map((l) => l.status)).toEqual(['succeeded']);
      expect(await queue.depth(completions)).toBe(1);
      expect((await direct.listPendingCompletions({ finishedBefore: Number.MAX_SAFE_INTEGER, limit: 100 })).map((p) => p.id)).not.toContain(
        r.id,
      );
    }, 30_000);

    it("a retry that finds another caller's finish in place (the same outcome, its own first try never applied) is a lost race", async () => {
      const r = record({ status: 'running', startedAt: Date.now(), attempts: 1 });
      await direct.create(r);
      const log = logger.child({ generation: r.id });
      const completions = `completions-${target.name}-race`;
      const lifecycle = new GenerationLifecycle({
        store: proxied,
        logger: log,
        completions: new CompletionPublisher({ open: () => queue.producer(completions), logger: log }),
        finishRetry: { attempts: 20, firstDelayMs: 50, maxDelayMs: 200 },
      });
      const other = new GenerationLifecycle({
        store: direct,
        logger: log,
        completions: new CompletionPublisher({ open: () => queue.producer(completions), logger: log }),
      });
      const failure = { code: 'DSC_ERR_INFER_FAILED', message: 'failed' };

      proxy.refuse();
      const completing = lifecycle.complete({ record: r, status: 'failed', error: failure, startedAt: r.startedAt });
      await eventually(() => lines.find((l) => l.event === 'finish_write_retry' && l.generation === r.id));
      expect((await direct.get(r.id))?.status).toBe('running'); // nothing of it reached the server
      expect(await other.complete({ record: r, status: 'failed', error: failure, startedAt: r.startedAt })).toBe(true);
      proxy.accept();

      expect(await completing).toBe(false);
      expect((await direct.events(r.id)).filter((e) => isTerminal(e.type)).map((e) => e.type)).toEqual(['failed']);
      expect(lines.filter((l) => l.event === 'request_failed' && l.generation === r.id)).toHaveLength(1);
      expect(await queue.depth(completions)).toBe(1);
    }, 30_000);
  });
}
