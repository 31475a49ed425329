/**
 * One queue-position scenario run against each queue transport with a matching state store:
 * an api-server listening on a real port, generations queued while no worker runs (positions
 * 1..N, no estimate yet), an event stream on the last one, then a worker: the stream's
 * `queued` events count down and `started` follows; with the worker gone again, new queued
 * generations get estimates learnt from the runs just made.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../src/api/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { GenerationStore } from '../../src/generation/index.js';
import { createInferencePipeline, type InferencePipeline } from '../../src/inference/index.js';
import { createQueueBackend, type QueueBackend } from '../../src/queue/index.js';
import { createGenerationStore } from '../../src/state/index.js';
import { LocalObjectStore } from '../../src/storage/index.js';
import { noopLogger } from '../../src/telemetry/index.js';
import { startWorker } from '../../src/worker/index.js';
import { FIXTURE_MODELS, eventually } from '../support/serving-stack.js';

export interface BackendCase {
  name: string;
  /** Why the servers it needs are not there (null: they are). */
  unavailable: string | null;
  env: (unique: string) => Record<string, string>;
  /** Storage the case made: removed after the run. */
  cleanup?: (store: GenerationStore) => Promise<void>;
}

interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Reads an SSE response until `until` says stop; returns every event seen. */
async function readEvents(url: string, until: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const get = (k: string) =>
          block
            .split('\n')
            .find((l) => l.startsWith(`${k}: `))
            ?.slice(k.length + 2);
        const event = get('event');
        if (event) events.push({ id: get('id'), event, data: JSON.parse(get('data') ?? '{}') as Record<string, unknown> });
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return events;
}

export function queuePositionSuite(backend: BackendCase): void {
  if (backend.unavailable && process.env.CI === 'true') throw new Error(`${backend.name}: ${backend.unavailable}`);
  if (backend.unavailable) console.warn(`skipping queue positions on ${backend.name}: ${backend.unavailable}`);

  describe.skipIf(backend.unavailable !== null)(`queue position and ETA: ${backend.name}`, () => {
    const unique = `qp${randomUUID().slice(0, 8)}`;
    let dir: string;
    let config: Config;
    let queue: QueueBackend;
    let store: GenerationStore;
    let pipeline: InferencePipeline;
    let base: string;
    let close: () => Promise<void>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'diffscope-qpos-'));
      config = loadConfig(
        {},
        {
          DIFFSCOPE_DATA_DIR: dir,
          DIFFSCOPE_MODELS_DIR: FIXTURE_MODELS,
          DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel',
          DIFFSCOPE_PROMPT_HASH_SECRET: 'test-prompt-hash-secret-0123456789',
          DIFFSCOPE_QUEUE_NAME: `${unique}-generations`,
          ...backend.env(unique),
        },
      );
      queue = await createQueueBackend(config, { redisPrefix: unique, leaseMs: 30_000 });
      store = await createGenerationStore(config, { tablePrefix: `${unique}_`, keyPrefix: `${unique}:` });
      pipeline = await createInferencePipeline({ modelsDir: FIXTURE_MODELS });
      const app = await buildApiServer({
        config,
        logger: noopLogger,
        queue,
        store,
        models: () => pipeline.listModels(),
        queuePlaceRefreshMs: 50,
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      close = async () => {
        await app.close();
        await backend.cleanup?.(store);
        await store.close();
        await queue.close();
        await pipeline.close();
        rmSync(dir, { recursive: true, force: true });
      };
    }, 60_000);
    afterAll(async () => close?.(), 60_000);

    const create = async (): Promise<string> => {
      const res = await fetch(`${base}/v1/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'a small red square', steps: 24, seed: 3 }),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    const view = async (id: string) => (await (await fetch(`${base}/v1/generations/${id}`)).json()) as Record<string, unknown>;
    const runWorker = (objectDir: string) =>
      startWorker({
        config,
        logger: noopLogger,
        queue,
        store,
        objectStore: new LocalObjectStore({ outputDir: objectDir }),
        pipeline,
        concurrency: 1,
        cancelPollMs: 20,
      });

    it('numbers queued generations 1..N, counts down on the stream as they start, then estimates from the runs seen', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(await create());

      // No worker: everyone waits, in order, and nothing has run yet to estimate from.
      for (const [k, id] of ids.entries()) {
        const body = await view(id);
        expect(body).toMatchObject({ status: 'queued', position: k + 1, eta_ms: null });
      }

      // Follow the last one; once its first place is on the stream, a worker starts.
      const last = ids.at(-1)!;
      let worker: ReturnType<typeof runWorker> | undefined;
      const events = await readEvents(`${base}/v1/generations/${last}/events`, (seen) => {
        if (seen.some((e) => e.event === 'queued' && e.data.position !== undefined)) worker ??= runWorker(join(dir, 'outputs'));
        return seen.some((e) => e.event === 'succeeded' || e.event === 'failed');
      });
      const places = events.filter((e) => e.event === 'queued' && e.data.position !== undefined);
      expect(places[0].data).toMatchObject({ status: 'queued', position: 4 });
      const positions = places.map((e) => e.data.position as number);
      // Never back; a repeated place comes only with news about the estimate (it appears once runs finish).
      for (let i = 1; i < positions.length; i++) {
        expect(positions[i]).toBeLessThanOrEqual(positions[i - 1]);
        if (positions[i] === positions[i - 1]) expect(places[i].data.eta_ms).not.toEqual(places[i - 1].data.eta_ms);
      }
      expect(positions.at(-1)).toBeLessThan(4);
      // Place events are not stored: no SSE id, and the seq of the stored event before them.
      for (const e of places) {
        expect(e.id).toBeUndefined();
        expect(e.data.seq).toBe(1);
      }
      const types = events.map((e) => e.event);
      expect(types.indexOf('started')).toBeGreaterThan(types.lastIndexOf('queued'));
      expect(types.at(-1)).toBe('succeeded');
      await eventually(async () => (await Promise.all(ids.map(view))).every((g) => g.status === 'succeeded'), 60_000);
      const view0 = await view(ids[0]);
      expect(view0.position).toBeUndefined(); // only a queued generation has a place
      await (await worker!).close({ graceMs: 0 });

      // The worker is gone again: new generations wait, now with estimates from the runs seen.
      const more = [await create(), await create()];
      const [first, second] = await Promise.all(more.map(view));
      expect(first).toMatchObject({ status: 'queued', position: 1 });
      expect(second).toMatchObject({ status: 'queued', position: 2 });
      expect(typeof first.eta_ms).toBe('number');
      expect(second.eta_ms as number).toBeGreaterThan(first.eta_ms as number);
      // Cancelling the first moves the second up.
      expect((await fetch(`${base}/v1/generations/${more[0]}/cancel`, { method: 'POST' })).status).toBe(200);
      await eventually(async () => (await view(more[1])).position === 1);
      await fetch(`${base}/v1/generations/${more[1]}/cancel`, { method: 'POST' });
    }, 120_000);
  });
}
