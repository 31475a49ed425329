/**
 * The completion outbox (src/generation/completion-outbox.ts) on the three stores, with real
 * processes: a worker killed right after its finish's store write, before the completion message
 * went out. The record is finished with its terminal event (same write) and owes its completion;
 * the reconciler publishes it once the grace period passed, exactly once; the real notifier sends
 * one webhook, also when the same completion comes a second time (what the outbox does when its
 * settlement was lost).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import {
  CompletionPublisher,
  GenerationLifecycle,
  Reconciler,
  generationQueueName,
  isTerminal,
  type GenerationStore,
} from '../../src/generation/index.js';
import { completionQueueName, startNotifier } from '../../src/notifier/index.js';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { webhookReceiver } from '../e2e/trace-assertions.js';
import { record } from '../state/conformance.js';
import { eventually } from '../support/serving-stack.js';
import { installTestTracing } from '../support/tracing.js';
import { skipUnavailable, storeTargets, type StoreSpec } from './store-targets.js';

installTestTracing();

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs finish-then-die.ts on `id`; resolves with how it ended (-1: killed by a signal). */
function finishThenDie(spec: StoreSpec, id: string): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'finish-then-die.ts'), JSON.stringify({ ...spec, id })], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      if (!output.includes('finished')) console.log(output);
      resolve(signal ? -1 : code);
    }),
  );
}

const GRACE_MS = 1_000;

for (const target of await storeTargets()) {
  describe.skipIf(skipUnavailable(target))(`the completion outbox: ${target.name}`, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-outbox-'));
    const config = loadConfig(
      {},
      {
        DIFFSCOPE_DATA_DIR: dir,
        DIFFSCOPE_QUEUE_NAME: `outbox-${target.name}`,
        DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true',
        DIFFSCOPE_RECONCILE_INTERVAL_MS: '0',
      },
    );
    const queue = new SqliteQueueBackend({ file: path.join(dir, 'queue.sqlite'), minPollMs: 2, maxPollMs: 20 });
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: 'notifier',
      level: 'debug',
      destination: { write: (s: string) => void lines.push(JSON.parse(s)) },
    });
    let store: GenerationStore;
    let hooks: Awaited<ReturnType<typeof webhookReceiver>>;

    beforeAll(async () => {
      store = await target.open();
      hooks = await webhookReceiver();
    });
    afterAll(async () => {
      await hooks?.close();
      await store?.close();
      await queue.close();
      await target.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a worker killed between the finish and its publish: finished with its event, completion owed, published once by the reconciler after the grace period, one webhook even when it comes twice', async () => {
      const r = record({
        status: 'running',
        startedAt: Date.now(),
        attempts: 1,
        webhook: { url: hooks.url, events: ['succeeded', 'failed', 'canceled'] },
      });
      await store.create(r);
      await store.appendEvent(r.id, 'queued', { status: 'queued' });
      await store.appendEvent(r.id, 'started', { attempt: 1 });

      expect(await finishThenDie(target.spec, r.id)).toBe(-1);
      const finished = await store.get(r.id);
      expect(finished).toMatchObject({ status: 'succeeded', outputs: [`file:///outputs/${r.id}/0.png`] });
      const events = await store.events(r.id);
      expect(events.map((e) => e.type)).toEqual(['queued', 'started', 'succeeded']);
      expect(events[2].data).toMatchObject({ status: 'succeeded', output_locations: finished!.outputs });
      const owed = async () =>
        (await store.listPendingCompletions({ finishedBefore: Number.MAX_SAFE_INTEGER, limit: 100 })).map((p) => p.id);
      expect(await owed()).toEqual([r.id]);
      const completions = completionQueueName(config);
      expect(await queue.depth(completions)).toBe(0); // it died before publishing

      const lifecycle = new GenerationLifecycle({
        store,
        logger,
        completions: new CompletionPublisher({ open: () => queue.producer(completions), logger }),
      });
      const reconciler = new Reconciler({
        store,
        queue,
        queueName: generationQueueName(config),
        lifecycle,
        logger,
        graceMs: GRACE_MS,
        unknownMaxAgeMs: 3_600_000,
      });
      const finishedAt = finished!.finishedAt!;
      expect(await reconciler.runOnce(finishedAt + GRACE_MS / 2)).toMatchObject({ republished: 0 }); // within the grace period: its publisher may still be at it
      expect(await reconciler.runOnce(finishedAt + GRACE_MS + 1)).toMatchObject({ republished: 1, failed: 0 });
      expect(await queue.depth(completions)).toBe(1);
      expect(await owed()).toEqual([]);
      expect(await reconciler.runOnce(finishedAt + 2 * GRACE_MS)).toMatchObject({ republished: 0 });
      expect(lines.filter((l) => l.event === 'completion_republished').map((l) => [l.request_id, l.status, l.trace_id])).toEqual([
        [r.id, 'succeeded', r.traceId],
      ]);

      const notifier = await startNotifier({ config, logger, queue, store, backoffMs: 10, maxBackoffMs: 50 });
      try {
        const hook = await eventually(() => hooks.received.find((h) => h.body.id === r.id));
        expect(hook.body).toMatchObject({ event: 'completed', status: 'succeeded', output_locations: finished!.outputs });
        expect(hook.headers.traceparent).toContain(r.traceId);
        await eventually(async () => (await store.get(r.id))?.completionDeliveredAt !== undefined);

        // The same completion again, as the outbox sends it when its settlement was lost.
        await new CompletionPublisher({ open: () => queue.producer(completions), logger }).publish({
          id: r.id,
          status: 'succeeded',
          finishedAt,
        });
        await eventually(() =>
          lines.find((l) => l.event === 'notification_skipped' && l.request_id === r.id && l.reason === 'outcome already delivered'),
        );
        expect(await queue.depth(completions)).toBe(0);
        expect(hooks.received.filter((h) => h.body.id === r.id)).toHaveLength(1);
        expect((await store.events(r.id)).filter((e) => isTerminal(e.type))).toHaveLength(1);
      } finally {
        await notifier.close({ graceMs: 0 });
      }
    }, 60_000);
  });
}
