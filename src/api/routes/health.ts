/** `/healthz` (process up), `/readyz` (queue and store reachable), `/metrics` (OpenMetrics). */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { metricsRegistry } from '../../telemetry/index.js';
import type { ApiContext } from '../api-context.js';

const PROBE_TIMEOUT_MS = 2_000;

async function probe(fn: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

export function healthPlugin(ctx: ApiContext): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get('/healthz', async () => ({ status: 'ok' }));

    app.get('/readyz', async (_request, reply) => {
      const [queue, store] = await Promise.all([probe(() => ctx.queue.depth(ctx.queueName)), probe(() => ctx.store.get('readyz_probe'))]);
      const ready = queue === 'ok' && store === 'ok';
      reply.code(ready ? 200 : 503);
      return { status: ready ? 'ready' : 'unavailable', checks: { queue, store } };
    });

    app.get('/metrics', async (_request, reply) => {
      const registry = metricsRegistry();
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  };
}
