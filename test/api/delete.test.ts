/**
 * `DELETE /v1/generations/{id}` on every state store (SQLite, PostgreSQL, Redis) with every
 * storage backend (local folder, S3 on s3rver): the api-server and a worker run in this process
 * (real SQLite queue, real pipeline on the fixture model). A finished generation loses its images,
 * record and events; a repeat is 404; another client's id is 404 and stays; a queued one is
 * canceled through the lifecycle and removed; a running one is refused (409) until it has ended.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../src/api/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { CompletionPublisher, GenerationLifecycle } from '../../src/generation/index.js';
import { createInferencePipeline, type InferencePipeline } from '../../src/inference/index.js';
import { completionQueueName } from '../../src/notifier/index.js';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { createLogger, type Logger } from '../../src/telemetry/index.js';
import { startWorker, type WorkerHandle } from '../../src/worker/index.js';
import {
  openObjectStore,
  storeTargets,
  type ObjectStoreKind,
  type OpenedObjectStore,
  type OpenedStore,
} from '../state/retention-targets.js';
import { eventually, FIXTURE_MODELS } from '../support/serving-stack.js';

const ALICE = { authorization: 'Bearer key-alice' };
const BOB = { authorization: 'Bearer key-bob' };
const targets = await storeTargets();

let pipeline: InferencePipeline;
beforeAll(async () => {
  pipeline = await createInferencePipeline({ modelsDir: FIXTURE_MODELS });
});
afterAll(async () => {
  await pipeline?.close();
});

for (const target of targets) {
  for (const storage of ['local', 's3'] as ObjectStoreKind[]) {
    describe.skipIf(target.unavailable !== null)(`DELETE /v1/generations/{id}: ${target.kind} state, ${storage} storage`, () => {
      let dir: string;
      let config: Config;
      let opened: OpenedStore;
      let objects: OpenedObjectStore;
      let queue: SqliteQueueBackend;
      let app: FastifyInstance;
      let worker: WorkerHandle | undefined;
      const lines: Record<string, unknown>[] = [];
      const logger = (service: string): Logger =>
        createLogger({ service, destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });

      beforeAll(async () => {
        dir = mkdtempSync(join(tmpdir(), 'dsc-delete-'));
        config = loadConfig(
          {},
          {
            DIFFSCOPE_DATA_DIR: dir,
            DIFFSCOPE_MODELS_DIR: FIXTURE_MODELS,
            DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel',
            DIFFSCOPE_PROMPT_HASH_SECRET: 'test-prompt-hash-secret-0123456789',
            DIFFSCOPE_API_KEYS: 'key-alice:alice,key-bob:bob',
          },
        );
        opened = await target.open();
        objects = await openObjectStore(storage);
        queue = new SqliteQueueBackend({ file: join(dir, 'queue.sqlite'), minPollMs: 2, maxPollMs: 20 });
        app = await buildApiServer({
          config,
          logger: logger('api-server'),
          queue,
          store: opened.store,
          objectStore: objects.objectStore,
          models: () => pipeline.listModels(),
        });
        await app.ready();
      });
      afterAll(async () => {
        await app?.close();
        await worker?.close({ graceMs: 0 });
        await queue?.close();
        await opened?.close();
        await objects?.close();
        rmSync(dir, { recursive: true, force: true });
      });

      const startTheWorker = async () => {
        worker ??= await startWorker({
          config,
          logger: logger('inference-worker'),
          queue,
          store: opened.store,
          objectStore: objects.objectStore,
          pipeline,
          cancelPollMs: 20,
        });
      };
      const post = async (payload: Record<string, unknown>) => {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/generations',
          headers: { ...ALICE, 'content-type': 'application/json' },
          payload,
        });
        expect(res.statusCode).toBe(202);
        return res.json<{ id: string }>().id;
      };
      const status = async (id: string) => (await app.inject({ url: `/v1/generations/${id}`, headers: ALICE })).json().status as string;
      const del = (id: string, headers = ALICE) => app.inject({ method: 'DELETE', url: `/v1/generations/${id}`, headers });

      it('queued: canceled through the lifecycle, then removed; running: 409 until it has ended', async () => {
        const { store } = opened;
        const queued = await post({ prompt: 'a queued square', steps: 2 });
        const removed = await del(queued);
        expect(removed.statusCode).toBe(200);
        expect(removed.json()).toEqual({ id: queued, deleted: true, status: 'canceled', images_deleted: 0 });
        expect(await store.get(queued)).toBeNull();
        expect(await store.events(queued)).toEqual([]);
        // Both lines in the DELETE request's scope (its own request_id), the generation named.
        const deleteRequest = removed.headers['x-request-id'];
        expect(lines.filter((l) => l.request_id === deleteRequest).map((l) => l.event)).toEqual(
          expect.arrayContaining(['request_canceled', 'generation_deleted']),
        );
        expect(lines.find((l) => l.event === 'generation_deleted' && l.request_id === deleteRequest)).toMatchObject({
          generation_id: queued,
          status: 'canceled',
          images_removed: 0,
          canceled: true,
        });

        // Running, as a worker leaves it when it takes the job.
        const running = await post({ prompt: 'a running circle', steps: 2 });
        const lifecycle = new GenerationLifecycle({
          store,
          logger: logger('inference-worker'),
          completions: new CompletionPublisher({
            open: () => queue.producer(completionQueueName(config)),
            logger: logger('inference-worker'),
          }),
        });
        expect(await lifecycle.start((await store.get(running))!, { startedAt: Date.now(), attempts: 1 })).not.toBeNull();
        const refused = await del(running);
        expect(refused.statusCode).toBe(409);
        expect(refused.json().error).toMatchObject({ code: 'DSC_ERR_API_CONFLICT' });
        expect(refused.json().error.message).toContain('cancel it');
        expect((await store.get(running))?.status).toBe('running');
        expect((await store.get(running))?.cancelRequested).toBe(false); // a refused DELETE changes nothing

        // Cancel it; the worker (taking the job over) ends it; then it can go.
        expect((await app.inject({ method: 'POST', url: `/v1/generations/${running}/cancel`, headers: ALICE })).statusCode).toBe(202);
        await startTheWorker();
        await eventually(async () => (await status(running)) === 'canceled');
        const after = await del(running);
        expect(after.statusCode).toBe(200);
        expect(after.json()).toMatchObject({ id: running, deleted: true, status: 'canceled' });
        expect(await store.get(running)).toBeNull();
      });

      it('finished: removes its images, record and events; another client and a repeat get 404', async () => {
        const { store } = opened;
        await startTheWorker();
        const id = await post({ prompt: 'a small red square', steps: 2, n: 2 });
        await eventually(async () => (await status(id)) === 'succeeded');
        const outputs = (await store.get(id))!.outputs;
        expect(outputs).toHaveLength(2);
        expect(await objects.keys()).toEqual(expect.arrayContaining([`${id}/0.png`, `${id}/1.png`]));
        expect((await store.events(id)).map((e) => e.type)).toEqual(expect.arrayContaining(['queued', 'started', 'succeeded']));

        // Bob cannot see Alice's generation, so he cannot delete it either: 404, nothing removed.
        const foreign = await del(id, BOB);
        expect(foreign.statusCode).toBe(404);
        expect((await store.get(id))?.status).toBe('succeeded');
        expect((await app.inject({ method: 'DELETE', url: `/v1/generations/${id}` })).statusCode).toBe(401);

        const removed = await del(id);
        expect(removed.statusCode).toBe(200);
        expect(removed.json()).toEqual({ id, deleted: true, status: 'succeeded', images_deleted: 2 });
        expect(await store.get(id)).toBeNull();
        expect(await store.events(id)).toEqual([]);
        for (const location of outputs) expect(await objects.objectStore.get(location)).toBeNull();
        expect((await objects.keys()).filter((key) => key.startsWith(`${id}/`))).toEqual([]);
        expect((await app.inject({ url: `/v1/generations/${id}`, headers: ALICE })).statusCode).toBe(404);
        expect((await app.inject({ url: `/v1/generations/${id}/images/0`, headers: ALICE })).statusCode).toBe(404);

        // Idempotent in effect: a repeat changes nothing and answers 404.
        const again = await del(id);
        expect(again.statusCode).toBe(404);
        expect(again.json().error.code).toBe('DSC_ERR_API_NOT_FOUND');
        expect((await del('req_never_existed')).statusCode).toBe(404);
        expect((await del('not..a/valid%20id')).statusCode).toBe(404);
      });
    });
  }
}
